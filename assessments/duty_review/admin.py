"""Read-mostly admin for 述职评议. Ballots and votes are deliberately not registered: the
portal's pages are the only way to see turnout and tallies, never individual ballots."""

from django.contrib import admin

from assessments.models import DutyCycle, DutyRater, DutyReport


@admin.register(DutyCycle)
class DutyCycleAdmin(admin.ModelAdmin):
    list_display = ["year", "organization", "level", "status", "due_on", "meeting_on"]
    list_filter = ["year", "level", "status"]
    readonly_fields = ["status", "tally_policy", "published_at", "opened_by", "version"]
    raw_id_fields = ["organization"]


@admin.register(DutyReport)
class DutyReportAdmin(admin.ModelAdmin):
    list_display = [
        "organization",
        "cycle",
        "secretary_name",
        "status",
        "composite",
        "computed_grade",
        "override_grade",
    ]
    list_filter = ["cycle__year", "status", "computed_grade"]
    search_fields = ["organization__name", "secretary_name"]
    raw_id_fields = ["organization", "secretary", "cycle"]
    readonly_fields = ["vote_count", "composite", "computed_grade", "facts", "version"]


@admin.register(DutyRater)
class DutyRaterAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "cycle", "user"]
    list_filter = ["category", "cycle__year"]
    raw_id_fields = ["cycle", "user"]
