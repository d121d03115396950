from django.urls import path

from . import views

app_name = "designations"
urlpatterns = [
    path("", views.public_list, name="public"),
    path("manage/", views.manage_list, name="list"),
    path("nominate/", views.nominate, name="nominate"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/evidence/<int:doc_pk>/", views.evidence_download, name="evidence"),
    path("<int:pk>/<str:action>/", views.act, name="act"),
    path("classification/", views.overview, name="overview"),
    path("classification/run/", views.classify, name="classify"),
    path("classification/<int:pk>/override/", views.override, name="override"),
    path("classification/<int:pk>/follow-up/", views.follow_up_open, name="follow-up-open"),
    path("branch/<int:org_id>/", views.history, name="history"),
    path("follow-ups/", views.follow_up_list, name="follow-ups"),
    path("follow-ups/<int:pk>/", views.follow_up_detail, name="follow-up"),
]
