from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """Top layer (may import every app): quality trends and cross-feature reports combine
    branches, reports, renewals, rectifications and assessments, so no lower app may hold
    them without importing upward. Nothing imports this app."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboards"
    verbose_name = _("统计看板")

    def ready(self):
        from . import policy  # noqa: F401
