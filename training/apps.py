from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    """Lower layer (may import branches and notifications). Empty until the training feature:
    courses, attendance and credit hours per member belong to no existing app, and
    ``assessments`` will read them through selectors here instead of the "no data yet" rule."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "training"
    verbose_name = _("培训")
