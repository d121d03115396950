from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from branches import uploads
from branches.flow import NOT_DONE, run_form
from branches.http import int_or_none, redirect_back, version_from
from branches.permissions import Action, admin_required, staff_required
from branches.xlsx import xlsx_response

from . import access, forms, selectors, services
from .models import Dimension, Edition, Evidence, Item, Review, Tier


def _errors(request, exc):
    for message in exc.messages:
        messages.error(request, message)


# --- editions (admins) ------------------------------------------------------------------------


@admin_required
def edition_list(request):
    form = forms.EditionForm(request.POST or None)
    edition = run_form(
        request,
        form,
        lambda data: services.edition_create(**data),
        on_error=lambda exc: _errors(request, exc),
    )
    if edition is not NOT_DONE:
        messages.success(request, _("已创建草稿“%(name)s”。") % {"name": edition.name})
        return redirect(edition)
    return render(
        request, "assessments/edition_list.html", {"editions": selectors.edition_list(), "form": form}
    )


@admin_required
def edition_detail(request, pk):
    edition = get_object_or_404(Edition, pk=pk)
    next_year = edition.year + 1
    clone_form = forms.CloneForm(initial={"year": next_year, "name": _("%(year)s 版") % {"year": next_year}})
    return render(
        request,
        "assessments/edition_detail.html",
        {
            "edition": edition,
            "dimensions": selectors.edition_structure(edition),
            "tiers": edition.tiers.all(),
            "problems": services.edition_problems(edition) if edition.is_draft else [],
            "clone_form": clone_form,
            "others": Edition.objects.exclude(pk=edition.pk),
        },
    )


@admin_required
@require_POST
def edition_action(request, pk, action):
    edition = get_object_or_404(Edition, pk=pk)
    try:
        if action == "publish":
            services.edition_publish(edition=edition)
            messages.success(request, _("标准版本已发布，此后不能再修改。"))
        elif action == "retire":
            services.edition_retire(edition=edition)
            messages.success(request, _("标准版本已停用；已有评审仍按该版本显示。"))
        elif action == "clone":
            form = forms.CloneForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("请填写新版本名称和年度。"))
            clone = services.edition_clone(edition=edition, **form.cleaned_data)
            messages.success(request, _("已复制为新草稿“%(name)s”。") % {"name": clone.name})
            return redirect(clone)
        else:
            raise Http404
    except ValidationError as exc:
        _errors(request, exc)
    return redirect(edition)


@admin_required
def edition_edit(request, pk):
    edition = get_object_or_404(Edition, pk=pk)
    form = forms.EditionForm(request.POST or None, instance=edition)
    done = run_form(
        request,
        form,
        lambda data: services.edition_update(edition=edition, **{f: data[f] for f in form.changed_data}),
        on_error=lambda exc: _errors(request, exc),
    )
    if done is not NOT_DONE:
        return redirect(edition)
    return render(
        request,
        "assessments/edition_part_form.html",
        {"edition": edition, "form": form, "title": _("编辑版本信息")},
    )


PARTS = {
    "dimension": (Dimension, forms.DimensionForm, gettext_lazy("维度")),
    "item": (Item, forms.ItemForm, gettext_lazy("评分项")),
    "tier": (Tier, forms.TierForm, gettext_lazy("等次")),
}


