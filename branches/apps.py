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
        from .renewals import panels as renewal_panels  # noqa: F401
        from .reports import panels as report_panels  # noqa: F401
