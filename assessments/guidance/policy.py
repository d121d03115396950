"""Policy keys of guidance (questions and answers)."""

from branches.policy import register

# Unanswered questions older than this many days are listed for staff.
register("guidance.unanswered_days", 7, min=1, max=90)
