"""Thin views: parse input, check access through branches.permissions, call services/selectors."""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import audit, permissions, uploads
from .. import selectors as branch_selectors
from ..flow import NOT_DONE, error_messages, run_form
from ..http import version_from
from ..models import Activity, ActivityAttachment, MonthlyReport
from ..permissions import Action, branch_permission_required, get_object_for_user, staff_required
from . import compliance, exports, forms, selectors, services


def _parse_month(value, default):
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        if not 2000 <= year <= 2100:
            return default
        return date(year, month, 1)
    except ValueError:
        return default


def _parse_year(value, default):
    try:
        year = int(value or default)
    except ValueError:
        return default
    return year if 2000 <= year <= 2100 else default


def _previous_month(today):
    return today.replace(day=1) - relativedelta(months=1)


def index(request):
    """Secretaries land on their branch, staff on the review queue."""
    if permissions.is_staff_role(request.user):
        return redirect("reports:queue")
    branches = branch_selectors.secretary_branches(request.user)
    if not branches:
        raise PermissionDenied
    return redirect("reports:branch", org_id=branches[0].pk)


@branch_permission_required(Action.VIEW)
def branch_overview(request, branch):
    """Year grid of required activities, the months' reports and the records of the branch."""
    if not branch.is_branch:
        raise Http404
    today = timezone.localdate()
    year = _parse_year(request.GET.get("year"), today.year)
    kind = request.GET.get("kind") or ""
    reports = selectors.year_reports(branch, year)
    months = [date(year, m, 1) for m in range(1, 13)]
    activities = Paginator(selectors.branch_activities(branch, kind=kind or None), 15).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "branches/reports/branch.html",
        {
            "branch": branch,
            "year": year,
            "today": today,
            "grid": selectors.branch_compliance(branch, year=year, today=today),
            "month_reports": [(m, reports.get(m)) for m in months],
            "page_obj": activities,
            "kind": kind,
            "kinds": Activity.Kind.choices,
            "can_record": permissions.can(request.user, Action.RECORD_ACTIVITY, branch),
            "can_submit": permissions.can(request.user, Action.SUBMIT_REPORT, branch),
            "deleted": selectors.deleted_activities(branch, year=year),
        },
    )


def _activity_forms(request, branch, instance=None, roster=None):
    data = request.POST if request.method == "POST" else None
    initial = {}
    if instance is None and roster is not None:
        # A new meeting expects the whole roster; the page's script switches to the committee for 支委会.
        initial = {
            "expected_full": roster["all"]["full"],
            "present_full": roster["all"]["full"],
            "expected_probationary": roster["all"]["probationary"],
            "present_probationary": roster["all"]["probationary"],
        }
    form = forms.ActivityForm(
        data,
        instance=instance,
        initial=initial,
        branch=branch,
        members=selectors.branch_member_choices(branch),
        cells=selectors.branch_cells(branch),
    )
    initial = (
        [
            {
                "subject": d.subject,
                "votes_for": d.votes_for,
                "votes_against": d.votes_against,
                "votes_abstain": d.votes_abstain,
                "rejected": not d.passed,
            }
            for d in instance.decisions.all()
        ]
        if instance
        else None
    )
    formset = forms.DecisionFormSet(data, prefix="decisions", initial=initial)
    return form, formset


def _decisions(formset):
    return [f.decision() for f in formset.forms if f.cleaned_data and f.cleaned_data.get("subject")]


@branch_permission_required(Action.RECORD_ACTIVITY)
def activity_create(request, branch):
    roster = selectors.attendance_roster(branch)
    form, formset = _activity_forms(request, branch, roster=roster)
    activity = run_form(
        request,
        form,
        lambda data: services.activity_create(
            branch=branch,
            user=request.user,
            decisions=_decisions(formset),
            absent_members=data["absent_members"],
            **form.service_fields(),
        ),
        extra_valid=formset.is_valid,
    )
    if activity is not NOT_DONE:
        if activity.entered_late:
            messages.warning(request, _("记录已保存。该活动超过规定时限才录入，已标记为补录。"))
        else:
            messages.success(request, _("记录已保存。"))
        return redirect(activity)
    return render(
        request,
        "branches/reports/activity_form.html",
        {"branch": branch, "form": form, "formset": formset, **_form_page_extras(roster)},
    )


def _activity_for(request, pk, action):
    return get_object_for_user(
        selectors.activity_queryset(), user=request.user, action=action, org_field="branch", pk=pk
    )


def activity_detail(request, pk):
    activity = _activity_for(request, pk, Action.VIEW)
    can_record = permissions.can(request.user, Action.RECORD_ACTIVITY, activity.branch)
    upload = forms.AttachmentForm()
    return render(
        request,
        "branches/reports/activity_detail.html",
        {
            "activity": activity,
            "branch": activity.branch,
            "can_record": can_record,
            "upload": upload,
            "decisions": activity.decisions.all(),
            "attachments": activity.attachments.all(),
            "absent_members": activity.absent_members.all(),
            "history": audit.activity_history(activity),
        },
    )


