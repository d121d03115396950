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

        # Demonstration and classified guidance: policy keys, notice types, criteria registry.
        from .designations import criteria  # noqa: F401
        from .designations import notices as designation_notices  # noqa: F401
        from .designations import panels as designation_panels  # noqa: F401
        from .designations import policy as designation_policy  # noqa: F401
        from .guidance import notices as guidance_notices  # noqa: F401
        from .guidance import policy as guidance_policy  # noqa: F401
