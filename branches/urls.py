from django.urls import path

from . import views

app_name = "branches"
urlpatterns = [
    path("", views.home, name="home"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/read-all/", views.notification_mark_all_read, name="notification-read-all"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
    path("notifications/<int:pk>/ack/", views.notification_acknowledge, name="notification-ack"),
]
