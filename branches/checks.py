"""Set-up and committee checks (domain.md §2.2 ORG-01…05, §2.3 COM-01…08), run in batch.

``run_checks(orgs, today=...)`` evaluates many organizations with a constant number of queries
(policy, member counts, cells, terms, posts, branch counts of units) and returns
``{org_id: [CheckResult, ...]}`` with one result per applicable check, passed or not, so pages
can show both what is wrong and what was verified. Thresholds come from ``branches.policy``.

Interpretations worth knowing:

* ORG-01 is about unit committees (机关党委). Members are enrolled only in branches, so the unit
  records ``unaffiliated_full_members``: full members on its roster who belong to no branch,
  neither its own nor a joint branch elsewhere. The check fails when that number reaches the
  set-up threshold (3).
* ORG-04 (temporary branch with dues, development or renewals): only terms exist in the portal
  yet, so a temporary branch fails when any term (a renewal election) is recorded for it. Dues
  and development records are not kept yet and are not checked; the message says so.
* COM-08 counts a vacancy from the day the last holder of the post left in the current term,
  or from the election day when the post was never filled.
"""

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext

# Messages are marked here and translated when read (CheckResult.message): a batch over
# thousands of branches then translates and formats only the messages a page shows.
from django.utils.translation import gettext_noop as _

from .models import Member, Organization, Post, Term
from .policy import policy_all

Kind = Organization.Kind
Role = Post.Role
ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}
# Posts a branch committee must fill (COM-04); the secretary is required even without one.
COMMITTEE_REQUIRED_ROLES = (Role.ORGANIZATION, Role.PUBLICITY, Role.DISCIPLINE)
# Display order of posts: secretary first, as in the choices.
ROLE_ORDER = {role: index for index, role in enumerate(Role.values)}

CHECK_TITLES = {
    "ORG-01": _("单位正式党员未建立党支部"),
    "ORG-02": _("党支部党员人数"),
    "ORG-03": _("联合党支部覆盖单位数"),
    "ORG-04": _("临时党支部职能范围"),
    "ORG-05": _("党小组设置"),
    "COM-01": _("支部委员会设立"),
    "COM-02": _("支部委员会人数"),
    "COM-03": _("未达人数设立委员会"),
    "COM-04": _("职务空缺"),
    "COM-05": _("书记党龄"),
    "COM-06": _("副书记人数"),
    "COM-07": _("书记、副书记上级批准"),
    "COM-08": _("空缺补选时限"),
}


class CheckResult(NamedTuple):
    """One check on one organization (a tuple: cheap to build by the thousand)."""

    check_id: str
    severity: str  # the severity when the check fails: error / warning / info
    passed: bool
    template: str  # the untranslated explanation, with %(name)s placeholders
    values: dict | None = None

    @property
    def message(self):
        text = gettext(self.template)
        return text % self.values if self.values else text

    @property
    def title(self):
        return gettext(CHECK_TITLES[self.check_id])


@dataclass
class OrgFacts:
    """Everything the checks (and the pages showing a branch) need about one organization."""

    org: Organization
    members: int = 0
    full_members: int = 0
    probationary_members: int = 0
    leading_cadres: int = 0
    cells: int = 0
    branches: int = 0  # active branches in a unit committee
    term: Term | None = None
    terms_recorded: int = 0
    posts: list = field(default_factory=list)  # every post of the active term, ended ones too

    @cached_property
    def current_posts(self):
        return [post for post in self.posts if post.ended_on is None]

    @cached_property
    def _current_by_role(self):
        by_role = {}
        for post in self.current_posts:
            by_role.setdefault(post.role, []).append(post)
        return by_role

    @property
    def committee_size(self):
        return len({post.member_id for post in self.current_posts})

    def holders(self, role):
        return self._current_by_role.get(role, [])


def collect_facts(orgs):
    """Facts for each organization, keyed by id, in a constant number of queries."""
    orgs = list(orgs)
    facts = {org.pk: OrgFacts(org=org) for org in orgs}
    branch_ids = [org.pk for org in orgs if org.kind in (Kind.BRANCH, Kind.GENERAL_BRANCH)]
    unit_ids = [org.pk for org in orgs if org.kind == Kind.UNIT_COMMITTEE]
    if branch_ids:
        _add_branch_facts(facts, branch_ids)
    if unit_ids:
        counts = (
            Organization.objects.filter(unit_id__in=unit_ids, kind=Kind.BRANCH, is_active=True)
            .values("unit_id")
            .annotate(n=Count("pk"))
        )
        for row in counts:
            facts[row["unit_id"]].branches = row["n"]
    return facts


