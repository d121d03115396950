from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = _("标准与评分")

    def ready(self):
        # Import order does not matter: a real rule replaces a "no data yet" placeholder of its key.
        from . import (  # noqa: F401
            notices,
            panels,
            policy,
            rules_foundation,
            rules_life,
            rules_pending,
            rules_training,
        )

        # 述职评议: grant source for raters, notice types, panels, policy keys, tasks.
        from .duty_review import access, notices, panels, policy, tasks  # noqa: F401, F811
        from .observation import access as observation_access  # noqa: F401  (registers the grant source)
        from .observation import notices as observation_notices  # noqa: F401
        from .observation import panels as observation_panels  # noqa: F401
        from .observation import policy as observation_policy  # noqa: F401
        from .observation import tasks as observation_tasks  # noqa: F401
