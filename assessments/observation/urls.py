from django.urls import path

from . import views

app_name = "observation"
urlpatterns = [
    path("", views.index, name="index"),
    path("rounds/new/", views.round_create, name="round-create"),
    path("rounds/<int:pk>/", views.round_detail, name="round-detail"),
    path("rounds/<int:pk>/move/", views.group_move, name="group-move"),
    path("rounds/<int:pk>/people/", views.round_people, name="round-people"),
    path("rounds/<int:pk>/declare/", views.declare, name="declare"),
    path("rounds/<int:pk>/results/", views.results, name="results"),
    path("rounds/<int:pk>/results.xlsx", views.results_export, name="results-export"),
    path("rounds/<int:pk>/groups/<int:group_pk>/", views.group_schedule, name="group-schedule"),
    path("rounds/<int:pk>/do/<str:action>/", views.round_action, name="round-action"),
    path("rectifications/", views.rectification_list, name="rectifications"),
    path("rectifications.xlsx", views.rectification_export, name="rectifications-export"),
    path("visits/<int:pk>/", views.visit_detail, name="visit-detail"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit-edit"),
    path("visits/<int:pk>/team/", views.team_edit, name="team-edit"),
    path("visits/<int:pk>/autosave/", views.autosave, name="autosave"),
    path("visits/<int:pk>/upload/", views.visit_upload, name="visit-upload"),
    path("visits/<int:pk>/problem/", views.visit_problem, name="visit-problem"),
    path("visits/<int:pk>/submit/", views.visit_submit, name="visit-submit"),
    path("visits/<int:pk>/close/", views.reinspection_close, name="reinspection-close"),
    path("visits/<int:pk>/print/", views.visit_print, name="visit-print"),
    path("visits/<int:pk>/visit.ics", views.visit_ical, name="visit-ical"),
    path("visits/<int:pk>/<str:step>/", views.visit_step, name="visit-step"),
]
