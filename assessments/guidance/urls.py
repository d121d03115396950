from django.urls import path

from . import views

app_name = "guidance"
urlpatterns = [
    path("", views.faq_list, name="faq"),
    path("faq/<int:pk>/", views.faq_detail, name="faq-detail"),
    path("questions/", views.question_list, name="questions"),
    path("questions/ask/", views.ask, name="ask"),
    path("questions/unanswered/", views.unanswered, name="unanswered"),
    path("questions/<int:pk>/", views.question_detail, name="question"),
    path("experiences/", views.experience_list, name="experiences"),
    path("experiences/new/", views.experience_new, name="experience-new"),
    path("experiences/<int:pk>/", views.experience_detail, name="experience"),
    path(
        "experiences/<int:pk>/attachments/<int:attachment_pk>/",
        views.experience_attachment,
        name="experience-attachment",
    ),
]
