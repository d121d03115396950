"""Cross-observation pages: rounds and groups (provincial staff), the five steps on a phone
(observers), results, rectification list, exports, print sheet and calendar entry."""

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.models import (
    ObservationGroup,
    ObservationRound,
    RoundUnit,
    Visit,
    VisitMember,
)
from branches import permissions
from branches.models import Organization, RoleAssignment, User
from branches.permissions import Action
from branches.renewals import ical
from branches.xlsx import xlsx_response

from . import access, forms, selectors, services

STEPS = [
    ("shu", _("述")),
    ("kan", _("看")),
    ("cha", _("查")),
    ("wen", _("问")),
    ("ping", _("评")),
]
STEP_TITLES = {
    "shu": _("述：听取支部书记汇报"),
    "kan": _("看：现场查看"),
    "cha": _("查：查阅台账"),
    "wen": _("问：随机访谈党员"),
    "ping": _("评：评分与点评"),
}
PAGE_SIZE = 50


def _errors(request, exc):
    for message in exc.messages:
        messages.error(request, message)


def _manager(request):
    access.require(access.is_manager(request.user))


def _round(request, pk):
    _manager(request)
    return get_object_or_404(ObservationRound.objects.select_related("edition"), pk=pk)


# ---------------------------------------------------------------- index and rounds


def index(request):
    user = request.user
    rounds = access.visible_rounds(user).select_related("edition")
    context = {
        "is_manager": access.is_manager(user),
        "rounds": rounds,
        "my_visits": selectors.my_visits(user),
        "hosted": access.visible_visits(user)
        .filter(permissions.scope_q(user, Action.VIEW, "branch__"), round__status__in=access.RESULT_STATUSES)
        .select_related("branch", "round")
        .order_by("-round__year", "branch__path")[:20],
    }
    return render(request, "assessments/observation/index.html", context)


def round_create(request):
    _manager(request)
    form = forms.round_form(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.round_create(**form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("已创建交叉观摩“%(t)s”。") % {"t": round_.title})
            return redirect(round_)
    return render(request, "assessments/observation/round_form.html", {"form": form})


def round_detail(request, pk):
    round_ = _round(request, pk)
    unit_rows, groups, counts = selectors.round_overview(round_)
    unit_staff = {}
    for user_id, org_id in RoleAssignment.objects.filter(
        role=RoleAssignment.Role.UNIT_STAFF, organization__in=[row.unit_id for row in unit_rows]
    ).values_list("user_id", "organization_id"):
        unit_staff.setdefault(org_id, []).append(user_id)
    staff_users = User.objects.in_bulk([u for ids in unit_staff.values() for u in ids])
    leaders = User.objects.filter(
        role_assignments__role__in=[RoleAssignment.Role.PROVINCIAL_STAFF, RoleAssignment.Role.ADMIN]
    ).distinct()
    observes = services.group_observes(round_) if groups else {}
    numbers = {g.pk: g.number for g in groups}
    for group in groups:
        group.observes_number = numbers.get(observes.get(group.pk))
    for row in unit_rows:
        row.candidates = [staff_users[u] for u in unit_staff.get(row.unit_id, []) if u in staff_users]
    sample = round_.sample.select_related("branch", "unit").order_by("unit__path", "order")
    return render(
        request,
        "assessments/observation/round_detail.html",
        {
            "round": round_,
            "groups": groups,
            "counts": counts,
            "units": unit_rows,
            "leaders": leaders,
            "sample": sample,
            "sample_ok": services.sample_verify(round_) if round_.sample_seed is not None else None,
            "statuses": ObservationRound.Status,
        },
    )


ROUND_ACTIONS = {
    "propose": (services.groups_propose, _("已生成分组方案。")),
    "fix": (services.groups_fix, _("分组已确定。")),
    "sample": (services.sample_draw, _("已随机抽取观摩支部，抽样种子已保存。")),
    "schedule": (services.visits_schedule, _("已生成观摩安排。")),
    "start": (services.round_start, _("观摩已开始，已通知观摩组成员。")),
    "publish": (services.round_publish, _("观摩结果已发布。")),
    "close": (services.round_close, _("本轮观摩已结束，观摩组成员的查阅权限已收回。")),
}


@require_POST
def round_action(request, pk, action):
    round_ = _round(request, pk)
    if action not in ROUND_ACTIONS:
        raise Http404
    func, done = ROUND_ACTIONS[action]
    try:
        func(round_=round_)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, done)
    return redirect(round_)


