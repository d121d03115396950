from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.import_index, name="index"),
    path("template/", views.import_template, name="template"),
    path("upload/", views.import_upload, name="upload"),
    path("<int:pk>/", views.import_job, name="job"),
    path("<int:pk>/progress/", views.import_job_progress, name="job-progress"),
    path("<int:pk>/confirm/", views.import_job_confirm, name="job-confirm"),
    path("<int:pk>/cancel/", views.import_job_cancel, name="job-cancel"),
    path("<int:pk>/errors/", views.import_job_errors, name="job-errors"),
]