def _add_branch_facts(facts, branch_ids):
    active = Q(state=Member.State.ACTIVE)
    # A general branch's members are those of its branches.
    general_ids = {pk for pk in branch_ids if facts[pk].org.kind == Kind.GENERAL_BRANCH}
    member_rows = (
        Member.objects.filter(active, Q(branch_id__in=branch_ids) | Q(branch__parent_id__in=general_ids))
        .values("branch_id", "branch__parent_id")
        .annotate(
            total=Count("pk"),
            full=Count("pk", filter=Q(status=Member.Status.FULL)),
            probationary=Count("pk", filter=Q(status=Member.Status.PROBATIONARY)),
            cadres=Count("pk", filter=Q(is_leading_cadre=True)),
        )
    )
    for row in member_rows:
        parent = row["branch__parent_id"]
        for org_id in (row["branch_id"], parent) if parent in general_ids else (row["branch_id"],):
            fact = facts.get(org_id)
            if fact is None:  # a branch counted only for its general branch
                continue
            fact.members += row["total"]
            fact.full_members += row["full"]
            fact.probationary_members += row["probationary"]
            fact.leading_cadres += row["cadres"]
    cell_rows = (
        Organization.objects.filter(parent_id__in=branch_ids, kind=Kind.PARTY_CELL, is_active=True)
        .values("parent_id")
        .annotate(n=Count("pk"))
    )
    for row in cell_rows:
        facts[row["parent_id"]].cells = row["n"]
    # Elections only: a temporary branch's appointed leader is a term without a committee.
    term_rows = (
        Term.objects.filter(branch_id__in=branch_ids, has_committee=True)
        .values("branch_id")
        .annotate(n=Count("pk"))
    )
    for row in term_rows:
        facts[row["branch_id"]].terms_recorded = row["n"]
    terms = {
        term.pk: term for term in Term.objects.filter(branch_id__in=branch_ids, status=Term.Status.ACTIVE)
    }
    for term in terms.values():
        facts[term.branch_id].term = term
    # Plain rows, not model instances: tens of thousands of posts at province scale.
    rows = (
        Post.objects.filter(term_id__in=list(terms))
        .order_by("started_on", "pk")
        .values_list(
            "pk",
            "term_id",
            "member_id",
            "role",
            "started_on",
            "approved_on",
            "ended_on",
            "member__name",
            "member__status",
            "member__joined_on",
            "member__full_since",
        )
    )
    for pk, term_id, member_id, role, started, approved, ended, *member in rows:
        post = PostRow(pk, term_id, member_id, role, started, approved, ended, MemberRow(member_id, *member))
        facts[terms[term_id].branch_id].posts.append(post)


class MemberRow(NamedTuple):
    """The holder of a post as the checks and branch pages need it."""

    pk: int
    name: str
    status: str
    joined_on: object
    full_since: object

    def party_standing_years(self, on):
        return Member.standing_years(
            status=self.status, full_since=self.full_since, joined_on=self.joined_on, on=on
        )

    def get_absolute_url(self):
        return reverse("branches:member-detail", args=[self.pk])


class PostRow(NamedTuple):
    pk: int
    term_id: int
    member_id: int
    role: str
    started_on: object
    approved_on: object
    ended_on: object
    member: MemberRow

    def get_role_display(self):
        return Role(self.role).label


def run_checks(orgs, today=None, *, policy=None, facts=None):
    """``{org_id: [CheckResult, ...]}`` for every organization given (errors first)."""
    today = today or timezone.localdate()
    policy = policy or policy_all()
    facts = facts if facts is not None else collect_facts(orgs)
    results = {}
    for org_id, fact in facts.items():
        found = []
        if fact.org.kind == Kind.UNIT_COMMITTEE:
            found.append(_org_01(fact, policy))
        elif fact.org.kind == Kind.BRANCH:
            found.extend(_branch_setup_checks(fact, policy))
            found.extend(_committee_checks(fact, policy, today))
        results[org_id] = sorted(found, key=lambda r: (r.passed, SEVERITY_ORDER[r.severity], r.check_id))
    return results


def failing(results):
    return [result for result in results if not result.passed]


def failing_counts(results_by_org):
    """Per organization: (failing checks, failing errors)."""
    counts = {}
    for org_id, results in results_by_org.items():
        bad = failing(results)
        counts[org_id] = (len(bad), sum(1 for r in bad if r.severity == ERROR))
    return counts


def _result(check_id, severity, passed, template, values=None):
    return CheckResult(check_id, severity, passed, template, values)


def _verdict(check_id, severity, passed, values, *, ok, bad):
    """A result whose explanation is ``ok`` or ``bad`` filled with ``values``."""
    return _result(check_id, severity, passed, ok if passed else bad, values)


