from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    """Tiered training (分级培训): events, attendance, hours and coverage (domain.md §9, §4.5).

    A lower-layer app beside ``branches``: training is organized by committees for people across
    branches, so it is not something a branch records. It may import ``branches``; ``assessments``
    reads it through ``training.selectors``, never the other way round.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "training"
    verbose_name = _("分级培训")

    def ready(self):
        from . import panels, policy  # noqa: F401  (home-page panel, policy keys)
