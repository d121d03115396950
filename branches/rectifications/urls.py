from django.urls import path

from . import views

app_name = "rectifications"
urlpatterns = [
    path("", views.staff_list, name="list"),
    path("branch/<int:org_id>/", views.branch_list, name="branch"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<str:action>/", views.act, name="act"),
]
