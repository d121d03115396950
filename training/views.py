"""Thin views: access through branches.permissions / training.selectors, writes through services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches import permissions
from branches import selectors as branch_selectors
from branches.imports import engine
from branches.imports import services as import_services
from branches.models import ImportJob, Member, Organization
from branches.org_views import _form_flow
from branches.permissions import Action, branch_permission_required
from branches.policy import policy_all
from branches.xlsx import CONTENT_TYPE, attachment_disposition

from . import imports, selectors, services
from .forms import EventForm, ImportForm
from .models import Attendance, Tier

PAGE_SIZE = 50


def _year_tier(request):
    today = timezone.localdate()
    tier = request.GET.get("tier") or ""
    return today, selectors.default_year(request.GET.get("year"), today), tier if tier in Tier.values else ""


def _filters(today, year, tier):
    return {"year": year, "tier": tier, "years": selectors.year_choices(today), "tiers": Tier.choices}


# --- events -------------------------------------------------------------------------------------


def event_list(request):
    today, year, tier = _year_tier(request)
    page = Paginator(selectors.event_list(request.user, year=year, tier=tier), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "training/event_list.html",
        {
            "page_obj": page,
            "can_create": selectors.organizer_choices(request.user).exists(),
            **_filters(today, year, tier),
        },
    )


def event_create(request):
    organizers = selectors.organizer_choices(request.user)
    if not organizers.exists():
        raise PermissionDenied

    def save(data):
        tags = data.pop("tags")
        event = services.event_create(user=request.user, tags=tags, **data)
        return _("已创建培训班次：%(title)s") % {"title": event.title}, event

    return _form_flow(
        request,
        EventForm(request.POST or None, organizers=organizers),
        save,
        title=_("新建培训班次"),
        back=reverse("training:event-list"),
    )


def event_edit(request, pk):
    event = selectors.get_event(request.user, pk, manage=True)
    form = EventForm(
        request.POST or None, instance=event, organizers=selectors.organizer_choices(request.user)
    )

    def save(data):
        tags = data.pop("tags")
        services.event_update(event=event, user=request.user, tags=tags, **data)
        return _("已保存。"), event

    return _form_flow(request, form, save, title=_("编辑培训班次"), back=event.get_absolute_url())


def event_detail(request, pk):
    event = selectors.get_event(request.user, pk)
    attendances = event.attendances.select_related("member__branch__unit").order_by(
        "member__branch__path", "member__name"
    )
    page = Paginator(attendances, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/event_detail.html",
        {
            "event": event,
            "tags": list(event.tags.all()),
            "page_obj": page,
            "can_manage": permissions.can_organize(request.user, event.organizer),
            "statuses": Attendance.Status.choices,
            "imports": list(imports.jobs_for_event(event)[:5]),
        },
    )


def member_picker(request, pk):
    """htmx: members and branches in the organizer's scope matching the search text."""
    event = selectors.get_event(request.user, pk, manage=True)
    query = (request.GET.get("q") or "").strip()
    members, branches = [], []
    if query:
        members = list(
            services.eligible_members(event)
            .filter(Q(name__icontains=query) | Q(branch__name__icontains=query))
            .exclude(training_attendances__event=event)
            .select_related("branch__unit")
            .order_by("branch__path", "name")[:30]
        )
        branches = list(
            Organization.objects.filter(
                kind=Organization.Kind.BRANCH,
                is_active=True,
                path__startswith=event.organizer.path,
                name__icontains=query,
            )
            .select_related("unit")
            .order_by("path")[:10]
        )
    return render(
        request,
        "training/_picker_results.html",
        {"event": event, "members": members, "branches": branches, "q": query},
    )


