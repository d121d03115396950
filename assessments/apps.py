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

        # 述职评议: grant source for raters, notice types, panels, policy keys, tasks.
        from .duty_review import access, notices, panels, policy, tasks  # noqa: F401, F811

        # The designation criteria and the classification read 述职评议 grades and observation
        # results through registered sources (designations never imports its siblings).
        from .duty_review.selectors import grades_in_year
        from .guidance import notices as guidance_notices  # noqa: F401
        from .guidance import policy as guidance_policy  # noqa: F401
        from .observation import access as observation_access  # noqa: F401  (registers the grant source)
        from .observation import notices as observation_notices  # noqa: F401
        from .observation import panels as observation_panels  # noqa: F401
        from .observation import policy as observation_policy  # noqa: F401
        from .observation import tasks as observation_tasks  # noqa: F401
        from .observation.selectors import observed_totals_in_year

        criteria.register_duty_grade_source(grades_in_year)
        criteria.register_observation_source(observed_totals_in_year)
