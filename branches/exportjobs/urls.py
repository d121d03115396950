from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("<int:pk>/", views.export_job, name="job"),
    path("<int:pk>/progress/", views.export_job_progress, name="job-progress"),
    path("<int:pk>/download/", views.export_job_download, name="job-download"),
]
