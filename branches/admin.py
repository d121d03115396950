from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import permissions, policy, services
from .forms import OrganizationForm
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
    fieldsets = UserAdmin.fieldsets + ((_("门户"), {"fields": ["display_name", "must_change_password"]}),)
    add_fieldsets = UserAdmin.add_fieldsets + (
        (_("门户"), {"fields": ["display_name", "email", "must_change_password"]}),
    )
    inlines = [RoleAssignmentInline]
    list_display = ["username", "display_name", "email", "is_active", "is_superuser", "must_change_password"]
    list_filter = [*UserAdmin.list_filter, "must_change_password"]
    actions = ["require_password_change"]

    @admin.action(description=_("要求所选用户下次登录时修改密码"))
    def require_password_change(self, request, queryset):
        count = queryset.update(must_change_password=True)
        self.message_user(request, _("%(count)d 个用户下次登录时须修改密码。") % {"count": count})


class OrganizationAdminForm(forms.ModelForm):
    class Meta:
        model = Organization
        # the portal's organization fields, plus the parent (on add only) and the active flag
        fields = ["parent", *OrganizationForm.Meta.fields, "is_active"]

    def clean(self):
        data = super().clean()
        if not self.instance.pk and data.get("kind"):
            try:
                services.validate_parent(data["kind"], data.get("parent"))
            except ValidationError as exc:
                self.add_error("parent", exc)
        return data


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    """Adds go through ``services.organization_create`` (path, depth and unit derived there);
    the place in the tree is read-only here: moves use the portal's move page, which rewrites
    the whole subtree (``services.organization_move``)."""

    form = OrganizationAdminForm
    list_display = ["name", "kind", "unit", "category", "is_active"]
    # ``unit`` is nullable, so the admin's automatic select_related() skips it: name it.
    list_select_related = ["unit"]
    list_filter = ["kind", "category", "is_joint", "is_temporary"]
    search_fields = ["name", "unit_name"]
    raw_id_fields = ["parent"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["unit", "path", "depth"]
        return ["kind", "parent", "unit", "path", "depth"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        fields = {
            name: value
            for name, value in form.cleaned_data.items()
            if name not in ("name", "kind", "parent") and name in {f.name for f in Organization._meta.fields}
        }
        created = services.organization_create(
            name=obj.name, kind=obj.kind, parent=form.cleaned_data.get("parent"), **fields
        )
        obj.pk, obj.path, obj.depth, obj.unit_id = created.pk, created.path, created.depth, created.unit_id
        obj._state.adding = False


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin):
    history_list_display = ["version"]  # the version each change produced
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


# "Run selected tasks" in the periodic task admin: with the broker down, say so instead of
# hanging and answering 500 (the broker timeouts in settings bound the wait).
from django.contrib import messages  # noqa: E402
from django_celery_beat.admin import PeriodicTaskAdmin  # noqa: E402
from django_celery_beat.models import PeriodicTask  # noqa: E402

from .renewals import admin as renewals_admin  # noqa: E402, F401  (registers renewal admin pages)


class PortalPeriodicTaskAdmin(PeriodicTaskAdmin):
    def run_tasks(self, request, queryset):
        try:
            return super().run_tasks(request, queryset)
        except Exception as exc:  # noqa: BLE001 - kombu/redis errors for an unreachable broker
            self.message_user(
                request,
                _("任务队列暂时无法连接，任务未能启动：%(error)s。到计划时间后会照常运行。") % {"error": exc},
                level=messages.ERROR,
            )
            return None

    run_tasks.short_description = PeriodicTaskAdmin.run_tasks.short_description


admin.site.unregister(PeriodicTask)
admin.site.register(PeriodicTask, PortalPeriodicTaskAdmin)
