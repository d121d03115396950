"""Admin-configurable policy numbers: a registry of keys with default, type and range.

Regulation numbers differ between provinces and years (domain.md §0.2), so none of them is a
constant in code: each app registers its keys (``register(key, default, type=…, min=…, max=…,
choices=…, help=…)``, the type inferred from the default when omitted) and admins may override
them with PolicySetting rows. Every write is validated (``validate``: unknown key, wrong type,
out of range are refused with a Chinese message); a stored value that no longer validates is
read as the default with a logged warning, never a 500.
"""

import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import request_cache
from .models import PolicySetting

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PolicyKey:
    key: str
    default: Any
    type: type
    min: float | None = None
    max: float | None = None
    choices: tuple | None = None
    help: str = ""


REGISTRY: dict[str, PolicyKey] = {}
DEFAULTS: dict[str, Any] = {}  # key -> default, kept in step with REGISTRY


def register(key, default, *, type=None, min=None, max=None, choices=None, help=""):  # noqa: A002
    """Register a policy key (once; registering the same key differently is an error)."""
    entry = PolicyKey(
        key, default, type or default.__class__, min, max, tuple(choices) if choices else None, help
    )
    if key in REGISTRY and REGISTRY[key] != entry:
        raise ValueError(f"policy key {key!r} registered twice")
    REGISTRY[key] = entry
    DEFAULTS[key] = default
    return entry


def validate(key, value):
    """The value to store for ``key``, or ValidationError with a Chinese message."""
    entry = REGISTRY.get(key)
    if entry is None:
        raise ValidationError(_("未知的政策参数：%(key)s。") % {"key": key})
    expected = entry.type
    ok = isinstance(value, expected) and not (expected is not bool and isinstance(value, bool))
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    if expected is list and ok:
        ok = all(isinstance(item, str) for item in value)
    if not ok:
        raise ValidationError(
            _("政策参数 %(key)s 的类型应为%(type)s。")
            % {"key": key, "type": TYPE_LABELS.get(expected, expected.__name__)}
        )
    if entry.min is not None and value < entry.min or entry.max is not None and value > entry.max:
        raise ValidationError(
            _("政策参数 %(key)s 应在 %(min)s 到 %(max)s 之间。")
            % {
                "key": key,
                "min": "-∞" if entry.min is None else entry.min,
                "max": "∞" if entry.max is None else entry.max,
            }
        )
    if entry.choices is not None and value not in entry.choices:
        raise ValidationError(
            _("政策参数 %(key)s 只能取：%(choices)s。")
            % {"key": key, "choices": "、".join(map(str, entry.choices))}
        )
    return value


TYPE_LABELS = {int: "整数", float: "数字", bool: "true/false", str: "文字", list: "文字列表"}


# ORG-02: soft upper limit of members in a branch (BWR Art. 4).
register("org.branch_max_members", 50, min=0)
# ORG-01: full members from which a unit must set up a branch.
register("org.branch_min_full_members", 3, min=0)
# ORG-03: units a joint branch should normally cover at most.
register("org.joint_branch_max_units", 5, min=0)
# ORG-05: size above which a branch without Party cells gets an info notice.
register("org.cells_suggested_from_members", 15, min=0)
# COM-01/03: full members from which a committee is required.
register("committee.required_from_full_members", 7, min=0)
# COM-02: committee size, normal range and hard maximum.
register("committee.min_size", 3, min=0)
register("committee.normal_max_size", 5, min=0)
register("committee.max_size", 7, min=0)
# COM-05: years of Party standing normally required of a secretary.
register("committee.secretary_min_standing_years", 1, min=0)
# COM-07: days after election without approval of secretary/deputy before warning.
register("committee.approval_due_days", 30, min=0)
# COM-08: days a post may stay vacant before warning.
register("committee.vacancy_max_days", 60, min=0)
# Default term length for new terms (TERM 2018).
register("term.default_length_years", 3, min=0)
# Renewal reminder ladder (domain.md §5.4 proposal), months relative to the expiry T:
# first reminder (acknowledged by the secretary), second if no request is on file,
# urgent if no approved request, supervision notice after T, violation of the 1-year cap.
register("renewal.first_reminder_months", 6, min=0)
register("renewal.second_reminder_months", 3, min=0)
register("renewal.urgent_reminder_months", 1, min=0)
register("renewal.supervision_after_months", 1, min=0)
register("renewal.violation_after_months", 12, min=0)
# Days the supervision notice (督办) gives for a rectification plan.
register("renewal.supervision_deadline_days", 30, min=0)
# TERM/ELEC Art. 3: postponement or advancement normally at most 1 year in total.
register("renewal.postponement_max_months", 12, min=0)
# Election arithmetic (§5.3): quorum "present*5 >= expected*4"; strict mode uses ">" (1990 wording).
register("renewal.election_quorum_strict", False)
# Winners need more than half of "expected" voters (2020) or of those "present" (older rules).
register("renewal.election_majority_basis", "expected", choices=("expected", "present"))
# Competitive election: committee candidates >= ceil(seats * (1 + margin)) (ELEC Art. 13).
register("renewal.election_candidate_margin_percent", 20, min=0)
# When false a too-small candidate margin is only a warning kept with the result.
register("renewal.election_margin_blocks", True)
# §10.2: the monthly report is due on this day of the following month.
register("report.due_day", 5, min=1, max=28)
# §10.2: reminder sent this many days before the due date (and once more when overdue).
register("report.remind_days_before", 2, min=0, max=27)
# Plausibility of the monthly report: most study hours per member in one month.
register("report.study_hours_max", 40, min=0, max=744)
# §10.2: working days (Mon–Fri, no holiday calendar) after a meeting to enter its record.
register("activity.entry_working_days", 3, min=0)
# LIFE-04: Party lectures required per quarter (0 switches the check off).
register("life.lectures_per_quarter", 1, min=0)
# §3.2 / §13.1 item 6: quorum and majority as strict "more than half" (False: half counts).
register("life.strict_majority", True)
# Item 3.6: target average attendance of full members across all activities.
register("life.attendance_target", 0.85, min=0, max=1)

# Rectification tracker (整改): first reminder this many days before the deadline.
register("rectification.remind_days_before", 7, min=0, max=90)


REQUEST_CACHE_KEY = "policy"


def policy_all():
    """All policy values (defaults overlaid with valid admin overrides): one query per request
    (``branches.request_cache``; outside a request one query per call)."""
    return dict(request_cache.memo(REQUEST_CACHE_KEY, _read_all))


def _read_all():
    values = dict(DEFAULTS)
    for key, value in PolicySetting.objects.values_list("key", "value"):
        values[key] = _stored(key, value)
    return values


def _stored(key, value):
    try:
        return validate(key, value)
    except ValidationError:
        logger.warning("policy %s: stored value %r is invalid; using the default", key, value)
        return DEFAULTS.get(key)


def policy_get(key):
    if key not in DEFAULTS:
        raise KeyError(f"Unknown policy key {key!r}; register it with branches.policy.register")
    if request_cache.active():
        return policy_all()[key]
    row = PolicySetting.objects.filter(key=key).values_list("value", flat=True).first()
    return DEFAULTS[key] if row is None else _stored(key, row)


@transaction.atomic
def policy_set(*, key, value, note=""):
    value = validate(key, value)
    PolicySetting.objects.update_or_create(key=key, defaults={"value": value, "note": note})
    request_cache.forget(REQUEST_CACHE_KEY)
