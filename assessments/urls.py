from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("editions/", views.edition_list, name="edition-list"),
    path("editions/<int:pk>/", views.edition_detail, name="edition-detail"),
    path("editions/<int:pk>/edit/", views.edition_edit, name="edition-edit"),
    path("editions/<int:pk>/diff/", views.edition_diff, name="edition-diff"),
    path("editions/<int:pk>/<str:action>/", views.edition_action, name="edition-action"),
    path("editions/<int:pk>/<str:part>/add/", views.edition_part, name="edition-part-add"),
    path("editions/<int:pk>/<str:part>/<int:part_pk>/", views.edition_part, name="edition-part"),
    path("worklist/", views.worklist, name="worklist"),
    path("rankings/", views.rankings, name="rankings"),
    path("reviews/start/", views.review_start, name="review-start"),
    path("reviews/<int:pk>/", views.review_detail, name="review-detail"),
    path("reviews/<int:pk>/history/", views.review_history, name="review-history"),
    path("reviews/<int:pk>/print/", views.review_print, name="review-print"),
    path("reviews/<int:pk>/export/", views.review_export, name="review-export"),
    path("reviews/<int:pk>/evidence/", views.evidence_upload, name="evidence-upload"),
    path("reviews/<int:pk>/<str:action>/", views.review_action, name="review-action"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence-download"),
    path("mine/", views.my_reviews, name="mine"),
]
