"""Pages: demonstration branches (everyone), designations (staff), classification overview,
a branch's path across years, follow-ups. Objects load through ``branches.permissions``
(404 outside the viewer's scope); services check the action again."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches import permissions, uploads
from branches.flow import NOT_DONE, error_messages, run_form
from branches.http import version_from
from branches.models import Organization
from branches.permissions import Action, branch_permission_required, get_object_for_user, staff_required

from ..guidance import dimensions
from ..models import Classification, Designation, FollowUp
from . import access, criteria, forms, selectors, services


def public_list(request):
    kind = request.GET.get("kind", "")
    dimension = request.GET.get("dimension", "")
    page = Paginator(selectors.demonstration_branches(kind=kind, dimension=dimension), 30).get_page(
        request.GET.get("page")
    )
    for row in page.object_list:
        row.tags = dimensions.labels(row.dimension_codes)
    return render(
        request,
        "assessments/designations/public.html",
        {
            "page_obj": page,
            "kind": kind,
            "dimension": dimension,
            "kinds": Designation.Kind.choices,
            "dimension_choices": dimensions.choices(),
        },
    )


@staff_required
def manage_list(request):
    rows = selectors.designation_list(request.user, status=request.GET.get("status", ""))
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/designations/list.html",
        {"page_obj": page, "statuses": Designation.Status.choices, "status": request.GET.get("status", "")},
    )


def _nominable(user):
    branches = Organization.objects.filter(
        permissions.scope_q(user, Action.VIEW), kind=Organization.Kind.BRANCH, is_active=True
    )
    if not permissions.is_admin(user):
        paths = permissions.role_paths(user, access.Role.UNIT_STAFF)
        q = Q(pk__in=[])
        for path in paths:
            q |= Q(path__startswith=path)
        branches = branches.filter(q)
    return branches.order_by("path")


def nominate(request):
    branches = _nominable(request.user)
    if not branches.exists():
        raise PermissionDenied
    form = forms.NominateForm(request.POST or None, request.FILES or None, branches=branches)
    designation = run_form(
        request,
        form,
        lambda data: services.designation_nominate(
            branch=data["branch"],
            kind=data["kind"],
            reason=data["reason"],
            dimensions=data["dimensions"],
            files=request.FILES.getlist("files"),
            user=request.user,
        ),
    )
    if designation is not NOT_DONE:
        messages.success(request, _("已提交推荐，等待省直机关工委审核。"))
        return redirect(designation)
    return render(request, "assessments/designations/nominate.html", {"form": form})


def _designation(request, pk):
    return get_object_for_user(
        Designation.objects.select_related("branch__unit", "nominated_by", "decided_by"),
        user=request.user,
        action=Action.VIEW,
        org_field="branch",
        pk=pk,
    )


def evidence_download(request, pk, doc_pk):
    """A nomination's evidence file, for whoever may open the designation."""
    doc = get_object_or_404(_designation(request, pk).evidence, pk=doc_pk)
    return uploads.serve(doc.file, filename=doc.original_name)


def detail(request, pk):
    designation = _designation(request, pk)
    can_decide = access.can_decide(request.user, designation.branch)
    check = None
    if designation.status in Designation.LIVE or designation.status == Designation.Status.EXPIRED:
        check = criteria.criteria_check(designation.branch)
    return render(
        request,
        "assessments/designations/detail.html",
        {
            "designation": designation,
            "tags": dimensions.labels(designation.dimension_codes),
            "evidence": list(designation.evidence.all()),
            "check": check,
            "met": criteria.criteria_met(check) if check is not None else None,
            "snapshot": designation.criteria_snapshot,
            "can_decide": can_decide,
            "decision_form": forms.DecisionForm(),
            "revoke_form": forms.RevokeForm(),
        },
    )


@require_POST
def act(request, pk, action):
    designation = _designation(request, pk)
    if not access.can_decide(request.user, designation.branch):
        raise PermissionDenied
    if action not in {"approve", "reject", "revoke", "renew"}:
        messages.error(request, _("请求无效，请刷新页面后再试。"))
        return redirect(designation)
    common = {"designation": designation, "user": request.user, "version": version_from(request)}
    try:
        if action == "approve":
            services.designation_approve(**common, note=request.POST.get("note", ""))
        elif action == "reject":
            services.designation_reject(**common, note=request.POST.get("note", ""))
        elif action == "revoke":
            services.designation_revoke(**common, reason=request.POST.get("reason", ""))
        else:
            services.designation_renew(**common)
        messages.success(request, _("已保存。"))
    except ValidationError as error:
        messages.error(request, " ".join(error_messages(error)))
    return redirect(designation)


@staff_required
def overview(request):
    form = forms.OverviewForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    years = selectors.classification_years(request.user)
    year = data.get("year") or (years[0] if years else timezone.localdate().year - 1)
    rows = selectors.classification_rows(
        request.user, year=year, grade=data.get("grade") or "", unit_id=data.get("unit")
    )
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    units, total = selectors.classification_by_unit(request.user, year=year)
    conversion_rows, conversion = selectors.lagging_conversion(request.user, year=year - 1)
    converted = {row["branch__unit_id"]: row for row in conversion_rows}
    for unit in units:
        unit["conversion"] = converted.get(unit["branch__unit_id"])
    designated = selectors.live_designations([row.branch_id for row in page.object_list])
    for row in page.object_list:
        row.designations = designated.get(row.branch_id, [])
    return render(
        request,
        "assessments/designations/overview.html",
        {
            "form": form,
            "year": year,
            "years": years,
            "page_obj": page,
            "units": units,
            "total": total,
            "conversion": conversion,
            "conversion_year": year - 1,
            "classify_form": forms.ClassifyForm(initial={"year": year}),
            "override_form": forms.OverrideForm(),
            "can_classify": permissions.scope_paths(request.user, Action.REVIEW) != [],
        },
    )


