from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("branch/<int:org_id>/", views.branch_overview, name="branch"),
    path("branch/<int:org_id>/activities/new/", views.activity_create, name="activity-create"),
    path("branch/<int:org_id>/<int:year>-<int:month>/", views.report_detail, name="report"),
    path("activities/<int:pk>/", views.activity_detail, name="activity-detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity-edit"),
    path("activities/<int:pk>/delete/", views.activity_delete, name="activity-delete"),
    path("activities/<int:pk>/attachments/", views.attachment_upload, name="attachment-upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment-delete"),
    path("review/<int:pk>/", views.report_review, name="report-review"),
    path("review/", views.review_queue, name="queue"),
    path("rates/", views.reporting_rates, name="rates"),
    path("compliance/", views.compliance_overview, name="compliance"),
    path("export/", views.export_month, name="export"),
]
