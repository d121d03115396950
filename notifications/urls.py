from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/read-all/", views.notification_mark_all_read, name="read-all"),
    path("notifications/<int:pk>/open/", views.notification_open, name="open"),
    path("notifications/<int:pk>/ack/", views.notification_acknowledge, name="ack"),
]
