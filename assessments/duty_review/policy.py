"""Policy keys of 述职评议 (domain.md §7.5 proposal; see branches.policy for the registry)."""

from branches.policy import register

# Points per grade in the composite: 100×好% + 80×较好% + 60×一般% + 0×差%.
register("duty_review.weight_good", 100, min=0, max=100, help="述职评议综合得分：“好”的分值")
register("duty_review.weight_fairly_good", 80, min=0, max=100, help="述职评议综合得分：“较好”的分值")
register("duty_review.weight_average", 60, min=0, max=100, help="述职评议综合得分：“一般”的分值")
register("duty_review.weight_poor", 0, min=0, max=100, help="述职评议综合得分：“差”的分值")
# Grade thresholds on the composite (≥ good, ≥ fairly good, ≥ average, else poor).
register("duty_review.threshold_good", 90, min=0, max=100, help="综合得分不低于此值评为“好”")
register("duty_review.threshold_fairly_good", 80, min=0, max=100, help="综合得分不低于此值评为“较好”")
register("duty_review.threshold_average", 60, min=0, max=100, help="综合得分不低于此值评为“一般”")
# Valid votes for a report, as a share of issued ballots, before its result counts.
register("duty_review.min_turnout_percent", 50, min=0, max=100, help="有效票数占发放票数的最低比例（%）")
# Reminder to secretaries who have not submitted: this many days before the deadline (and on it).
register("duty_review.remind_days_before", 7, min=1, max=60, help="述职报告截止前几天提醒")
# Deadline of the rectification item opened after an 一般/差 grade, in days from publication.
register("duty_review.rectification_days", 90, min=7, max=365, help="评为一般或差后的整改期限（天）")
