"""Dashboard pages: the province, a unit (drill-down), exports and the branch health report."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import permissions
from branches.models import Organization
from branches.permissions import Action, Role, admin_required
from branches.xlsx import attachment_disposition

from . import annual, exports, forms, registry, selectors, services
from .models import Target

Kind = Organization.Kind
DASHBOARD_KINDS = (Kind.WORK_COMMITTEE, Kind.UNIT_COMMITTEE, Kind.GENERAL_BRANCH)


def _year(request):
    default = selectors.default_year()
    try:
        year = int(request.GET.get("year", default))
    except ValueError:
        return default
    return year if 2000 <= year <= timezone.localdate().year else default


def _dashboard_org(request, org_id):
    org = permissions.get_object_for_user(
        Organization.objects.filter(kind__in=DASHBOARD_KINDS).select_related("unit"),
        user=request.user,
        action=Action.VIEW,
        pk=org_id,
    )
    if not permissions.is_staff_role(request.user):
        raise PermissionDenied
    return org


@login_required
def index(request):
    """Provincial staff: the province; unit staff: their unit; secretaries: their branch's report."""
    user = request.user
    if permissions.scope_paths(user, Action.VIEW) is None or permissions.role_paths(
        user, Role.PROVINCIAL_STAFF
    ):
        root = selectors.dashboard_root()
        if root is None:
            raise Http404
        if permissions.can(user, Action.VIEW, root):
            return redirect("dashboards:org", org_id=root.pk)
    units = Organization.objects.filter(
        path__in=permissions.role_paths(user, Role.UNIT_STAFF), kind=Kind.UNIT_COMMITTEE
    ).order_by("path")
    if units:
        return redirect("dashboards:org", org_id=units[0].pk)
    branches = Organization.objects.filter(
        path__in=permissions.role_paths(user, Role.SECRETARY), kind=Kind.BRANCH
    ).order_by("path")
    if branches:
        return redirect("dashboards:branch-report", branch_id=branches[0].pk)
    raise PermissionDenied


@login_required
def org_dashboard(request, org_id):
    org = _dashboard_org(request, org_id)
    year = _year(request)
    data = selectors.dashboard(org, year=year)
    return render(
        request,
        "dashboards/dashboard.html",
        {
            "org": org,
            **data,
            "is_province": org.kind == Kind.WORK_COMMITTEE,
            "is_general": org.kind == Kind.GENERAL_BRANCH,
            "can_set_targets": permissions.is_admin(request.user),
            "year_choices": list(range(timezone.localdate().year, timezone.localdate().year - 5, -1)),
        },
    )


@login_required
def org_export(request, org_id):
    org = _dashboard_org(request, org_id)
    if not permissions.can(request.user, Action.EXPORT, org):
        raise PermissionDenied
    year = _year(request)
    data = selectors.dashboard(org, year=year)
    return exports.dashboard_response(org, data)


@login_required
def annual_report(request, org_id, year):
    org = _dashboard_org(request, org_id)
    if not permissions.can(request.user, Action.EXPORT, org) or not 2000 <= year <= timezone.localdate().year:
        raise Http404
    data = selectors.dashboard(org, year=year)
    response = HttpResponse(annual.annual_document(org, data), content_type=annual.DOCX)
    filename = f"{org.name}-{year}年度党建质量报告.docx"
    response["Content-Disposition"] = attachment_disposition(filename)
    return response


def _branch(request, branch_id):
    return permissions.get_object_for_user(
        Organization.objects.filter(kind=Kind.BRANCH).select_related("unit", "parent"),
        user=request.user,
        action=Action.VIEW,
        pk=branch_id,
    )


@login_required
def branch_report(request, branch_id):
    branch = _branch(request, branch_id)
    context = {"branch": branch, "generated": timezone.localtime(), **selectors.branch_report(branch)}
    return render(request, "dashboards/branch_report.html", context)


@login_required
def branch_report_pdf(request, branch_id):
    """The same page as PDF, rendered on the server by WeasyPrint (pango from Debian)."""
    from weasyprint import HTML

    branch = _branch(request, branch_id)
    context = {"branch": branch, "generated": timezone.localtime(), **selectors.branch_report(branch)}
    css = "".join(
        open(finders.find(path), encoding="utf-8").read()
        for path in ("css/dashboards.css", "css/health_report_pdf.css")
    )
    html = render_to_string(
        "dashboards/branch_report_pdf.html", {**context, "inline_css": css}, request=request
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(uncompressed_pdf=True)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = _("%(name)s-支部建设体检表.pdf") % {"name": branch.name}
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response


def pdf_page_count(pdf):
    """Pages of a PDF written by ``branch_report_pdf`` (uncompressed, so they can be counted)."""
    import re

    return len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf))


# --- yearly targets (admins) ------------------------------------------------------------------


def _target_year(value):
    this_year = timezone.localdate().year
    try:
        year = int(value)
    except (TypeError, ValueError):
        return this_year
    return year if 2000 <= year <= this_year + 5 else this_year


@login_required
@admin_required
def targets(request):
    """The year's targets of every indicator, with a link to set or change each."""
    year = _target_year(request.GET.get("year"))
    this_year = timezone.localdate().year
    return render(
        request,
        "dashboards/targets.html",
        {
            "year": year,
            "rows": selectors.targets_of_year(year),
            "year_choices": list(range(this_year + 1, this_year - 4, -1)),
        },
    )


@login_required
@admin_required
def target_edit(request, year, key):
    """Set, change or remove one indicator's target for one year; shows who changed it when."""
    if not 2000 <= year <= timezone.localdate().year + 5:
        raise Http404
    try:
        indicator = registry.get(key)
    except KeyError:
        raise Http404 from None
    target = Target.objects.filter(indicator=key, year=year).first()
    back = f"{reverse('dashboards:targets')}?year={year}"
    if request.method == "POST" and "delete" in request.POST:
        if target is not None:
            services.target_delete(user=request.user, target=target)
            messages.success(request, _("已删除该年度目标。"))
        return redirect(back)
    initial = (
        {"kind": target.kind, "value": target.value, "note": target.note} if target else {"kind": "value"}
    )
    form = forms.TargetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.target_save(user=request.user, indicator=key, year=year, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("已保存年度目标。"))
            return redirect(back)
    return render(
        request,
        "dashboards/target_form.html",
        {
            "year": year,
            "indicator": indicator,
            "target": target,
            "form": form,
            "history": selectors.target_history(key, year),
            "back": back,
        },
    )