@admin_required
def edition_part(request, pk, part, part_pk=None):
    """Add or edit (or delete, with ?delete) a dimension, item or tier of a draft edition."""
    if part not in PARTS:
        raise Http404
    model, form_class, label = PARTS[part]
    edition = get_object_or_404(Edition, pk=pk)
    instance = get_object_or_404(model, pk=part_pk, edition=edition) if part_pk else model(edition=edition)
    if not edition.is_draft:
        messages.error(request, _("已发布或已停用的标准版本不能修改，请复制为新草稿后再编辑。"))
        return redirect(edition)
    if request.method == "POST" and "delete" in request.POST and part_pk:
        try:
            services.edition_part_delete(edition=edition, instance=instance)
            messages.success(request, _("已删除。"))
        except ValidationError as exc:
            _errors(request, exc)
        return redirect(edition)
    extra = {"edition": edition} if part == "item" else {}
    form = form_class(request.POST or None, instance=instance, **extra)
    done = run_form(
        request,
        form,
        lambda data: services.edition_part_save(
            edition=edition, instance=instance, **{f: data[f] for f in form.Meta.fields}
        ),
        on_error=lambda exc: _errors(request, exc),
    )
    if done is not NOT_DONE:
        messages.success(request, _("已保存。"))
        return redirect(edition)
    title = (_("编辑%(x)s") if part_pk else _("新增%(x)s")) % {"x": label}
    return render(
        request,
        "assessments/edition_part_form.html",
        {"edition": edition, "form": form, "title": title, "can_delete": bool(part_pk)},
    )


@admin_required
def edition_diff(request, pk):
    edition = get_object_or_404(Edition, pk=pk)
    other_pk = request.GET.get("other") or (edition.based_on_id or "")
    other = get_object_or_404(Edition, pk=other_pk) if str(other_pk).isdigit() else None
    changes = selectors.edition_diff(other, edition) if other else []
    return render(
        request,
        "assessments/edition_diff.html",
        {
            "edition": edition,
            "other": other,
            "changes": changes,
            "others": Edition.objects.exclude(pk=edition.pk),
        },
    )


# --- staff worklist -----------------------------------------------------------------------


def _worklist_context(request):
    units = list(selectors.units_for(request.user))
    form = forms.WorklistForm(request.GET or None, units=units)
    period = form.period_values()
    data = form.cleaned_data if form.is_valid() else {}
    kind = data.get("kind") or Review.Kind.UNIT
    branches = selectors.worklist(
        request.user,
        kind=kind,
        unit_id=data.get("unit") or None,
        status=data.get("status") or None,
        search=data.get("q", ""),
        **period,
    )
    return form, period, kind, branches


@staff_required
def worklist(request):
    form, period, kind, branches = _worklist_context(request)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            _("评审工作台-%(year)s.xlsx") % {"year": period["year"]},
            title=_("评审工作台"),
            headers=[
                _("单位"),
                _("党支部"),
                _("支部自评状态"),
                _("自评得分"),
                _("评审状态"),
                _("评审得分"),
                _("等次"),
            ],
            rows=(
                (
                    b.unit.name if b.unit else "",
                    b.name,
                    Review.Status(b.self_status).label if b.self_status else _("未开始"),
                    b.self_total if b.self_status else None,
                    Review.Status(b.review_status).label if b.review_status else _("未开始"),
                    b.review_total if b.review_status else None,
                    b.review_tier or "",
                )
                for b in branches
            ),
            widths=[24, 28, 14, 10, 14, 10, 10],
        )
    page = Paginator(branches, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/worklist.html",
        {
            "form": form,
            "page_obj": page,
            "kind": kind,
            "period": period,
            "query": query.urlencode(),
            "statuses": Review.Status,
        },
    )


@require_POST
def review_start(request):
    branch_pk = int_or_none(request.POST.get("branch"))
    if branch_pk is None:
        raise Http404
    branch = get_object_or_404(selectors.visible_branches(request.user), pk=branch_pk)
    kind = request.POST.get("kind")
    if kind not in Review.Kind.values:
        raise Http404
    access.require(access.can_start(request.user, branch, kind))
    form = forms.PeriodForm(request.POST)
    review = run_form(
        request,
        form,
        lambda data: services.review_start(
            branch=branch, kind=kind, user=request.user, **form.period_values()
        ),
        on_error=lambda exc: _errors(request, exc),
    )
    if review is NOT_DONE:
        for errors in form.errors.values():  # the form's own errors (the service's are flashed)
            for message in errors:
                messages.error(request, message)
        return redirect_back(request, "assessments:worklist")
    messages.success(request, _("已开始评审，系统已按现有数据预填自动计算项。"))
    return redirect(review)