@require_POST
def group_move(request, pk):
    round_ = _round(request, pk)
    unit = get_object_or_404(Organization, pk=request.POST.get("unit") or 0)
    group = get_object_or_404(ObservationGroup, round=round_, pk=request.POST.get("group") or 0)
    try:
        services.group_move_unit(round_=round_, unit=unit, group=group)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已将%(u)s调整到第%(g)d组。") % {"u": unit.name, "g": group.number})
    return redirect(round_)


@require_POST
def round_people(request, pk):
    """Set a group's leader or a unit's observer."""
    round_ = _round(request, pk)
    user = User.objects.filter(pk=request.POST.get("user") or 0).first()
    if "group" in request.POST:
        group = get_object_or_404(ObservationGroup, round=round_, pk=request.POST["group"])
        group.leader = user
        group.save(update_fields=["leader"])
    else:
        row = get_object_or_404(RoundUnit, round=round_, unit_id=request.POST.get("unit") or 0)
        row.observer = user
        row.save(update_fields=["observer"])
    messages.success(request, _("已保存。"))
    return redirect(round_)


def group_schedule(request, pk, group_pk):
    round_ = _round(request, pk)
    group = get_object_or_404(ObservationGroup, round=round_, pk=group_pk)
    visits = list(selectors.group_schedule(round_, group))
    units = list(Organization.objects.filter(pk__in=group.members.values("unit_id")))
    return render(
        request,
        "assessments/observation/group_schedule.html",
        {
            "round": round_,
            "group": group,
            "visits": visits,
            "candidates": list(_team_candidates(units)),
            "roles": VisitMember.Role.choices,
            "units": units,
        },
    )


def _team_candidates(units):
    """Who may be put on a group's teams: its units' staff and provincial staff."""
    return (
        User.objects.filter(
            Q(role_assignments__role=RoleAssignment.Role.UNIT_STAFF, role_assignments__organization__in=units)
            | Q(role_assignments__role=RoleAssignment.Role.PROVINCIAL_STAFF)
        )
        .distinct()
        .order_by("username")
    )


@require_POST
def visit_edit(request, pk):
    visit = get_object_or_404(Visit.objects.select_related("round", "branch"), pk=pk)
    _manager(request)
    form = forms.VisitForm(request.POST)
    if form.is_valid():
        try:
            services.visit_reschedule(visit=visit, **form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("观摩安排已更新，已通知观摩组成员。"))
    else:
        messages.error(request, _("请填写有效的日期。"))
    return redirect("observation:group-schedule", visit.round_id, visit.group_id)


@require_POST
def team_edit(request, pk):
    visit = get_object_or_404(Visit.objects.select_related("round", "branch"), pk=pk)
    _manager(request)
    if "remove" in request.POST:
        member = get_object_or_404(VisitMember, visit=visit, pk=request.POST["remove"])
        try:
            services.team_remove(member=member)
        except ValidationError as exc:
            _errors(request, exc)
    else:
        units = Organization.objects.filter(pk__in=visit.group.members.values("unit_id"))
        form = forms.TeamForm(request.POST, users=_team_candidates(units), units=units)
        if form.is_valid():
            try:
                services.team_add(visit=visit, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("已加入观摩组，并已通知本人。"))
        else:
            messages.error(request, _("请选择成员、角色和单位。"))
    return redirect("observation:group-schedule", visit.round_id, visit.group_id)


@require_POST
def declare(request, pk):
    round_ = get_object_or_404(access.visible_rounds(request.user), pk=pk)
    units = Organization.objects.filter(pk__in=round_.units.values("unit_id"))
    form = forms.DeclarationForm(request.POST, units=units)
    if form.is_valid():
        try:
            services.declaration_add(round_=round_, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("利益冲突已申报，您不会被安排观摩该单位。"))
    else:
        messages.error(request, _("请选择单位并说明情况。"))
    return redirect("observation:index")


# ---------------------------------------------------------------- results and rectifications


def _result_round(request, pk):
    round_ = get_object_or_404(access.visible_rounds(request.user), pk=pk)
    if not access.is_manager(request.user) and round_.status not in access.RESULT_STATUSES:
        raise Http404
    return round_


def _int(value):
    return int(value) if (value or "").isdigit() else None


def results(request, pk):
    round_ = _result_round(request, pk)
    group, unit = _int(request.GET.get("group")), _int(request.GET.get("unit"))
    visits = selectors.results(request.user, round_, group=group, unit=unit)
    page = Paginator(visits, PAGE_SIZE).get_page(request.GET.get("page"))
    gaps = selectors.unit_gaps(page.object_list)
    return render(
        request,
        "assessments/observation/results.html",
        {
            "round": round_,
            "page_obj": page,
            "gaps": gaps,
            "groups": round_.groups.order_by("number"),
            "group": group,
            "is_manager": access.is_manager(request.user),
        },
    )


