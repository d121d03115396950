"""Admin-configurable policy numbers with their defaults.

Regulation numbers differ between provinces and years (domain.md §0.2), so none of them is a
constant in code: each has a default here and may be overridden by a PolicySetting row.
Register new keys in DEFAULTS with a comment naming the rule they serve.
"""

from django.db import transaction

from .models import PolicySetting

DEFAULTS = {
    # ORG-02: soft upper limit of members in a branch (BWR Art. 4).
    "org.branch_max_members": 50,
    # ORG-01: full members from which a unit must set up a branch.
    "org.branch_min_full_members": 3,
    # ORG-03: units a joint branch should normally cover at most.
    "org.joint_branch_max_units": 5,
    # ORG-05: size above which a branch without Party cells gets an info notice.
    "org.cells_suggested_from_members": 15,
    # COM-01/03: full members from which a committee is required.
    "committee.required_from_full_members": 7,
    # COM-02: committee size, normal range and hard maximum.
    "committee.min_size": 3,
    "committee.normal_max_size": 5,
    "committee.max_size": 7,
    # COM-05: years of Party standing normally required of a secretary.
    "committee.secretary_min_standing_years": 1,
    # COM-07: days after election without approval of secretary/deputy before warning.
    "committee.approval_due_days": 30,
    # COM-08: days a post may stay vacant before warning.
    "committee.vacancy_max_days": 60,
    # Default term length for new terms (TERM 2018).
    "term.default_length_years": 3,
    # Renewal reminder ladder (domain.md §5.4 proposal), months relative to the expiry T:
    # first reminder (acknowledged by the secretary), second if no request is on file,
    # urgent if no approved request, supervision notice after T, violation of the 1-year cap.
    "renewal.first_reminder_months": 6,
    "renewal.second_reminder_months": 3,
    "renewal.urgent_reminder_months": 1,
    "renewal.supervision_after_months": 1,
    "renewal.violation_after_months": 12,
    # Days the supervision notice (督办) gives for a rectification plan.
    "renewal.supervision_deadline_days": 30,
    # TERM/ELEC Art. 3: postponement or advancement normally at most 1 year in total.
    "renewal.postponement_max_months": 12,
    # Election arithmetic (§5.3): quorum "present*5 >= expected*4"; strict mode uses ">" (1990 wording).
    "renewal.election_quorum_strict": False,
    # Winners need more than half of "expected" voters (2020) or of those "present" (older rules).
    "renewal.election_majority_basis": "expected",
    # Competitive election: committee candidates >= ceil(seats * (1 + margin)) (ELEC Art. 13).
    "renewal.election_candidate_margin_percent": 20,
    # When false a too-small candidate margin is only a warning kept with the result.
    "renewal.election_margin_blocks": True,
    # Standards (domain.md §6.5): veto when a term expired more than this many months ago.
    "assessment.veto_term_overdue_months": 12,
    # Evidence uploads on review items: allowed file types and size limit.
    "assessment.evidence_extensions": ["pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx"],
    "assessment.evidence_max_mb": 10,
    # §10.2: the monthly report is due on this day of the following month.
    "report.due_day": 5,
    # §10.2: reminder sent this many days before the due date (and once more when overdue).
    "report.remind_days_before": 2,
    # §10.2: working days (Mon–Fri, no holiday calendar) after a meeting to enter its record.
    "activity.entry_working_days": 3,
    # LIFE-04: Party lectures required per quarter (0 switches the check off).
    "life.lectures_per_quarter": 1,
    # §3.2 / §13.1 item 6: quorum and majority as strict "more than half" (False: half counts).
    "life.strict_majority": True,
    # Item 3.6: target average attendance of full members across all activities.
    "life.attendance_target": 0.85,
    # Cross-observation (domain.md §8.3/§8.4): group sizes, sampling, trimming, labels, weights.
    "observation.group_min_units": 5,
    "observation.group_max_units": 8,
    "observation.branches_per_unit": 2,
    # Drop the highest and lowest observer score of an item from this many observers on.
    "observation.trim_from_observers": 5,
    # Observation total at or above → advanced (先进); below the lagging cut-off → lagging (后进).
    # Defaults follow §6.5: meets standard (75) or better is advanced, fails (< 60) is lagging.
    "observation.advanced_min_score": 75,
    "observation.lagging_below_score": 60,
    # Annual standardization score weights in percent: year-round data, observation, committee.
    "observation.weight_year_round": 60,
    "observation.weight_observation": 30,
    "observation.weight_committee": 10,
    # Re-inspection of lagging branches: scheduled this many months after publication, at most
    # the second number.
    "observation.reinspection_months": 3,
    "observation.reinspection_max_months": 6,
    # Visit reminders to the team, days before the visit (each sent once).
    "observation.remind_days": [7, 1],
    # 问: ordinary members interviewed per visit; 查: months sampled for paper checks.
    "observation.interviewees": 3,
    "observation.sample_months": 3,
}


def policy_all():
    """All policy values (defaults overlaid with admin overrides) in one query."""
    values = dict(DEFAULTS)
    values.update(PolicySetting.objects.values_list("key", "value"))
    return values


def policy_get(key):
    if key not in DEFAULTS:
        raise KeyError(f"Unknown policy key {key!r}; register it in branches.policy.DEFAULTS")
    row = PolicySetting.objects.filter(key=key).values_list("value", flat=True).first()
    return DEFAULTS[key] if row is None else row


@transaction.atomic
def policy_set(*, key, value, note=""):
    if key not in DEFAULTS:
        raise KeyError(f"Unknown policy key {key!r}")
    PolicySetting.objects.update_or_create(key=key, defaults={"value": value, "note": note})
