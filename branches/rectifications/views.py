"""Pages of the rectification tracker: staff list (scoped, overdue first, Excel), the branch's
own list, and an item page with the actions the viewer may take."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import exportjobs, permissions
from ..flow import NOT_DONE, error_messages, run_form
from ..http import version_from
from ..models import RectificationItem, SourceKind
from ..permissions import Action, branch_permission_required, get_object_for_user, staff_required
from . import forms, selectors, services


def _rows(items, today):
    for item in items:
        item.overdue = item.is_overdue(today)
    return items


@exportjobs.register("rectifications")
def ledger_export(user, params):
    """The staff ledger download (整改台账) for ``user``; ``params``: the list's filter values.
    Rows from ``values_list``, labels translated once; large ledgers become export jobs."""
    permissions.require_any(user, Action.EXPORT)
    today = timezone.localdate()
    items = selectors.rectification_list(
        user, unit_id=params.get("unit"), status=params.get("status", ""), today=today
    )
    sources = {value: str(label) for value, label in SourceKind.choices}
    statuses = {value: str(label) for value, label in RectificationItem.Status.choices}
    open_statuses = set(RectificationItem.OPEN_STATUSES)
    overdue = _("是")

    def rows():
        fields = ("organization__unit__name", "organization__name", "source_kind", "description")
        values = items.select_related(None).values_list(*fields, "deadline", "status")
        for unit, branch, source, description, deadline, status in values.iterator(chunk_size=2000):
            late = overdue if status in open_statuses and deadline < today else ""
            yield (
                unit or "",
                branch,
                sources.get(source, source),
                description,
                deadline,
                statuses[status],
                late,
            )

    return exportjobs.Export(
        filename=_("整改台账-%(d)s.xlsx") % {"d": f"{today:%Y%m%d}"},
        title=_("整改台账"),
        count=items.count(),
        sheet=lambda: {
            "title": _("整改台账"),
            "headers": [
                _("单位"),
                _("党支部"),
                _("来源"),
                _("问题描述"),
                _("整改期限"),
                _("状态"),
                _("逾期"),
            ],
            "rows": rows(),
            "widths": (24, 28, 12, 50, 12, 12, 6),
        },
    )


@staff_required
def staff_list(request):
    today = timezone.localdate()
    form = forms.FilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    if request.GET.get("format") == "xlsx":
        params = {"unit": data.get("unit"), "status": data.get("status", "")}
        return exportjobs.respond(request, "rectifications", params)
    items = selectors.rectification_list(
        request.user, unit_id=data.get("unit"), status=data.get("status", ""), today=today
    )
    page = Paginator(items, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "branches/rectifications/list.html",
        {
            "page_obj": page,
            "rows": _rows(list(page.object_list), today),
            "form": form,
            "stats": selectors.closure_stats(request.user),
            "branch": None,
        },
    )


@branch_permission_required(Action.VIEW)
def branch_list(request, branch):
    today = timezone.localdate()
    items = selectors.rectification_list(request.user, organization=branch, today=today)
    page = Paginator(items, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "branches/rectifications/list.html",
        {
            "page_obj": page,
            "rows": _rows(list(page.object_list), today),
            "form": None,
            "stats": selectors.closure_stats(request.user, organization=branch),
            "branch": branch,
        },
    )


def _item(request, pk, action=Action.VIEW):
    return get_object_for_user(
        RectificationItem.objects.select_related("organization"),
        user=request.user,
        action=action,
        org_field="organization",
        pk=pk,
    )


def detail(request, pk):
    item = _item(request, pk)
    submit_form = forms.SubmitForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and request.POST.get("action") == "submit":
        _item(request, pk, Action.RECORD_ACTIVITY)
        done = run_form(
            request,
            submit_form,
            lambda data: services.rectification_submit(
                item=item,
                user=request.user,
                version=version_from(request),
                response=data["response"],
                files=request.FILES.getlist("files"),
            ),
        )
        if done is not NOT_DONE:
            messages.success(request, _("整改情况已提交，等待核验。"))
            return redirect("rectifications:detail", pk=item.pk)
    organization = item.organization
    return render(
        request,
        "branches/rectifications/detail.html",
        {
            "item": item,
            "overdue": item.is_overdue(),
            "evidence": list(item.evidence.all()),
            "submit_form": submit_form,
            "return_form": forms.ReturnForm(),
            "can_record": permissions.can(request.user, Action.RECORD_ACTIVITY, organization),
            "can_supervise": permissions.can(request.user, Action.SUPERVISE, organization),
        },
    )


@require_POST
def act(request, pk, action):
    """Start (branch), verify or return (staff)."""
    needed = {"start": Action.RECORD_ACTIVITY, "verify": Action.SUPERVISE, "return": Action.SUPERVISE}
    if action not in needed:
        return redirect("rectifications:detail", pk=pk)
    item = _item(request, pk, needed[action])
    try:
        version = version_from(request)
        if action == "start":
            services.rectification_start(item=item, user=request.user, version=version)
        elif action == "verify":
            services.rectification_verify(item=item, user=request.user, version=version)
        else:
            services.rectification_return(
                item=item, user=request.user, version=version, comment=request.POST.get("comment", "")
            )
        messages.success(request, _("已保存。"))
    except ValidationError as error:
        messages.error(request, " ".join(error_messages(error)))
    except ValueError:
        messages.error(request, _("请求无效，请刷新页面后再试。"))
    return redirect("rectifications:detail", pk=pk)