def activity_delete(request, pk):
    """GET asks for confirmation and a reason; POST soft-deletes the record."""
    activity = _activity_for(request, pk, Action.RECORD_ACTIVITY)
    form = forms.ActivityDeleteForm(request.POST or None)
    done = run_form(
        request,
        form,
        lambda data: (
            services.activity_delete(
                activity=activity, user=request.user, version=data["version"], reason=data["reason"]
            )
            or True
        ),
    )
    if done is not NOT_DONE:
        messages.success(request, _("活动记录已删除，删除原因已记入变更记录。"))
        return redirect("reports:branch", org_id=activity.branch_id)
    return render(
        request,
        "branches/reports/activity_delete.html",
        {"activity": activity, "branch": activity.branch, "form": form},
    )


def _form_page_extras(roster):
    return {
        "roster": roster,
        "committee_ids": set(roster["committee"]["ids"]),
        "kind_help": {kind: str(text) for kind, text in forms.KIND_HELP.items()},
    }


def activity_edit(request, pk):
    activity = _activity_for(request, pk, Action.RECORD_ACTIVITY)
    roster = selectors.attendance_roster(activity.branch)
    form, formset = _activity_forms(request, activity.branch, instance=activity)
    done = run_form(
        request,
        form,
        lambda data: (
            services.activity_update(
                activity=activity,
                user=request.user,
                version=version_from(request),
                decisions=_decisions(formset),
                absent_members=data["absent_members"],
                **form.service_fields(),
            )
            or True
        ),
        extra_valid=formset.is_valid,
    )
    if done is not NOT_DONE:
        messages.success(request, _("记录已更新。"))
        return redirect(activity)
    return render(
        request,
        "branches/reports/activity_form.html",
        {
            "branch": activity.branch,
            "form": form,
            "formset": formset,
            "activity": activity,
            **_form_page_extras(roster),
        },
    )


@require_POST
def attachment_upload(request, pk):
    activity = _activity_for(request, pk, Action.RECORD_ACTIVITY)
    form = forms.AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                activity=activity,
                user=request.user,
                kind=form.cleaned_data["kind"],
                file=form.cleaned_data["file"],
            )
            messages.success(request, _("附件已上传。"))
        except ValidationError as error:
            for message in error_messages(error):
                messages.error(request, message)
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect(activity)


def attachment_download(request, pk):
    """Attachments are served only to viewers of their branch (minutes are not public files)."""
    attachment = get_object_for_user(
        ActivityAttachment.objects.select_related("activity__branch"),
        user=request.user,
        action=Action.VIEW,
        org_field="activity__branch",
        pk=pk,
    )
    return uploads.serve(attachment.file, filename=attachment.original_name)


@require_POST
def attachment_delete(request, pk):
    attachment = get_object_for_user(
        ActivityAttachment.objects.select_related("activity__branch"),
        user=request.user,
        action=Action.RECORD_ACTIVITY,
        org_field="activity__branch",
        pk=pk,
    )
    try:
        services.attachment_delete(attachment=attachment, user=request.user)
        messages.success(request, _("附件已删除。"))
    except ValidationError as error:
        messages.error(request, " ".join(error_messages(error)))
    return redirect(attachment.activity)


@branch_permission_required(Action.VIEW)
def report_detail(request, branch, year, month):
    """The month's report: secretaries edit and submit it, staff accept, return or reopen it."""
    if not branch.is_branch:
        raise Http404
    today = timezone.localdate()
    if not 2000 <= year <= 2100:
        raise Http404
    try:
        month_start = date(year, month, 1)
    except ValueError as error:
        raise Http404 from error
    report = (
        MonthlyReport.objects.filter(branch=branch, month=month_start)
        .select_related("filer", "reviewed_by")
        .first()
    )
    can_submit = permissions.can(request.user, Action.SUBMIT_REPORT, branch)
    can_review = permissions.can(request.user, Action.REVIEW, branch)
    if report is None:
        if not can_submit:
            raise Http404
        try:
            if request.method == "POST":
                report = services.report_get_or_create(branch=branch, month=month_start, user=request.user)
            else:  # opening the page never creates a draft
                report = services.report_unsaved(branch=branch, month=month_start, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error_messages(error)))
            return redirect("reports:branch", org_id=branch.pk)
    form = forms.ReportForm(instance=report)
    if request.method == "POST":
        if not can_submit:
            raise PermissionDenied
        if not report.is_editable:  # submitted from a stale page, e.g. a second tab
            messages.error(request, _("报告已报送，处于锁定状态，不能修改。"))
            return redirect(report)
        form = forms.ReportForm(request.POST, instance=report)

        def save(data):
            nonlocal report  # a saved draft stays saved (new version) when the submit is refused
            report = services.report_save(
                report=report,
                user=request.user,
                version=version_from(request),
                **{name: data[name] for name in services.REPORT_INPUT_FIELDS},
            )
            if request.POST.get("action") == "submit":
                services.report_submit(report=report, user=request.user, version=report.version)
                messages.success(request, _("月度报告已报送，等待上级审核。"))
            else:
                messages.success(request, _("草稿已保存。"))
            return report

        if run_form(request, form, save) is not NOT_DONE:
            return redirect(report)
    derived = (
        report.snapshot
        if not report.is_editable
        else selectors.report_derived(branch, month_start, today=today)
    )
    return render(
        request,
        "branches/reports/report_detail.html",
        {
            "branch": branch,
            "report": report,
            "form": form,
            "derived": derived,
            "can_submit": can_submit and report.is_editable,
            "filing_blocked": services.filing_blocked_reason(report, today),
            "can_review": can_review,
            "review_form": forms.ReviewForm(),
            "events": report.events.select_related("actor") if report.pk else [],
            "activities": selectors.branch_activities(branch, month=month_start),
        },
    )


