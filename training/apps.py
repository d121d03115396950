from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    """Lower layer (may import branches and notifications): tiered training (分级培训) — events,
    attendance, credited hours, coverage and new-secretary reminders (domain.md §9, §4.5).
    ``assessments`` reads it through ``training.selectors`` (rules_training.py)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "training"
    verbose_name = _("培训")

    def ready(self):
        from . import imports, notices, panels, policy  # noqa: F401  (import spec, notice types, panels, policy)
