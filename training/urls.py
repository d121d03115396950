from django.urls import path

from . import views

app_name = "training"
urlpatterns = [
    path("", views.event_list, name="event-list"),
    path("events/new/", views.event_create, name="event-create"),
    path("events/<int:pk>/", views.event_detail, name="event-detail"),
    path("events/<int:pk>/edit/", views.event_edit, name="event-edit"),
    path("events/<int:pk>/picker/", views.member_picker, name="event-picker"),
    path("events/<int:pk>/enrol/", views.event_enrol, name="event-enrol"),
    path("events/<int:pk>/attendance/", views.event_attendance, name="event-attendance"),
    path("events/<int:pk>/import/", views.import_upload, name="import-upload"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
    path("imports/<int:pk>/errors/", views.import_errors, name="import-errors"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/<int:org_id>/", views.coverage_org, name="coverage-org"),
    path("mine/", views.mine, name="mine"),
    path("members/<int:pk>/", views.member_hours, name="member-hours"),
]
