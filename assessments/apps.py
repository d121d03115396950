from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = _("标准与评分")

    def ready(self):
        # Real rules first; placeholders ("no data yet") last so they never shadow a real rule.
        from . import (  # noqa: F401
            notices,
            panels,
            policy,
            rules_foundation,
            rules_life,
            rules_pending,
        )
        from .observation import access as observation_access  # noqa: F401  (registers the grant source)
        from .observation import notices as observation_notices  # noqa: F401
        from .observation import panels as observation_panels  # noqa: F401
        from .observation import policy as observation_policy  # noqa: F401
        from .observation import tasks as observation_tasks  # noqa: F401
