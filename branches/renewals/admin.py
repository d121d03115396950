"""Admin pages for renewal records (admins only; staff and secretaries use the portal pages)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from branches.models import CalendarToken, ElectionResult, Postponement, Renewal, RenewalStep, TermReminder


class RenewalStepInline(admin.TabularInline):
    model = RenewalStep
    extra = 0
    raw_id_fields = ["recorded_by"]


@admin.register(Renewal)
class RenewalAdmin(SimpleHistoryAdmin):
    history_list_display = ["version"]  # the version each change produced
    list_display = ["term", "status", "completed_on"]
    list_filter = ["status"]
    search_fields = ["term__branch__name"]
    raw_id_fields = ["term", "new_term"]
    inlines = [RenewalStepInline]


@admin.register(Postponement)
class PostponementAdmin(SimpleHistoryAdmin):
    list_display = ["term", "kind", "until", "status", "decided_on"]
    list_filter = ["kind", "status"]
    search_fields = ["term__branch__name"]
    raw_id_fields = ["term", "requested_by", "decided_by"]


@admin.register(ElectionResult)
class ElectionResultAdmin(SimpleHistoryAdmin):
    list_display = ["renewal", "held_on", "expected_voters", "present_voters", "seats"]
    raw_id_fields = ["renewal"]


@admin.register(TermReminder)
class TermReminderAdmin(admin.ModelAdmin):
    list_display = ["term", "stage", "due_on", "status", "sent_at", "deadline"]
    list_filter = ["stage", "status"]
    search_fields = ["term__branch__name"]
    raw_id_fields = ["term"]


@admin.register(CalendarToken)
class CalendarTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    raw_id_fields = ["user"]
    exclude = ["token"]  # the secret stays out of admin screens
