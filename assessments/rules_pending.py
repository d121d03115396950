"""Placeholders for rule keys whose data the portal does not record yet.

Each answers "no data yet" until a feature module registers a real rule with the same key
(for example ``assessments/rules_life.py`` for meetings and monthly reports).
"""

from django.utils.translation import gettext_lazy as _

from .rules import pending_rule

PENDING = {
    "basic.plan_and_summary": _("年度计划和总结按时形成"),
    "basic.study_monthly": _("每月集体学习"),
    "basic.responsibility_list": _("职责清单成文公开"),
    "basic.center_work": _("党建与中心工作融合"),
    "basic.integrity_education": _("廉政警示教育"),
    "basic.mass_work": _("联系服务群众"),
    "life.assembly_quarterly": _("每季度召开党员大会"),
    "life.committee_monthly": _("每月召开支委会"),
    "life.assembly_votes_valid": _("党员大会表决合规"),
    "life.assembly_missing_veto": _("党员大会或组织生活会缺失（否决项）"),
    "decision.committee_first": _("重要事项先支委会后党员大会"),
    "decision.follow_up": _("决策事项按期办结"),
    "life.theme_day_monthly": _("每月主题党日"),
    "life.lecture_quarterly": _("每季度党课"),
    "life.cell_monthly": _("每月党小组会"),
    "life.org_life_meeting_yearly": _("每年组织生活会"),
    "life.democratic_review": _("民主评议党员"),
    "life.attendance": _("组织生活参会率"),
    "life.dual_org_life": _("领导干部双重组织生活"),
    "members.dues_paid": _("按时足额交纳党费"),
    "members.study_hours": _("党员学习学时"),
    "members.talks": _("谈心谈话全覆盖"),
    "members.development": _("发展党员程序规范"),
    "members.transfers": _("组织关系转接及时"),
    "members.roster_reconciled": _("党员名册准确"),
    "training.secretary_trained": _("书记参加培训"),
    "support.systems_written": _("核心制度成文"),
    "support.monthly_report_on_time": _("按时报送月报"),
    "support.rectification_closed": _("问题按期整改"),
}

for key, label in PENDING.items():
    pending_rule(key, label)
