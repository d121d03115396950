"""Policy keys of the training app (domain.md §9.2, §4.5); see branches.policy for the registry."""

from django.utils.translation import gettext_noop

from branches.policy import register

# §4.5: class hours a member needs per year.
register("training.member_min_hours", 32, min=0, max=500, help=gettext_noop("党员每年应完成的学时"))
# §4.5/§9.1: class hours secretaries and committee members need per year.
register(
    "training.committee_min_hours", 56, min=0, max=500, help=gettext_noop("支部书记和委员每年应完成的学时")
)
# §9.1: induction within 6 months, counted in days (day 183 on time, day 184 late).
register("training.induction_max_days", 183, min=1, max=730, help=gettext_noop("新任书记任职培训期限（天）"))
# New secretary not trained: reminder to the unit's staff after this many months …
register("training.new_secretary_reminder_months", 4, min=1, max=24)
# … and a supervision notice (督办) to unit and provincial staff after this many.
register("training.new_secretary_supervision_months", 6, min=1, max=24)
# §9.2 provincial tier: each secretary trained at provincial level at least once per N years
# (3 = one term). The window ends on the reference day (today, or 31 December of a past year)
# and starts on the same calendar day N years earlier, both included.
register(
    "training.provincial_cycle_years",
    3,
    min=1,
    max=10,
    help=gettext_noop("书记参加省级培训的周期（年），每名书记每周期至少一次"),
)
# Target share of every coverage metric.
register("training.coverage_target", 1.0, min=0.0, max=1.0)
