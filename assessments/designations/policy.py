"""Policy keys of designations, classification and follow-up (admin-editable)."""

from branches.policy import register

CRITERIA_DEFAULT = ["latest_tier_model", "no_veto", "renewal_not_overdue", "duty_review_grade"]

# Demonstration/pilot designations: which criteria are checked, how long an approval is valid.
register("designation.criteria", CRITERIA_DEFAULT, help="示范认定条件（已登记的条件标识）")
register("designation.required_tier", "model", help="最近一次定稿评审须达到的等次标识")
register("designation.duty_grades", ["good", "fairly_good"], help="述职评议须达到的等次")
register("designation.missing_data_blocks", False, help="条件暂无数据时是否不予认定")
register("designation.valid_years", 3, min=1, max=10)
register("designation.expiry_notice_days", 60, min=0, max=365)
# Classification thresholds on the combined score (domain.md §6.5: 达标 → 先进, 基本达标 → 中间).
register("classification.advanced_min", 75.0, min=0, max=100)
register("classification.middle_min", 60.0, min=0, max=100)
register("classification.observation_weight", 30, min=0, max=100, help="交叉观摩得分权重（%）")
register("classification.poor_duty_grade_lagging", False, help="述职评议“差”直接列为后进")
# Follow-up of lagging branches: re-assessment within this many months.
register("follow_up.reassess_months", 6, min=3, max=6)
register("follow_up.remind_days_before", 14, min=0, max=90)