@require_POST
def report_review(request, pk):
    report = get_object_for_user(
        selectors.report_queryset(), user=request.user, action=Action.REVIEW, org_field="branch", pk=pk
    )
    form = forms.ReviewForm(request.POST)
    form.is_valid()
    comment = form.cleaned_data.get("comment", "")
    action = request.POST.get("action")
    handlers = {
        "accept": (services.report_accept, _("月度报告已通过。")),
        "return": (services.report_return, _("月度报告已退回。")),
        "reopen": (services.report_reopen, _("已重新打开，书记可更正后重新报送。")),
    }
    if action not in handlers:
        raise Http404
    service, done = handlers[action]
    try:
        service(report=report, user=request.user, comment=comment)
        messages.success(request, done)
    except ValidationError as error:
        messages.error(request, " ".join(error_messages(error)))
    return redirect(report)


def _queue_filters(request, month_required=True):
    """Filters of the staff report pages; the review queue's month is optional (None: all)."""
    today = timezone.localdate()
    units = selectors.review_units(request.user)
    month = _previous_month(today) if month_required else None
    initial = {"month": f"{month:%Y-%m}"} if month else {}
    form = forms.QueueFilterForm(request.GET or None, units=units, initial=initial)
    unit = status = late = None
    if form.is_valid():
        month = _parse_month(form.cleaned_data["month"], month)
        unit = form.cleaned_data["unit"]
        status = form.cleaned_data["status"] or None
        late = {"1": True, "0": False}.get(form.cleaned_data["late"])
    return form, month, unit, status, late


@staff_required
def review_queue(request):
    """The review backlog: every submitted report not yet reviewed, oldest first, with its age."""
    form, month, unit, status, late = _queue_filters(request, month_required=False)
    reports = selectors.review_queue(
        request.user, month=month, unit_id=unit.pk if unit else None, status=status, late=late
    )
    page = Paginator(selectors.review_queue_page(reports), 25).get_page(request.GET.get("page"))
    now = timezone.now()
    for report in page.object_list:
        report.waiting_days = (now - report.submitted_at).days if report.submitted_at else None
    return render(
        request,
        "branches/reports/queue.html",
        {
            "filter_form": form,
            "page_obj": page,
            "month": month,
            "unit": unit,
        },
    )


@staff_required
def reporting_rates(request):
    form, month, unit, _status, _late = _queue_filters(request)
    today = timezone.localdate()
    rows, totals = selectors.reporting_rates(
        request.user, month=month, today=today, unit_id=unit.pk if unit else None
    )
    unfiled = Paginator(
        selectors.unfiled_branches(request.user, month=month, unit_id=unit.pk if unit else None), 30
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "branches/reports/rates.html",
        {
            "filter_form": form,
            "rows": rows,
            "totals": totals,
            "month": month,
            "page_obj": unfiled,
        },
    )


@staff_required
def compliance_overview(request):
    """Staff view: every branch in scope × the required activities, met/due for the year."""
    today = timezone.localdate()
    year = _parse_year(request.GET.get("year"), today.year)
    units = selectors.review_units(request.user)
    form = forms.QueueFilterForm(request.GET or None, units=units)
    unit = form.cleaned_data["unit"] if form.is_valid() else None
    page = Paginator(
        selectors.branches_for_compliance(request.user, unit_id=unit.pk if unit else None), 30
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "branches/reports/compliance.html",
        {
            "filter_form": form,
            "page_obj": page,
            "year": year,
            "requirements": compliance.REQUIREMENTS,
            "rows": selectors.compliance_rows(list(page), year=year, today=today),
        },
    )


@staff_required
def export_month(request):
    permissions.require_any(request.user, Action.EXPORT)
    _form, month, unit, status, late = _queue_filters(request)
    reports = selectors.review_queue(
        request.user, month=month, unit_id=unit.pk if unit else None, status=status, late=late
    )
    return exports.reports_response(reports, month=month)
