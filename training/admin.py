from django.contrib import admin

from .models import Attendance, TopicTag, TrainingEvent


@admin.register(TopicTag)
class TopicTagAdmin(admin.ModelAdmin):
    list_display = ("name", "is_standard", "is_active", "position")
    list_editable = ("is_standard", "is_active", "position")


@admin.register(TrainingEvent)
class TrainingEventAdmin(admin.ModelAdmin):
    list_display = ("title", "tier", "organizer", "start_on", "end_on", "hours", "mode")
    list_filter = ("tier", "mode")
    search_fields = ("title",)
    raw_id_fields = ("organizer", "created_by")


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ("event", "member", "status", "hours_credited", "passed", "source")
    raw_id_fields = ("event", "member")
