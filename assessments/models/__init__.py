"""Models of the assessments layer, one module per concept.

Each feature of this layer (standards and reviews, cross-observation, 述职评议, designations)
keeps its models in its own module here and re-exports them below, so ``assessments.models.X``
stays the one import path.
"""

from .observation import (
    InterviewAnswer,
    InterviewQuestion,
    LookCheck,
    ObservationGroup,
    ObservationRound,
    ObserverDeclaration,
    ObserverScore,
    RecordCheck,
    Rectification,
    RoundUnit,
    SampledBranch,
    Visit,
    VisitItem,
    VisitMember,
    VisitPhoto,
    VisitReminder,
)
from .standards import (
    POINTS,
    Dimension,
    Edition,
    Evidence,
    Item,
    ItemScore,
    Review,
    ScoreChange,
    Tier,
    evidence_path,
    half_step,
    period_label,
)

__all__ = [
    "InterviewAnswer",
    "InterviewQuestion",
    "LookCheck",
    "ObservationGroup",
    "ObservationRound",
    "ObserverDeclaration",
    "ObserverScore",
    "RecordCheck",
    "Rectification",
    "RoundUnit",
    "SampledBranch",
    "Visit",
    "VisitItem",
    "VisitMember",
    "VisitPhoto",
    "VisitReminder",
    "POINTS",
    "Dimension",
    "Edition",
    "Evidence",
    "Item",
    "ItemScore",
    "Review",
    "ScoreChange",
    "Tier",
    "evidence_path",
    "half_step",
    "period_label",
]