# --- scoring page -------------------------------------------------------------------------


def _entries_from_post(post, review):
    entries = {}
    for item_id in review.scores.values_list("item_id", flat=True):
        if f"score-{item_id}" in post or f"veto-{item_id}" in post or f"comment-{item_id}" in post:
            entries[item_id] = {
                "score": post.get(f"score-{item_id}"),
                "comment": post.get(f"comment-{item_id}", ""),
                "reason": post.get(f"reason-{item_id}", ""),
                "veto": post.get(f"veto-{item_id}") == "on",
            }
    return entries


def review_detail(request, pk):
    review = access.get_review(request.user, pk)
    can_edit = access.can_edit(request.user, review)
    status = 200
    posted = {}
    if request.method == "POST":
        access.require(can_edit)
        entries = _entries_from_post(request.POST, review)
        try:
            services.review_save_scores(
                review=review, user=request.user, version=version_from(request), entries=entries
            )
        except ValidationError as exc:
            _errors(request, exc)
            posted = entries
            status = 409 if isinstance(exc, services.ReviewConflict) else 400
        else:
            messages.success(request, _("评分已保存。"))
            return redirect(review)
    page = selectors.review_for_page(review)
    for dimension in page["dimensions"]:
        for row in dimension["rows"]:
            row.posted = posted.get(row.item_id)
    return render(
        request,
        "assessments/review_detail.html",
        {
            "review": review,
            **page,
            "can_edit": can_edit,
            "can_decide": access.can_decide(request.user, review),
            "return_form": forms.ReturnForm(),
            "evidence_form": forms.EvidenceForm(edition=review.edition) if can_edit else None,
            "form_version": request.POST.get("version") if posted else review.version,
        },
        status=status,
    )


@require_POST
def review_action(request, pk, action):
    review = access.get_review(request.user, pk)
    try:
        if action == "submit":
            access.require(access.can_edit(request.user, review))
            entries = _entries_from_post(request.POST, review)
            if entries:  # the score form's own submit button: its edits are saved first
                try:
                    services.review_save_scores(
                        review=review,
                        user=request.user,
                        version=int(request.POST.get("version", 0)),
                        entries=entries,
                    )
                except ValidationError:
                    messages.error(request, _("评分未能保存，评审未提交。"))
                    raise
                review.refresh_from_db()
            services.review_submit(review=review, user=request.user)
            messages.success(request, _("评审已提交。"))
        elif action == "refresh":
            access.require(access.can_edit(request.user, review))
            count = services.review_refresh_rules(
                review=review, user=request.user, version=version_from(request)
            )
            messages.success(request, _("已按最新数据重新计算，%(n)d项得分有变化。") % {"n": count})
        elif action == "return":
            access.require(access.can_decide(request.user, review))
            services.review_return(review=review, user=request.user, comment=request.POST.get("comment"))
            messages.success(request, _("评审已退回。"))
        elif action == "finalize":
            access.require(access.can_decide(request.user, review))
            services.review_finalize(review=review, user=request.user)
            messages.success(request, _("评审已定稿，得分已锁定。"))
        else:
            raise Http404
    except ValidationError as exc:
        _errors(request, exc)
    return redirect(review)


@require_POST
def evidence_upload(request, pk):
    review = access.get_review(request.user, pk)
    access.require(access.can_edit(request.user, review))
    form = forms.EvidenceForm(request.POST, request.FILES, edition=review.edition)
    done = run_form(
        request,
        form,
        lambda data: services.evidence_add(
            review=review, item=data["item"], upload=data["file"], user=request.user
        ),
        on_error=lambda exc: _errors(request, exc),
    )
    if done is not NOT_DONE:
        messages.success(request, _("佐证材料已上传。"))
    elif form.errors:
        messages.error(request, _("请选择评分项和文件。"))
    return redirect(review)


