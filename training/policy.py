"""Training policy keys (domain.md §9.2, §4.5), registered into ``branches.policy``.

When the per-app policy registration of the shared structure lands, these move onto it unchanged.
"""

from branches import policy as branch_policy

DEFAULTS = {
    # §4.5: class hours a member needs per year.
    "training.member_min_hours": 32,
    # §4.5/§9.1: class hours secretaries and committee members need per year.
    "training.committee_min_hours": 56,
    # §9.1: a new secretary's induction training within 6 months, counted in days (day 183 is
    # still on time, day 184 is late).
    "training.induction_max_days": 183,
    # New secretary not trained: reminder to the unit's staff after this many months …
    "training.new_secretary_reminder_months": 4,
    # … and a supervision notice (督办) after this many.
    "training.new_secretary_supervision_months": 6,
    # Target of every coverage metric (share 0..1); below it the figure is shown as a gap.
    "training.coverage_target": 1.0,
}

for _key, _value in DEFAULTS.items():
    branch_policy.DEFAULTS.setdefault(_key, _value)