@require_POST
@staff_required
def classify(request):
    form = forms.ClassifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写正确的年度。"))
        return redirect("designations:overview")
    year = form.cleaned_data["year"]
    result = services.classify_year(year=year, user=request.user)
    messages.success(
        request,
        _("%(year)d年度分类定级完成：新增 %(c)d，更新 %(u)d，%(n)d 个支部暂无定稿评审。")
        % {"year": year, "c": result["created"], "u": result["updated"], "n": result["without_score"]},
    )
    return redirect(f"{redirect('designations:overview').url}?year={year}")


def _classification(request, pk):
    return get_object_for_user(
        Classification.objects.select_related("branch__unit"),
        user=request.user,
        action=Action.REVIEW,
        org_field="branch",
        pk=pk,
    )


def override(request, pk):
    row = _classification(request, pk)
    if not access.can_guide(request.user, row.branch):
        raise PermissionDenied
    form = forms.OverrideForm(request.POST or None, initial={"grade": row.grade})
    done = run_form(
        request,
        form,
        lambda data: services.classification_override(
            classification=row, user=request.user, grade=data["grade"], reason=data["reason"]
        ),
    )
    if done is not NOT_DONE:
        messages.success(request, _("类别已调整。"))
        return redirect("designations:history", org_id=row.branch_id)
    return render(request, "assessments/designations/override.html", {"row": row, "form": form})


@branch_permission_required(Action.VIEW)
def history(request, branch):
    rows = selectors.branch_history(branch)
    return render(
        request,
        "assessments/designations/history.html",
        {
            "branch": branch,
            "rows": rows,
            "designations": list(branch.designations.order_by("-nominated_at")),
            "follow_ups": list(branch.follow_ups.select_related("classification").order_by("-opened_at")),
            "can_guide": access.can_guide(request.user, branch),
        },
    )


@staff_required
def follow_up_list(request):
    form = forms.FollowUpFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    rows = selectors.follow_up_list(
        request.user, status=data.get("status", ""), unit_id=data.get("unit"), today=today
    )
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.overdue = row.is_overdue(today)
    return render(request, "assessments/designations/follow_up_list.html", {"page_obj": page, "form": form})


def follow_up_open(request, pk):
    row = _classification(request, pk)
    if not access.can_guide(request.user, row.branch):
        raise PermissionDenied
    form = forms.FollowUpOpenForm(request.POST or None)
    follow_up = run_form(
        request,
        form,
        lambda data: services.follow_up_open(
            classification=row, user=request.user, contact_leader_name=data["contact_leader_name"]
        ),
    )
    if follow_up is not NOT_DONE:
        messages.success(request, _("已建立跟进。"))
        return redirect(follow_up)
    return render(request, "assessments/designations/follow_up_open.html", {"row": row, "form": form})


def _follow_up(request, pk):
    return get_object_for_user(
        FollowUp.objects.select_related("branch__unit", "classification", "contact_leader"),
        user=request.user,
        action=Action.VIEW,
        org_field="branch",
        pk=pk,
    )


def follow_up_detail(request, pk):
    follow_up = _follow_up(request, pk)
    can_guide = access.can_guide(request.user, follow_up.branch)
    action = request.POST.get("action") if request.method == "POST" else ""
    plan_form = forms.PlanItemForm(request.POST if action == "plan" else None)
    check_in_form = forms.CheckInForm(
        request.POST if action == "check_in" else None, initial={"held_on": timezone.localdate()}
    )
    reassess_form = forms.ReassessForm(request.POST if action == "reassess" else None)
    if request.method == "POST":
        if not can_guide:
            raise PermissionDenied
        calls = {
            "plan": (
                plan_form,
                lambda data: services.follow_up_add_plan_item(
                    follow_up=follow_up,
                    user=request.user,
                    description=data["description"],
                    deadline=data["deadline"],
                ),
            ),
            "check_in": (
                check_in_form,
                lambda data: services.follow_up_check_in(
                    follow_up=follow_up, user=request.user, held_on=data["held_on"], note=data["note"]
                ),
            ),
            "reassess": (
                reassess_form,
                lambda data: services.follow_up_reassess(
                    follow_up=follow_up,
                    user=request.user,
                    version=version_from(request),
                    score=data["score"],
                    note=data["remark"],
                ),
            ),
        }
        if action in calls:
            form, call = calls[action]
            if run_form(request, form, call) is not NOT_DONE:
                messages.success(request, _("已保存。"))
                return redirect(follow_up)
    return render(
        request,
        "assessments/designations/follow_up_detail.html",
        {
            "follow_up": follow_up,
            "overdue": follow_up.is_overdue(),
            "plan": selectors.plan_items(follow_up),
            "check_ins": list(follow_up.check_ins.select_related("recorded_by")),
            "can_guide": can_guide,
            "plan_form": plan_form,
            "check_in_form": check_in_form,
            "reassess_form": reassess_form,
        },
    )