def results_export(request, pk):
    round_ = _result_round(request, pk)
    rows = [
        (
            v.rank_overall,
            v.host_group.number if v.host_group else "",
            v.rank_group,
            v.branch.unit.name if v.branch.unit else "",
            v.branch.name,
            v.observed_total,
            v.tier,
            v.get_label_display(),
            v.reference_total,
            (v.observed_total - v.reference_total)
            if v.observed_total is not None and v.reference_total is not None
            else None,
            v.annual_score,
        )
        for v in selectors.results(request.user, round_)
    ]
    headers = [
        _("总排名"),
        _("组别"),
        _("组内排名"),
        _("单位"),
        _("党支部"),
        _("观摩得分"),
        _("等次"),
        _("类别"),
        _("自评/系统分"),
        _("差值"),
        _("年度标准化得分"),
    ]
    return xlsx_response(
        f"{round_.title}-结果.xlsx",
        title=_("观摩结果"),
        headers=headers,
        rows=rows,
        widths=[8, 6, 8, 24, 28, 10, 10, 8, 12, 8, 14],
    )


def rectification_list(request):
    """Problems found by the observation groups; their progress lives in the shared tracker."""
    rows = selectors.rectifications(request.user, round_id=_int(request.GET.get("round")))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/observation/rectifications.html",
        {"page_obj": page, "today": timezone.localdate()},
    )


def rectification_export(request):
    rows = [
        (
            r.visit.round.title,
            r.branch.unit.name if r.branch.unit else "",
            r.branch.name,
            r.description,
            r.deadline,
            r.tracker_item.get_status_display() if r.tracker_item else _("待发布"),
        )
        for r in selectors.rectifications(request.user, round_id=_int(request.GET.get("round")))
    ]
    headers = [_("观摩"), _("单位"), _("责任支部"), _("问题"), _("整改期限"), _("状态")]
    return xlsx_response(
        "观摩整改清单.xlsx", title=_("整改清单"), headers=headers, rows=rows, widths=[24, 24, 28, 50, 12, 12]
    )


# ---------------------------------------------------------------- visits and the five steps


def visit_detail(request, pk):
    visit = access.get_visit(request.user, pk)
    member = access.team_member(request.user, visit)
    published = visit.round.status in access.RESULT_STATUSES
    context = {
        "visit": visit,
        "member": member,
        "is_manager": access.is_manager(request.user),
        "published": published,
        "steps": STEPS,
        "team": visit.team.select_related("user", "unit"),
        "rectifications": visit.rectifications.select_related("tracker_item"),
    }
    if published:
        context["items"] = selectors.visit_items(visit)
    if visit.kind == Visit.Kind.REGULAR and published:
        context["reinspection"] = getattr(visit, "reinspection", None)
    return render(request, "assessments/observation/visit_detail.html", context)


def _team_visit(request, pk):
    visit = access.get_visit(request.user, pk)
    member = access.team_member(request.user, visit)
    if member is None:
        raise Http404
    return visit, member


def visit_step(request, pk, step):
    if step not in STEP_TITLES:
        raise Http404
    visit, member = _team_visit(request, pk)
    if request.method == "POST":
        # Without JavaScript (or to be sure) the whole form is saved field by field.
        try:
            for field, value in request.POST.items():
                if field != "csrfmiddlewaretoken":
                    services.autosave(visit=visit, member=member, field=field, value=value)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("已保存。"))
        return redirect("observation:visit-step", visit.pk, step)
    items = selectors.visit_items(visit)
    context = {
        "visit": visit,
        "member": member,
        "step": step,
        "title": STEP_TITLES[step],
        "steps": STEPS,
        "editable": visit.status == Visit.Status.SCHEDULED
        and visit.round.status in (ObservationRound.Status.SCHEDULED, ObservationRound.Status.IN_PROGRESS),
    }
    if step == "shu":
        context["brief"] = selectors.briefing(visit)
    elif step == "kan":
        looks = selectors.looks(visit)
        context["items"] = [i for i in items if i.mode == i.Mode.MANUAL and i.points]
        for item in context["items"]:
            item.look = looks.get(item.pk)
        context["photos"] = visit.photos.all()
    elif step == "cha":
        context["auto_items"], context["activities"] = selectors.evidence_pack(visit, items)
        context["checks"] = selectors.record_checks(visit)
    elif step == "wen":
        context["people"] = selectors.interviews(visit)
    else:
        mine = selectors.my_scores(member)
        items = [item for item in items if item.points]  # pure veto items are not scored here
        for item in items:
            item.mine = mine.get(item.pk)
        context["items"] = items
        context["unscored"], context["unexplained"] = services.missing_scores(visit, member)
        context["problem_form"] = forms.ProblemForm(
            initial={"deadline": timezone.localdate() + relativedelta(months=2)}
        )
        context["rectifications"] = visit.rectifications.all()
    return render(request, "assessments/observation/step.html", context)