def _org_01(fact, policy):
    minimum = policy["org.branch_min_full_members"]
    loose = fact.org.unaffiliated_full_members
    values = {"n": loose, "min": minimum, "branches": fact.branches}
    if loose < minimum:
        return _result(
            "ORG-01",
            ERROR,
            True,
            _("未编入党支部的正式党员 %(n)d 人，未达 %(min)d 人，无需另行成立党支部。"),
            values,
        )
    if fact.branches:
        message = _(
            "本单位有 %(n)d 名正式党员未编入任何党支部（含联合党支部），已达 %(min)d 人，"
            "应成立党支部或编入现有的 %(branches)d 个党支部。"
        )
    else:
        message = _("本单位有 %(n)d 名正式党员，已达 %(min)d 人，但未成立党支部，也未参加联合党支部。")
    return _result("ORG-01", ERROR, False, message, values)


def _branch_setup_checks(fact, policy):
    org = fact.org
    maximum = policy["org.branch_max_members"]
    values = {"n": fact.members, "max": maximum}
    yield _verdict(
        "ORG-02",
        WARNING,
        fact.members <= maximum,
        values,
        ok=_("党员 %(n)d 人，未超过 %(max)d 人。"),
        bad=_("党员 %(n)d 人（含预备党员），超过一般不超过 %(max)d 人的规定，可考虑分设党支部。"),
    )
    if org.is_joint:
        maximum = policy["org.joint_branch_max_units"]
        values = {"n": org.units_covered, "max": maximum}
        yield _verdict(
            "ORG-03",
            WARNING,
            org.units_covered <= maximum,
            values,
            ok=_("联合党支部覆盖 %(n)d 个单位，未超过 %(max)d 个。"),
            bad=_("联合党支部覆盖 %(n)d 个单位，超过一般不超过 %(max)d 个的规定。"),
        )
    if org.is_temporary:
        yield _verdict(
            "ORG-04",
            ERROR,
            not fact.terms_recorded,
            {"n": fact.terms_recorded},
            ok=_("临时党支部未记录换届选举。（党费、发展党员记录尚未纳入平台，暂未检查。）"),
            bad=_(
                "临时党支部记录了 %(n)d 次换届选举，临时党支部一般不进行换届。"
                "（党费、发展党员记录尚未纳入平台，暂未检查。）"
            ),
        )
    size = policy["org.cells_suggested_from_members"]
    values = {"n": fact.members, "size": size, "loc": org.locations, "cells": fact.cells}
    if fact.cells:
        yield _result("ORG-05", INFO, True, _("已设立 %(cells)d 个党小组。"), values)
    elif org.locations > 1:
        yield _result(
            "ORG-05",
            INFO,
            False,
            _("党员分布在 %(loc)d 个办公地点，尚未划分党小组，建议按地点划分。"),
            values,
        )
    elif fact.members > size:
        yield _result(
            "ORG-05", INFO, False, _("党员 %(n)d 人，超过 %(size)d 人，尚未划分党小组，建议划分。"), values
        )
    else:
        yield _result(
            "ORG-05", INFO, True, _("党员 %(n)d 人、%(loc)d 个办公地点，暂不需要划分党小组。"), values
        )


def _committee_checks(fact, policy, today):
    required_from = policy["committee.required_from_full_members"]
    term = fact.term
    has_committee = term is not None and term.has_committee
    values = {"n": fact.full_members, "min": required_from}
    if fact.org.is_temporary and not has_committee:
        # A temporary branch's secretary is appointed by the organization that set it up; it
        # holds no elections, so it is never required to have an elected committee.
        yield _result(
            "COM-01",
            INFO,
            True,
            _("临时党支部由上级党组织指定负责人，不要求选举产生支部委员会。"),
            values,
        )
    elif fact.full_members >= required_from:
        yield _verdict(
            "COM-01",
            ERROR,
            has_committee,
            values,
            ok=_("正式党员 %(n)d 人，已达 %(min)d 人以上，已设立支部委员会。"),
            bad=_("正式党员 %(n)d 人，已达 %(min)d 人以上，但未设立支部委员会。"),
        )
    elif has_committee:
        yield _result(
            "COM-03",
            INFO,
            False,
            _("正式党员 %(n)d 人，不足 %(min)d 人，可不设支部委员会，但当前设有支部委员会。"),
            values,
        )
    if has_committee:
        yield _com_02(fact, policy)
    yield from _com_04_and_08(fact, policy, today)
    if term is None:
        return
    yield from _com_05(fact, policy)
    deputies = fact.holders(Role.DEPUTY_SECRETARY)
    yield _verdict(
        "COM-06",
        WARNING,
        len(deputies) <= 1,
        {"n": len(deputies)},
        ok=_("副书记不超过 1 名。"),
        bad=_("设有 %(n)d 名副书记，一般只设 1 名。"),
    )
    yield _com_07(fact, policy, today)


