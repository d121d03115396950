from django.urls import path

from . import views

app_name = "duty_review"
urlpatterns = [
    path("", views.index, name="index"),
    path("overview/", views.overview, name="overview"),
    path("cycles/new/", views.cycle_new, name="cycle-new"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle-detail"),
    path("cycles/<int:pk>/ranking/", views.cycle_ranking, name="cycle-ranking"),
    path("cycles/<int:pk>/export/", views.cycle_export, name="cycle-export"),
    path("cycles/<int:pk>/raters/", views.raters, name="raters"),
    path("cycles/<int:pk>/ballots/", views.ballots_issue, name="ballots-issue"),
    path("cycles/<int:pk>/sheet/", views.ballot_sheet, name="ballot-sheet"),
    path("cycles/<int:pk>/<str:action>/", views.cycle_action, name="cycle-action"),
    path("raters/<int:pk>/remove/", views.rater_remove, name="rater-remove"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("reports/<int:pk>/print/", views.report_print, name="report-print"),
    path("reports/<int:pk>/<str:action>/", views.report_action, name="report-action"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment-delete"),
    path("vote/", views.vote_entry, name="vote-entry"),
    path("vote/<str:code>/", views.ballot, name="ballot"),
]