@require_POST
def autosave(request, pk):
    """htmx: save one field; answers a small status fragment (or 422 with the message)."""
    visit, member = _team_visit(request, pk)
    field, value = request.POST.get("field", ""), request.POST.get("value", "")
    try:
        hint = services.autosave(visit=visit, member=member, field=field, value=value)
    except ValidationError as exc:
        return HttpResponse(
            format_html('<span class="text-danger-emphasis">{}</span>', " ".join(exc.messages)), status=422
        )
    text = hint or _("已保存 %(t)s") % {"t": timezone.localtime().strftime("%H:%M:%S")}
    css = "text-warning-emphasis" if hint else "text-success-emphasis"
    return HttpResponse(format_html('<span class="{}">{}</span>', css, text))


@require_POST
def visit_upload(request, pk):
    visit, member = _team_visit(request, pk)
    upload = request.FILES.get("file")
    kind = request.POST.get("kind")
    try:
        if upload is None:
            raise ValidationError(_("请选择文件。"))
        if kind == "briefing":
            services.briefing_upload(visit=visit, upload=upload)
        else:
            item = visit.round.edition.items.filter(pk=_int(request.POST.get("item")) or 0).first()
            services.photo_add(visit=visit, member=member, upload=upload, item=item)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已上传。"))
    return redirect("observation:visit-step", visit.pk, "shu" if kind == "briefing" else "kan")


@require_POST
def visit_problem(request, pk):
    visit, member = _team_visit(request, pk)
    form = forms.ProblemForm(request.POST)
    if form.is_valid():
        try:
            services.rectification_add(visit=visit, member=member, **form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("已列入整改清单。"))
    else:
        messages.error(request, _("请填写问题和整改期限。"))
    return redirect("observation:visit-step", visit.pk, "ping")


@require_POST
def visit_submit(request, pk):
    visit, member = _team_visit(request, pk)
    try:
        services.member_submit(visit=visit, member=member)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("observation:visit-step", visit.pk, "ping")
    messages.success(request, _("评分已提交。"))
    return redirect(visit)


@require_POST
def reinspection_close(request, pk):
    _manager(request)
    visit = get_object_or_404(Visit, pk=pk, kind=Visit.Kind.REINSPECTION)
    try:
        services.reinspection_close(visit=visit, outcome=request.POST.get("outcome"))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("复查已办结。"))
    return redirect(visit)


def visit_print(request, pk):
    visit = access.get_visit(request.user, pk)
    individual = access.sees_individual_scores(request.user, visit)
    team = list(
        visit.team.filter(role__in=[VisitMember.Role.LEADER, VisitMember.Role.OBSERVER]).select_related(
            "user"
        )
    )
    items = selectors.visit_items(visit)
    if individual:
        scores = selectors.all_scores(visit)
        for item in items:
            item.per_observer = [scores.get((m.pk, item.pk)) for m in team]
    return render(
        request,
        "assessments/observation/print.html",
        {"visit": visit, "items": items, "team": team, "individual": individual},
    )


def visit_ical(request, pk):
    visit, _member = _team_visit(request, pk)
    if visit.date is None:
        raise Http404
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    url = request.build_absolute_uri(reverse("observation:visit-detail", args=[visit.pk]))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//branchportal//observation//ZH",
        "CALSCALE:GREGORIAN",
    ]
    lines += ical._event(
        uid=f"observation-visit-{visit.pk}@branchportal",
        day=visit.date,
        summary=_("交叉观摩：%(b)s") % {"b": visit.branch.name},
        description=_("地点：%(p)s") % {"p": visit.place},
        url=url,
        stamp=stamp,
    )
    lines.append("END:VCALENDAR")
    body = "\r\n".join(ical.fold(line) for line in lines) + "\r\n"
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="visit-{visit.pk}.ics"'
    return response