def _com_02(fact, policy):
    size = fact.committee_size
    low, normal, high = (
        policy["committee.min_size"],
        policy["committee.normal_max_size"],
        policy["committee.max_size"],
    )
    values = {"n": size, "low": low, "normal": normal, "high": high}
    if size < low:
        return _result("COM-02", ERROR, False, _("支部委员会现有委员 %(n)d 人，少于 %(low)d 人。"), values)
    if size > high:
        return _result(
            "COM-02", ERROR, False, _("支部委员会现有委员 %(n)d 人，超过最多 %(high)d 人的规定。"), values
        )
    if size > normal:
        return _result(
            "COM-02",
            WARNING,
            False,
            _("支部委员会现有委员 %(n)d 人，一般为 %(low)d 至 %(normal)d 人。"),
            values,
        )
    return _result(
        "COM-02", ERROR, True, _("支部委员会现有委员 %(n)d 人，符合 %(low)d 至 %(normal)d 人的要求。"), values
    )


def _vacancy_since(fact, role):
    """The day a vacant post became vacant in the current term."""
    ended = [post.ended_on for post in fact.posts if post.role == role and post.ended_on]
    return max(ended) if ended else fact.term.elected_on


def _com_04_and_08(fact, policy, today):
    term = fact.term
    if term is None:
        yield _result("COM-04", ERROR, False, _("没有在任届次记录，书记职务空缺。"))
        return
    roles = (Role.SECRETARY, *COMMITTEE_REQUIRED_ROLES) if term.has_committee else (Role.SECRETARY,)
    vacant = [role for role in roles if not fact.holders(role)]
    if Role.SECRETARY in vacant:
        others = [str(Role(role).label) for role in vacant if role != Role.SECRETARY]
        if others:
            posts = pgettext("list separator", "、").join(others)
            yield _result("COM-04", ERROR, False, _("书记职务空缺。另有%(posts)s空缺。"), {"posts": posts})
        else:
            yield _result("COM-04", ERROR, False, _("书记职务空缺。"))
    elif vacant:
        names = pgettext("list separator", "、").join(str(Role(role).label) for role in vacant)
        yield _result("COM-04", WARNING, False, _("%(posts)s职务空缺。"), {"posts": names})
    else:
        yield _result("COM-04", ERROR, True, _("书记及必设委员职务均有人担任。"))
    max_days = policy["committee.vacancy_max_days"]
    overdue = []
    for role in vacant:
        days = (today - _vacancy_since(fact, role)).days
        if days > max_days:
            overdue.append(
                gettext(_("%(post)s已空缺 %(days)d 天")) % {"post": Role(role).label, "days": days}
            )
    if overdue:
        yield _result(
            "COM-08",
            WARNING,
            False,
            _("%(list)s，超过 %(max)d 天未补选。"),
            {"list": pgettext("list separator", "；").join(overdue), "max": max_days},
        )
    elif vacant:
        yield _result(
            "COM-08", WARNING, True, _("空缺职务未超过 %(max)d 天，请及时补选。"), {"max": max_days}
        )


def _com_05(fact, policy):
    minimum = policy["committee.secretary_min_standing_years"]
    for post in fact.holders(Role.SECRETARY):
        years = post.member.party_standing_years(post.started_on)
        values = {"name": post.member.name, "years": years, "min": minimum}
        yield _verdict(
            "COM-05",
            WARNING,
            years >= minimum,
            values,
            ok=_("书记%(name)s任职时党龄 %(years)d 年，符合要求。"),
            bad=_("书记%(name)s任职时党龄 %(years)d 年，不足一般要求的 %(min)d 年。"),
        )


def _com_07(fact, policy, today):
    due_days = policy["committee.approval_due_days"]
    late = [
        post
        for post in fact.current_posts
        if post.role in Post.APPROVAL_ROLES
        and post.approved_on is None
        and (today - post.started_on).days > due_days
    ]
    if late:
        names = pgettext("list separator", "、").join(
            pgettext("post holder", "%(role)s%(name)s")
            % {"role": post.get_role_display(), "name": post.member.name}
            for post in late
        )
        return _result(
            "COM-07",
            WARNING,
            False,
            _("%(names)s任职超过 %(days)d 天，尚无上级批准记录。"),
            {"names": names, "days": due_days},
        )
    return _result(
        "COM-07", WARNING, True, _("书记、副书记均已批准，或任职未满 %(days)d 天。"), {"days": due_days}
    )
