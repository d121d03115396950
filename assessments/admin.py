from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import Dimension, Edition, InterviewQuestion, Item, ObservationRound, Review, Tier


class DimensionInline(admin.TabularInline):
    model = Dimension
    extra = 0


class TierInline(admin.TabularInline):
    model = Tier
    extra = 0


@admin.register(Edition)
class EditionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "year", "status", "total_points"]
    inlines = [DimensionInline, TierInline]

    def has_change_permission(self, request, obj=None):
        # Published editions are frozen here as in the portal; clone them to change anything.
        return super().has_change_permission(request, obj) and (obj is None or obj.is_draft)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_draft)


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["code", "edition", "dimension", "points", "mode", "rule_key", "is_veto"]
    list_filter = ["edition", "mode"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.edition.is_draft)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.edition.is_draft)


@admin.register(Review)
class ReviewAdmin(SimpleHistoryAdmin):
    list_display = ["branch", "kind", "year", "period_kind", "period_no", "status"]
    list_filter = ["kind", "status", "year"]
    raw_id_fields = ["branch"]
    readonly_fields = ["final_total", "final_vetoed"]

    def save_model(self, request, obj, form, change):
        # Also for a version restored from the history: the stored result follows the status.
        obj._history_user = request.user
        services.review_admin_save(review=obj)


from .duty_review import admin as duty_review_admin  # noqa: E402, F401  (registers its models)


@admin.register(InterviewQuestion)
class InterviewQuestionAdmin(admin.ModelAdmin):
    """问: the question bank observers ask randomly picked members."""

    list_display = ["text", "order", "is_active"]
    list_editable = ["order", "is_active"]


@admin.register(ObservationRound)
class ObservationRoundAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "status", "window_start", "window_end"]
    list_filter = ["status", "year"]
