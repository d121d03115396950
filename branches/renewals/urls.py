from django.urls import path

from . import views

app_name = "renewals"
urlpatterns = [
    path("branch/<int:org_id>/request/return/", views.request_return, name="request-return"),
    path("supervision/", views.supervision_list, name="supervision"),
    path("calendar/", views.renewal_calendar, name="calendar"),
    path("calendar/subscribe/", views.calendar_subscribe, name="calendar-subscribe"),
    path("ical/<str:token>.ics", views.calendar_feed, name="feed"),
    path("postponements/", views.postponement_list, name="postponement-list"),
    path("postponements/<int:pk>/decide/", views.postponement_decide, name="postponement-decide"),
    path("branch/<int:org_id>/", views.branch_timeline, name="branch-timeline"),
    path("branch/<int:org_id>/step/<str:step>/", views.step_record, name="step-record"),
    path("branch/<int:org_id>/election/", views.election_record, name="election"),
    path("branch/<int:org_id>/results/", views.results_report, name="results"),
    path("branch/<int:org_id>/approve-secretary/", views.renewal_complete, name="complete"),
    path("branch/<int:org_id>/postponement/", views.postponement_request, name="postponement-request"),
    path("documents/<int:pk>/", views.step_document, name="step-document"),
]