@require_POST
def event_enrol(request, pk):
    event = selectors.get_event(request.user, pk, manage=True)
    branch = None
    if request.POST.get("branch"):
        branch = get_object_or_404(
            Organization, pk=_int(request.POST["branch"]), kind=Organization.Kind.BRANCH
        )
    try:
        added = services.enrol(
            event=event,
            user=request.user,
            member_ids=[_int(v) for v in request.POST.getlist("member")],
            branch=branch,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已报名 %(n)d 人。") % {"n": added})
    return redirect(event)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


@require_POST
def event_attendance(request, pk):
    event = selectors.get_event(request.user, pk, manage=True)
    entries = {}
    for attendance_id in request.POST.getlist("row"):
        key = _int(attendance_id)
        passed = request.POST.get(f"passed-{key}")
        entries[key] = (
            request.POST.get(f"status-{key}", ""),
            request.POST.get(f"hours-{key}", ""),
            {"1": True, "0": False}.get(passed),
        )
    try:
        changed = services.attendance_record(event=event, user=request.user, entries=entries)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已保存参训记录（%(n)d 条有变化）。") % {"n": changed})
    page = request.POST.get("page")
    return redirect(f"{event.get_absolute_url()}?page={_int(page)}" if page else event.get_absolute_url())


# --- sign-in sheet import (the engine's job pages, with the event around them) ----------------------


def import_upload(request, pk):
    event = selectors.get_event(request.user, pk, manage=True)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.import_start(event=event, user=request.user, upload=form.cleaned_data["file"])
        except ValidationError as error:
            form.add_error("file", error.messages)
        else:
            return redirect(imports.spec.job_url(job))
    return render(request, "training/import_upload.html", {"event": event, "form": form})


def _get_job(request, pk):
    """A sign-in sheet job of an event the viewer may manage (404 outside its organizer's scope)."""
    job = get_object_or_404(ImportJob, pk=pk, kind=imports.KIND)
    event = selectors.get_event(request.user, job.params.get("event"), manage=True)
    return job, event


def import_detail(request, pk):
    job, event = _get_job(request, pk)
    show = request.GET.get("show") or "problems"
    rows = []
    if job.status == ImportJob.Status.PREVIEW:
        samples = job.preview["sheets"][0]["samples"] if job.preview.get("sheets") else {}
        problems = samples.get("error", [])
        matched = [row for action in ("create", "update", "unchanged") for row in samples.get(action, [])]
        if show == "problems":
            rows = problems
        elif show == imports.MATCHED:
            rows = sorted(matched, key=lambda row: row["row"])
        elif show in imports.STATUS_LABELS:
            rows = [row for row in problems if row.get("tag") == show]
    percent, note = engine.job_progress(job)
    return render(
        request,
        "training/import_detail.html",
        {
            "job": job,
            "event": event,
            "page_obj": Paginator(rows, 100).get_page(request.GET.get("page")),
            "show": show,
            "labels": imports.STATUS_LABELS,
            "counts": imports.counts(job),
            "percent": percent,
            "note": note,
            "can_confirm": job.status == ImportJob.Status.PREVIEW
            and import_services.confirmable(job)
            and job.uploaded_by_id == request.user.pk,
        },
    )


@require_POST
def import_confirm(request, pk):
    job, _event = _get_job(request, pk)
    try:
        imports.import_confirm(job=job, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("training:import-detail", pk=job.pk)


def import_errors(request, pk):
    job, _event = _get_job(request, pk)
    if job.status != ImportJob.Status.PREVIEW or not job.preview.get("error_count"):
        raise Http404
    response = HttpResponse(engine.error_workbook(job), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = attachment_disposition(_("未导入的行") + ".xlsx")
    return response


# --- coverage -------------------------------------------------------------------------------------


def coverage(request):
    if not permissions.is_staff_role(request.user):
        return redirect("training:mine")
    today, year, tier = _year_tier(request)
    policy = policy_all()
    rows, totals = selectors.unit_coverage(request.user, year=year, tier=tier, today=today, policy=policy)
    return render(
        request,
        "training/coverage.html",
        {
            "rows": rows,
            "totals": totals,
            "metrics": selectors.metric_columns(policy),
            **_filters(today, year, tier),
        },
    )


@branch_permission_required(Action.VIEW)
def coverage_org(request, org):
    """Drill-down: a unit's branches and the people missing, or a branch's members and hours."""
    today, year, tier = _year_tier(request)
    policy = policy_all()
    context = {"org": org, "metrics": selectors.metric_columns(policy), **_filters(today, year, tier)}
    if org.kind == Organization.Kind.BRANCH:
        members = selectors.branch_members_hours(org, year=year, tier=tier, policy=policy)
        context.update(
            members=members,
            behind=sum(1 for m in members if m.still_required > 0),
            secretary=selectors.current_secretary_posts()
            .filter(term__branch=org)
            .select_related("member")
            .first(),
        )
        return render(request, "training/coverage_branch.html", context)
    if org.kind not in (Organization.Kind.UNIT_COMMITTEE, Organization.Kind.GENERAL_BRANCH):
        raise Http404
    rows, totals = selectors.branch_coverage(
        request.user, org, year=year, tier=tier, today=today, policy=policy
    )
    scope = permissions.scope_q(request.user, Action.VIEW) & Q(path__startswith=org.path)
    context.update(
        rows=rows,
        totals=totals,
        cycle_years=policy[selectors.CYCLE_KEY],
        missing_secretaries=list(selectors.missing_secretaries(scope, year=year, tier=tier)[:200]),
        late_new=list(
            selectors.late_new_secretaries(scope, year=year, tier=tier, today=today, policy=policy)[:200]
        ),
        missing_committee=list(selectors.missing_committee(scope, year=year, tier=tier, policy=policy)[:200]),
        missing_standard=list(selectors.missing_standard_branches(scope, year=year, tier=tier)[:200]),
        missing_cycle=list(
            selectors.missing_cycle_secretaries(scope, year=year, today=today, policy=policy)[:200]
        ),
    )
    return render(request, "training/coverage_unit.html", context)


def mine(request):
    """Secretaries: their branch's hours page (their own and their members')."""
    branches = branch_selectors.secretary_branches(request.user)
    if not branches:
        if permissions.is_staff_role(request.user):
            return redirect("training:coverage")
        raise PermissionDenied
    return redirect("training:coverage-org", org_id=branches[0].pk)


def member_hours(request, pk):
    member = permissions.get_object_for_user(
        Member.objects.select_related("branch"),
        user=request.user,
        action=Action.VIEW,
        org_field="branch",
        pk=pk,
    )
    today, year, _tier = _year_tier(request)
    return render(
        request,
        "training/member_hours.html",
        {
            "member": member,
            "attendances": list(selectors.member_attendance(member, year=year)),
            **_filters(today, year, ""),
        },
    )
