from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.index, name="index"),
    path("org/<int:org_id>/", views.org_dashboard, name="org"),
    path("org/<int:org_id>/export.xlsx", views.org_export, name="org-export"),
    path("org/<int:org_id>/annual/<int:year>.docx", views.annual_report, name="annual"),
    path("branch/<int:branch_id>/report/", views.branch_report, name="branch-report"),
    path("branch/<int:branch_id>/report.pdf", views.branch_report_pdf, name="branch-report-pdf"),
    path("targets/", views.targets, name="targets"),
    path("targets/<int:year>/<slug:key>/", views.target_edit, name="target-edit"),
]
