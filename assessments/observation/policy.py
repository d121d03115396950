"""Policy keys of cross-observation (domain.md §8.3/§8.4; see branches.policy for the registry)."""

from branches.policy import register

# Group sizes (units per group) for the proposal and every edit.
register("observation.group_min_units", 5, min=2, max=20)
register("observation.group_max_units", 8, min=2, max=30)
# Branches drawn at random per host unit (mandatory branches come on top).
register("observation.branches_per_unit", 2, min=1, max=20)
# Drop the highest and lowest observer score of an item from this many observers on.
register("observation.trim_from_observers", 5, min=3, max=100)
# Observation total at or above → advanced (先进); below the cut-off → lagging (后进).
# Defaults follow §6.5: meets standard (75) or better is advanced, fails (< 60) is lagging.
register("observation.advanced_min_score", 75, min=0, max=100)
register("observation.lagging_below_score", 60, min=0, max=100)
# Annual standardization score weights in percent: year-round data, observation, committee (§8.4).
register("observation.weight_year_round", 60, min=0, max=100)
register("observation.weight_observation", 30, min=0, max=100)
register("observation.weight_committee", 10, min=0, max=100)
# Re-inspection of lagging branches: scheduled this many months after publication, due by the second.
register("observation.reinspection_months", 3, min=1, max=12)
register("observation.reinspection_max_months", 6, min=1, max=12)
# Visit reminders to the team, days before the visit (each sent once).
register("observation.remind_days_first", 7, min=0, max=60)
register("observation.remind_days_second", 1, min=0, max=60)
# 问: ordinary members interviewed per visit; 查: months sampled for checks against paper.
register("observation.interviewees", 3, min=1, max=10)
register("observation.sample_months", 3, min=1, max=12)
