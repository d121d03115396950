"""Thin views of 述职评议: parse input, authorize, call services/selectors, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.models import DutyAttachment, DutyCycle, DutyRater, DutyReport
from branches import permissions
from branches.policy import policy_all

from . import exports, facts, forms, selectors, services

Status = DutyCycle.Status


def _errors(request, error):
    for message in error.messages if hasattr(error, "messages") else [str(error)]:
        messages.error(request, message)


def _cycle_for_staff(request, pk):
    cycle = get_object_or_404(DutyCycle.objects.select_related("organization"), pk=pk)
    if not selectors.may_manage(request.user, cycle):
        raise Http404
    return cycle


def _report_for(request, pk):
    report = get_object_or_404(
        DutyReport.objects.select_related("cycle__organization", "organization", "secretary"), pk=pk
    )
    if not selectors.may_view_report(request.user, report):
        raise Http404
    return report


def index(request):
    """Staff: their cycles; secretaries: their reports; raters: their open ballots."""
    user = request.user
    context = {
        "cycles": selectors.cycles_for(user),
        "reports": selectors.my_reports(user),
        "ballots": selectors.my_ballots(user),
        "published": selectors.published_for_committee(user),
        "is_staff": permissions.is_staff_role(user),
        "code_form": forms.CodeForm(),
    }
    return render(request, "assessments/duty_review/index.html", context)


def overview(request):
    """All reporting bodies of a year across the cycles the staff user manages, filterable."""
    if not permissions.is_staff_role(request.user):
        raise PermissionDenied
    year = _parse_year(request.GET.get("year"), selectors.default_year(timezone.localdate()))
    state = request.GET.get("state", "")
    level = request.GET.get("level", "")
    reports = selectors.reports_overview(request.user, year=year, state=state, level=level)
    page = Paginator(reports, 100).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "year": year,
        "state": state,
        "level": level,
        "counts": selectors.overview_counts(request.user, year=year),
        "levels": DutyCycle.Level.choices,
    }
    return render(request, "assessments/duty_review/overview.html", context)


def _parse_year(value, default):
    try:
        year = int(value or default)
    except ValueError:
        return default
    return year if 2000 <= year <= 2100 else default


def cycle_new(request):
    if not permissions.is_staff_role(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    form = forms.CycleForm(
        request.POST or None, user=request.user, initial={"year": selectors.default_year(today)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_open(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request, _("述职评议已开启，已自动列入 %(n)s 个述职组织。") % {"n": cycle.reports.count()}
            )
            return redirect(cycle)
    return render(request, "assessments/duty_review/cycle_form.html", {"form": form})


def cycle_detail(request, pk):
    cycle = _cycle_for_staff(request, pk)
    state = request.GET.get("state", "")
    page = Paginator(selectors.cycle_reports(cycle, state=state), 100).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    tally = selectors.live_tally(cycle, policy_all()) if cycle.status == Status.VOTING else {}
    for report in page.object_list:
        report.live = tally.get(report.pk)
    context = {
        "cycle": cycle,
        "page_obj": page,
        "state": state,
        "counts": selectors.cycle_counts(cycle),
        "edit_form": forms.CycleEditForm(
            initial={
                "outline": cycle.outline,
                "due_on": cycle.due_on,
                "meeting_on": cycle.meeting_on,
                "version": cycle.version,
            }
        ),
    }
    return render(request, "assessments/duty_review/cycle_detail.html", context)


@require_POST
def cycle_action(request, pk, action):
    cycle = _cycle_for_staff(request, pk)
    try:
        if action == "edit":
            form = forms.CycleEditForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("请检查述职要点和日期。"))
            services.cycle_update(
                cycle=cycle,
                user=request.user,
                expected_version=form.cleaned_data["version"],
                outline=form.cleaned_data["outline"],
                due_on=form.cleaned_data["due_on"],
                meeting_on=form.cleaned_data["meeting_on"],
            )
            messages.success(request, _("已保存。"))
        elif action == "voting-open":
            services.voting_open(cycle=cycle, user=request.user)
            messages.success(request, _("测评已开始。"))
        elif action == "voting-close":
            services.voting_close(cycle=cycle, user=request.user)
            messages.success(request, _("测评已结束，结果已计算。"))
        elif action == "publish":
            services.cycle_publish(cycle=cycle, user=request.user)
            messages.success(request, _("结果已发布。"))
        else:
            raise Http404
    except ValidationError as error:
        _errors(request, error)
    return redirect(cycle)


def cycle_ranking(request, pk):
    cycle = _cycle_for_staff(request, pk)
    if cycle.status not in (Status.CLOSED, Status.PUBLISHED):
        messages.info(request, _("测评结束后才有排名。"))
        return redirect(cycle)
    return render(
        request,
        "assessments/duty_review/ranking.html",
        {"cycle": cycle, "reports": selectors.ranked_reports(cycle)},
    )


def cycle_export(request, pk):
    cycle = _cycle_for_staff(request, pk)
    if not permissions.can(request.user, permissions.Action.EXPORT, cycle.organization):
        raise PermissionDenied
    return exports.cycle_response(cycle, selectors.ranked_reports(cycle))


def raters(request, pk):
    cycle = _cycle_for_staff(request, pk)
    form = forms.RaterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rater_add(
                cycle=cycle,
                user=request.user,
                name=form.cleaned_data["name"],
                category=form.cleaned_data["category"],
                rater_user=form.cleaned_data["username"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("已加入测评人名单。"))
            return redirect("duty_review:raters", pk=cycle.pk)
    context = {
        "cycle": cycle,
        "raters": cycle.raters.select_related("user", "ballot"),
        "form": form,
        "sheet_form": forms.SheetForm(),
        "counts": selectors.cycle_counts(cycle),
    }
    return render(request, "assessments/duty_review/raters.html", context)


@require_POST
def rater_remove(request, pk):
    rater = get_object_or_404(DutyRater.objects.select_related("cycle__organization"), pk=pk)
    if not selectors.may_manage(request.user, rater.cycle):
        raise Http404
    try:
        services.rater_remove(rater=rater, user=request.user)
        messages.success(request, _("已移出名单。"))
    except ValidationError as error:
        _errors(request, error)
    return redirect("duty_review:raters", pk=rater.cycle_id)


@require_POST
def ballots_issue(request, pk):
    cycle = _cycle_for_staff(request, pk)
    form = forms.SheetForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("纸质票码数量应为 0 至 500。"))
        return redirect("duty_review:raters", pk=cycle.pk)
    try:
        created = services.ballots_issue(cycle=cycle, user=request.user, sheet=form.cleaned_data["sheet"])
        messages.success(request, _("已发放 %(n)s 张测评票。") % {"n": len(created)})
    except ValidationError as error:
        _errors(request, error)
    return redirect("duty_review:raters", pk=cycle.pk)


def ballot_sheet(request, pk):
    """Printable codes for the meeting: sheet codes and the personal codes of raters without an account."""
    cycle = _cycle_for_staff(request, pk)
    ballots = cycle.ballots.filter(used=False, rater__user__isnull=True).select_related("rater")
    return render(
        request,
        "assessments/duty_review/ballot_sheet.html",
        {"cycle": cycle, "ballots": ballots, "vote_url": request.build_absolute_uri("/duty-review/vote/")},
    )


def report_detail(request, pk):
    report = _report_for(request, pk)
    user = request.user
    is_author = report.secretary_id == user.pk
    editable = (
        is_author
        and report.status in DutyReport.EDITABLE
        and report.cycle.status in (Status.OPEN, Status.VOTING)
    )
    manage = selectors.may_manage(user, report.cycle)
    context = {
        "report": report,
        "cycle": report.cycle,
        "editable": editable,
        "manage": manage,
        "is_author": is_author,
        "attachments": report.attachments.all(),
        "comments": report.comments.all(),
        "show_result": report.cycle.status == Status.PUBLISHED
        or (manage and report.cycle.status == Status.CLOSED),
    }
    if editable:
        year_facts = facts.year_facts(
            organization=report.organization,
            secretary=report.secretary,
            year=report.cycle.year,
            today=timezone.localdate(),
        )
        texts = [section["text"] for section in report.sections]
        if texts and not texts[0]:
            texts[0] = facts.summary_text(year_facts)
        form = forms.ReportForm(
            request.POST or None,
            sections=report.sections,
            initial_texts=texts,
            initial={"version": report.version},
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.report_save(
                    report=report,
                    user=user,
                    expected_version=form.cleaned_data["version"],
                    texts=form.texts(),
                    facts=year_facts,
                )
                if "submit" in request.POST:
                    services.report_submit(report=report, user=user, expected_version=report.version)
                    messages.success(request, _("述职报告已提交。"))
                else:
                    messages.success(request, _("草稿已保存。"))
                return redirect(report)
            except ValidationError as error:
                form.add_error(None, error.messages)
        context.update(form=form, facts=year_facts, upload_form=forms.AttachmentForm())
    elif request.method == "POST":
        raise PermissionDenied
    if manage:
        context.update(
            return_form=forms.ReturnForm(),
            comment_form=forms.CommentForm(),
            override_form=forms.OverrideForm(
                initial={"grade": report.override_grade, "reason": report.override_reason}
            ),
        )
    return render(request, "assessments/duty_review/report_detail.html", context)


@require_POST
def report_action(request, pk, action):
    report = _report_for(request, pk)
    try:
        if action == "return":
            form = forms.ReturnForm(request.POST)
            services.report_return(report=report, user=request.user, comment=form.data.get("comment", ""))
            messages.success(request, _("已退回。"))
        elif action == "comment":
            services.comment_add(
                report=report,
                user=request.user,
                commenter_name=request.POST.get("commenter_name", ""),
                text=request.POST.get("text", ""),
            )
            messages.success(request, _("点评已记录。"))
        elif action == "override":
            services.report_override(
                report=report,
                user=request.user,
                grade=request.POST.get("grade", ""),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("等次已调整。"))
        elif action == "attach":
            form = forms.AttachmentForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError([m for errors in form.errors.values() for m in errors])
            services.attachment_add(report=report, user=request.user, file=form.cleaned_data["file"])
            messages.success(request, _("附件已上传。"))
        else:
            raise Http404
    except ValidationError as error:
        _errors(request, error)
    return redirect(report)


def report_print(request, pk):
    report = _report_for(request, pk)
    manage = selectors.may_manage(request.user, report.cycle)
    show_result = report.cycle.status == Status.PUBLISHED or (manage and report.cycle.status == Status.CLOSED)
    return render(
        request,
        "assessments/duty_review/report_print.html",
        {
            "report": report,
            "cycle": report.cycle,
            "comments": report.comments.all(),
            "show_result": show_result,
        },
    )


def attachment_download(request, pk):
    attachment = get_object_or_404(DutyAttachment.objects.select_related("report__cycle"), pk=pk)
    if not selectors.may_view_report(request.user, attachment.report):
        raise Http404
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)


@require_POST
def attachment_delete(request, pk):
    attachment = get_object_or_404(DutyAttachment.objects.select_related("report__cycle"), pk=pk)
    if not selectors.may_view_report(request.user, attachment.report):
        raise Http404
    try:
        services.attachment_delete(attachment=attachment, user=request.user)
        messages.success(request, _("附件已删除。"))
    except ValidationError as error:
        _errors(request, error)
    return redirect(attachment.report)


@login_not_required
def vote_entry(request):
    """Enter a printed code (no login needed: the one-use code is the paper ballot)."""
    form = forms.CodeForm(request.GET or None)
    if form.is_valid():
        ballot = services.ballot_for_code(form.cleaned_data["code"])
        if ballot is not None:
            return redirect(ballot)
        form.add_error("code", _("票码无效。"))
    return render(request, "assessments/duty_review/vote_entry.html", {"form": form})


@login_not_required
def ballot(request, code):
    ballot = services.ballot_for_code(code)
    if ballot is None:
        raise Http404
    if not services.ballot_may_use(ballot, request.user):
        if not request.user.is_authenticated:
            return redirect(f"/accounts/login/?next={request.path}")
        raise Http404  # another rater's personal ballot: not yours to see
    cycle = ballot.cycle
    reports = selectors.ballot_reports(cycle)
    form = forms.BallotForm(request.POST or None, reports=reports)
    done = False
    if request.method == "POST" and form.is_valid():
        try:
            services.ballot_cast(code=code, user=request.user, grades=form.grades())
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            done = True
    return render(
        request,
        "assessments/duty_review/ballot.html",
        {"ballot": ballot, "cycle": cycle, "form": form, "done": done or ballot.used},
    )
