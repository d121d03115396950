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
    # Standards (domain.md §6.5): veto when a term expired more than this many months ago.
    "assessment.veto_term_overdue_months": 12,
    # Evidence uploads on review items: allowed file types and size limit.
    "assessment.evidence_extensions": ["pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx"],
    "assessment.evidence_max_mb": 10,
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
