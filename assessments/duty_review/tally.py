"""Composite points and grade of a report from its vote counts (pure; domain.md §7.5).

composite = Σ weight(grade) × share(grade), i.e. 100×好% + 80×较好% + 60×一般% + 0×差% with the
default weights, rounded half-up to one decimal; the grade is read from the rounded value so
the figure shown and the grade never disagree.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from assessments.models import Grade

ORDER = (Grade.GOOD, Grade.FAIRLY_GOOD, Grade.AVERAGE, Grade.POOR)


@dataclass(frozen=True)
class TallyPolicy:
    weights: dict
    thresholds: dict  # minimum composite for good / fairly_good / average
    min_turnout_percent: int

    @classmethod
    def from_policy(cls, values):
        return cls(
            weights={g.value: values[f"duty_review.weight_{g.value}"] for g in ORDER},
            thresholds={g.value: values[f"duty_review.threshold_{g.value}"] for g in ORDER[:3]},
            min_turnout_percent=values["duty_review.min_turnout_percent"],
        )

    def as_dict(self):
        return {
            "weights": self.weights,
            "thresholds": self.thresholds,
            "min_turnout_percent": self.min_turnout_percent,
        }

    @classmethod
    def from_dict(cls, data):
        return cls(data["weights"], data["thresholds"], data["min_turnout_percent"])


@dataclass(frozen=True)
class Result:
    counts: dict
    votes: int
    composite: Decimal | None
    turnout_met: bool
    grade: str  # "" when no result counts (no votes or turnout below the minimum)


def composite_points(counts, weights):
    votes = sum(counts.get(g.value, 0) for g in ORDER)
    if not votes:
        return None
    points = sum(Decimal(weights[g.value]) * counts.get(g.value, 0) for g in ORDER) / votes
    return points.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def grade_for(points, thresholds):
    for grade in ORDER[:3]:
        if points >= Decimal(thresholds[grade.value]):
            return grade.value
    return Grade.POOR.value


def result_for(counts, *, ballots_issued, policy):
    votes = sum(counts.get(g.value, 0) for g in ORDER)
    composite = composite_points(counts, policy.weights)
    # Integer arithmetic: votes / issued >= min% without float rounding at the boundary.
    turnout_met = ballots_issued > 0 and votes * 100 >= policy.min_turnout_percent * ballots_issued
    grade = grade_for(composite, policy.thresholds) if composite is not None and turnout_met else ""
    return Result(counts=dict(counts), votes=votes, composite=composite, turnout_met=turnout_met, grade=grade)
