from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import SnapshotChange, Target


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "year", "kind", "value", "note", "updated_at"]
    list_filter = ["year", "kind"]

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        obj._history_user = request.user
        super().save_model(request, obj, form, change)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "indicator":
            from django import forms

            from . import registry

            return forms.ChoiceField(
                label=db_field.verbose_name,
                choices=[(i.key, f"{i.label} ({i.key})") for i in registry.all_indicators()],
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(SnapshotChange)
class SnapshotChangeAdmin(admin.ModelAdmin):
    list_display = [
        "indicator",
        "year",
        "period_kind",
        "period_no",
        "organization",
        "old_value",
        "new_value",
        "reason",
        "changed_at",
    ]
    list_filter = ["indicator", "year"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