def evidence_download(request, pk):
    doc = get_object_or_404(Evidence.objects.select_related("review"), pk=pk)
    access.get_review(request.user, doc.review_id)
    return uploads.serve(doc.file, filename=doc.original_name)


def review_history(request, pk):
    review = access.get_review(request.user, pk)
    page = Paginator(selectors.score_changes(review), 50).get_page(request.GET.get("page"))
    return render(request, "assessments/review_history.html", {"review": review, "page_obj": page})


def review_print(request, pk):
    review = access.get_review(request.user, pk)
    return render(
        request, "assessments/review_print.html", {"review": review, **selectors.review_for_page(review)}
    )


def review_export(request, pk):
    review = access.get_review(request.user, pk)
    page = selectors.review_for_page(review)
    rows = []
    for dimension in page["dimensions"]:
        for row in dimension["rows"]:
            rows.append(
                (
                    dimension["dimension"].name,
                    row.item.code,
                    row.item.requirement_text,
                    row.item.points,
                    row.item.get_mode_display(),
                    row.auto_score,
                    row.score,
                    (_("是") if row.veto_triggered else _("否")) if row.item.is_veto else "",
                    row.comment,
                    row.override_reason,
                )
            )
        rows.append(
            (
                dimension["dimension"].name,
                _("小计"),
                "",
                dimension["dimension"].max_points,
                "",
                "",
                dimension["total"],
                "",
                "",
                "",
            )
        )
    result = page["result"]
    rows.append(
        (
            _("合计"),
            "",
            "",
            review.edition.total_points,
            "",
            "",
            result.total,
            _("是") if result.vetoed else "",
            result.tier or "",
            "",
        )
    )
    scorers = "、".join(str(user) for user in review.scorers.all())
    return xlsx_response(
        _("评审表-%(branch)s-%(year)s.xlsx") % {"branch": review.branch.name, "year": review.year},
        title=_("评审表"),
        preamble=[
            (_("党支部"), review.branch.name),
            (_("年度"), review.period_label),
            (_("类型"), review.get_kind_display()),
            (_("评分人"), scorers),
            (_("状态"), review.get_status_display()),
        ],
        headers=[
            _("维度"),
            _("编号"),
            _("要求"),
            _("分值"),
            _("评分方式"),
            _("系统计算分"),
            _("得分"),
            _("一票否决"),
            _("评语"),
            _("调整理由"),
        ],
        rows=rows,
        widths=[14, 8, 60, 8, 12, 10, 8, 8, 30, 24],
        wrap=True,
    )


# --- secretary and rankings ---------------------------------------------------------------


def my_reviews(request):
    """The secretary's branches: self-assessments to file and finalized committee scores."""
    branches = list(selectors.visible_branches(request.user, Action.SUBMIT_REPORT)[:20])
    if not branches:
        raise Http404
    results = defaultdict(list)
    for review in selectors.branch_results(request.user, branches):
        results[review.branch_id].append(review)
    for branch in branches:
        branch.results = results[branch.pk]
    return render(
        request,
        "assessments/my_reviews.html",
        {
            "branches": branches,
            "period_form": forms.PeriodForm(),
            "self_kind": Review.Kind.SELF,
        },
    )


@staff_required
def rankings(request):
    units = list(selectors.units_for(request.user))
    form = forms.WorklistForm(request.GET or None, units=units)
    period = form.period_values()
    kind = (form.cleaned_data.get("kind") if form.is_valid() else None) or Review.Kind.UNIT
    page = Paginator(selectors.rankings(request.user, kind=kind, **period), 50).get_page(
        request.GET.get("page")
    )
    page.object_list = selectors.with_tiers(page.object_list)
    return render(request, "assessments/rankings.html", {"form": form, "page_obj": page, "period": period})
