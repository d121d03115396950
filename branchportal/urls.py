from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import accounts, health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    *accounts.urlpatterns,
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("reports/", include("branches.reports.urls")),
    path("", include("notifications.urls")),
    path("", include("branches.urls")),
    path("assessments/", include("assessments.urls")),
    path("designations/", include("assessments.designations.urls")),
    path("guidance/", include("assessments.guidance.urls")),
    path("renewals/", include("branches.renewals.urls")),
    path("duty-review/", include("assessments.duty_review.urls")),
    path("training/", include("training.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("observation/", include("assessments.observation.urls")),
    path("rectifications/", include("branches.rectifications.urls")),
    path("imports/", include("branches.imports.urls")),
    path("exports/", include("branches.exportjobs.urls")),
]
