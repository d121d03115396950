from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BranchesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "branches"
    verbose_name = _("组织与党员")

    def ready(self):
        from . import text

        text.install()  # every form's text fields refuse control characters
        from . import panels  # noqa: F401  (registers home-page panels)
        from .rectifications import notices as rectification_notices  # noqa: F401
        from .renewals import notices as renewal_notices  # noqa: F401  (registers notice types)
        from .renewals import panels as renewal_panels  # noqa: F401
        from .reports import notices as report_notices  # noqa: F401
        from .reports import panels as report_panels  # noqa: F401
