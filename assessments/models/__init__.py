"""Models of the assessments layer, one module per concept.

Each feature of this layer (standards and reviews, cross-observation, 述职评议, designations)
keeps its models in its own module here and re-exports them below, so ``assessments.models.X``
stays the one import path.
"""

from .designations import (
    CheckIn,
    Classification,
    ClassificationChange,
    Designation,
    DesignationEvidence,
    DesignationReminder,
    FollowUp,
    FollowUpReminder,
)
from .guidance import Experience, ExperienceAttachment, Faq, Question
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
    "CheckIn",
    "Classification",
    "ClassificationChange",
    "Designation",
    "DesignationEvidence",
    "DesignationReminder",
    "Experience",
    "ExperienceAttachment",
    "Faq",
    "FollowUp",
    "FollowUpReminder",
    "Question",
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
