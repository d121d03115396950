from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import permissions, policy
from .models import (
    JobHeartbeat,
    Member,
    Organization,
    PolicySetting,
    Post,
    RoleAssignment,
    Term,
    UnitCategory,
    User,
)


def _admins_only(request):
    return request.user.is_active and permissions.is_admin(request.user)


# Django admin is for the admin role only; staff and secretaries use the portal pages.
admin.site.has_permission = _admins_only
admin.site.site_header = _("党支部标准化规范化建设平台 · 系统管理")


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    raw_id_fields = ["organization"]
    extra = 0


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + ((_("门户"), {"fields": ["display_name"]}),)
    inlines = [RoleAssignmentInline]
    list_display = ["username", "display_name", "email", "is_active", "is_superuser"]


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "unit", "category", "is_active"]
    list_filter = ["kind", "category", "is_joint", "is_temporary"]
    search_fields = ["name", "unit_name"]
    readonly_fields = ["path", "depth"]
    raw_id_fields = ["parent", "unit"]


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin):
    list_display = ["name", "branch", "status", "state"]
    list_filter = ["status", "state", "is_leading_cadre"]
    search_fields = ["name"]
    raw_id_fields = ["branch", "cell", "user"]


@admin.register(Term)
class TermAdmin(SimpleHistoryAdmin):
    list_display = ["branch", "elected_on", "ends_on", "status"]
    list_filter = ["status"]
    raw_id_fields = ["branch"]


@admin.register(Post)
class PostAdmin(SimpleHistoryAdmin):
    list_display = ["member", "role", "term", "started_on", "ended_on"]
    raw_id_fields = ["term", "member"]


class PolicySettingForm(forms.ModelForm):
    """Refuses unknown keys, wrong types and out-of-range values (branches.policy.validate)."""

    class Meta:
        model = PolicySetting
        fields = ["key", "value", "note"]

    def clean(self):
        data = super().clean()
        if "key" in data and "value" in data:
            try:
                data["value"] = policy.validate(data["key"], data["value"])
            except ValidationError as error:
                self.add_error("value", error)
        return data


@admin.register(PolicySetting)
class PolicySettingAdmin(SimpleHistoryAdmin):
    form = PolicySettingForm
    list_display = ["key", "value", "note", "updated_at"]


@admin.register(UnitCategory)
class UnitCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "order", "is_active"]
    list_editable = ["order", "is_active"]


admin.site.register(JobHeartbeat)


from .renewals import admin as renewals_admin  # noqa: E402, F401  (registers renewal admin pages)
