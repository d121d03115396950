"""Organization browser, branch pages, roster, terms and posts (thin views over services)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, checks, exportjobs, exports, permissions, selectors, services
from .flow import run_form
from .forms import (
    DateForm,
    MemberFilter,
    MemberForm,
    OrganizationForm,
    OrganizationMoveForm,
    PostForm,
    TermForm,
)
from .home import org_panels_for
from .models import Member, Organization, Post, Term
from .permissions import Action, branch_permission_required, get_object_for_user
from .policy import policy_all

Kind = Organization.Kind
PAGE_SIZE = 25


def _reverse_by_pk(viewname):
    """``reverse(viewname, args=[pk])`` for many pks at the cost of one reversal."""
    marker = 987654321
    head, tail = reverse(viewname, args=[marker]).rsplit(str(marker), 1)
    return lambda pk: f"{head}{pk}{tail}"


def _tree_rows(nodes):
    """What each node's line in the tree shows, as plain dicts computed once per level: a
    province root opens with its 124 units, and URL reversal, translation lookups, number
    formatting and model-attribute lookups per node in the template were three quarters of
    the page. ``children`` is empty (they load on demand) unless the caller fills it. The
    failing-check counts come from ``_failing_by_org`` (constant queries).
    """
    detail_url = _reverse_by_pk("branches:org-detail")
    children_url = _reverse_by_pk("branches:org-children")
    kind_labels = {value: str(label) for value, label in Kind.choices}
    expand, members, below = _("展开 %(name)s"), _("党员 %(n)s 人"), _("下级 %(n)s 个")
    errors, to_improve = _("%(n)s 项错误"), _("%(n)s 项待改进")
    _failing_by_org(nodes)
    rows = []
    for node in nodes:
        if node.kind == Kind.BRANCH:
            count_label = members % {"n": node.member_count}
        else:
            count_label = below % {"n": node.child_count} if node.child_count else ""
        rows.append(
            {
                "pk": node.pk,
                "name": node.name,
                "url": detail_url(node.pk),
                "kind_label": kind_labels[node.kind],
                "count_label": count_label,
                "errors_label": errors % {"n": node.failing_errors} if node.failing_errors else "",
                "to_improve_label": to_improve % {"n": node.failing_other} if node.failing_other else "",
                "children_id": f"org-children-{node.pk}",
                "children_url": children_url(node.pk) if node.child_count else "",
                "expand_label": expand % {"name": node.name},
                "children": [],
            }
        )
    return rows


def _failing_by_org(orgs):
    """Attach ``failing`` / ``failing_errors`` counts (constant queries) and return the facts."""
    facts = checks.collect_facts(orgs)
    counts = checks.failing_counts(checks.run_checks(orgs, facts=facts))
    for org in orgs:
        org.failing, org.failing_errors = counts.get(org.pk, (0, 0))
        org.failing_other = org.failing - org.failing_errors
        org.facts = facts.get(org.pk)
    return facts


def _form_flow(request, form, save, *, title, back, **page):
    """Validate ``form``, then ``save(cleaned_data)`` -> (message, redirect target) via a service.

    A business rule the service refuses (ValidationError) is shown on the form in Chinese.
    """
    done = run_form(request, form, save)
    if done:
        message, target = done
        messages.success(request, message)
        return redirect(target)
    return render(
        request,
        "branches/form_page.html",
        {
            "form": form,
            "title": title,
            "back": back,
            "submit": page.get("submit") or _("保存"),
            "confirm": page.get("confirm"),
            "intro": page.get("intro"),
            "danger": page.get("danger", False),
            "reload": page.get("reload"),
        },
    )


# --- browsing -------------------------------------------------------------------------------------


def org_tree(request):
    query = request.GET.get("q", "").strip()
    if query:
        page = Paginator(selectors.org_search(request.user, query), 50).get_page(request.GET.get("page"))
        return render(request, "branches/org_tree.html", {"query": query, "page_obj": page})
    roots = selectors.scope_roots(request.user)
    children = [selectors.org_children(request.user, root) for root in roots]
    rows = _tree_rows(roots + [child for level in children for child in level])
    # The top of the user's scope opens expanded; deeper levels load on demand (htmx).
    root_rows, child_rows = rows[: len(roots)], iter(rows[len(roots) :])
    for row, level in zip(root_rows, children, strict=True):
        row["children"] = [next(child_rows) for _child in level]
    return render(request, "branches/org_tree.html", {"roots": root_rows})


@branch_permission_required(Action.VIEW)
def org_children(request, organization):
    rows = _tree_rows(selectors.org_children(request.user, organization))
    return render(request, "branches/_org_nodes.html", {"nodes": rows})


@branch_permission_required(Action.VIEW)
def org_detail(request, organization):
    today = timezone.localdate()
    policy = policy_all()
    facts = checks.collect_facts([organization])
    results = checks.run_checks([organization], today, policy=policy, facts=facts)[organization.pk]
    fact = facts[organization.pk]
    context = {
        "org": organization,
        "fact": fact,
        "results": results,
        "failing": checks.failing(results),
        "today": today,
        "history": audit.organization_history(organization),
        "can_edit_org": permissions.can(request.user, Action.EDIT_ORG, organization),
        "can_edit_members": permissions.can(request.user, Action.EDIT_MEMBERS, organization),
        "can_manage_terms": permissions.can(request.user, Action.MANAGE_TERMS, organization),
        "can_export": permissions.can(request.user, Action.EXPORT, organization),
        "org_panels": org_panels_for(request, organization),
        "can_import": permissions.can(request.user, Action.IMPORT, organization),
    }
    if organization.kind in (Kind.BRANCH, Kind.GENERAL_BRANCH):
        context["cells"] = selectors.branch_cells(organization)
        context["posts"] = sorted(
            fact.posts, key=lambda p: (p.ended_on is not None, checks.ROLE_ORDER[p.role], p.started_on)
        )
        if fact.term:
            context["days_left"] = fact.term.days_to_expiry(today)
            context["overdue_days"] = -context["days_left"]
    if organization.kind == Kind.PARTY_CELL:
        context["cell_members"] = selectors.members_for(request.user, organization).filter(
            state=Member.State.ACTIVE
        )
    elif organization.kind != Kind.BRANCH:
        if organization.kind == Kind.WORK_COMMITTEE:
            rows = selectors.org_children(request.user, organization)
        else:
            rows = selectors.unit_branches(request.user, organization)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        _failing_by_org(list(page.object_list))
        context["page_obj"] = page
    return render(request, "branches/org_detail.html", context)


# --- organization edits ---------------------------------------------------------------------------


@branch_permission_required(Action.EDIT_ORG)
def org_create(request, organization):
    def save(data):
        created = services.organization_create(parent=organization, **data)
        return _("已创建：%(name)s") % {"name": created.name}, created

    return _form_flow(
        request,
        OrganizationForm(request.POST or None, parent=organization),
        save,
        title=_("在 %(parent)s 下新建组织") % {"parent": organization.name},
        back=organization.get_absolute_url(),
    )


@branch_permission_required(Action.EDIT_ORG)
def org_edit(request, organization):
    form = OrganizationForm(request.POST or None, instance=organization)

    def save(data):
        changed = {name: data[name] for name in form.changed_data}
        services.organization_update(organization=organization, **changed)
        return _("已保存组织信息。"), organization

    return _form_flow(
        request,
        form,
        save,
        title=_("编辑 %(name)s") % {"name": organization.name},
        back=organization.get_absolute_url(),
    )


@branch_permission_required(Action.EDIT_ORG)
def org_move(request, organization):
    """Move a node (and everything below it) under another parent in the mover's scope."""
    if organization.parent_id is None:
        raise Http404
    form = OrganizationMoveForm(
        request.POST or None,
        organization=organization,
        candidates=permissions.orgs_in_scope(request.user, Action.EDIT_ORG),
    )

    def save(data):
        moved = services.organization_move(
            organization=organization, new_parent=data["new_parent"], user=request.user
        )
        return _("已将 %(name)s 移动到 %(parent)s 之下。") % {
            "name": moved.name,
            "parent": data["new_parent"].name,
        }, moved

    return _form_flow(
        request,
        form,
        save,
        title=_("移动 %(name)s") % {"name": organization.name},
        back=organization.get_absolute_url(),
        submit=_("移动"),
        intro=_(
            "该组织及其全部下级组织、党员将一并移到新的上级组织之下；"
            "原所属单位的工作人员将不再能查看或管理它们。当前上级组织：%(parent)s。"
        )
        % {"parent": organization.parent.name},
        confirm=_("确定移动该组织及其全部下级组织吗？"),
    )


# --- roster ---------------------------------------------------------------------------------------


def _member_filter(request, organization):
    return _roster_filter(request.user, request.GET, organization)


def _roster_filter(user, query, organization):
    """The roster's filter for ``user`` over ``query`` (a QueryDict: the list's GET)."""
    data = query.copy()
    data.setdefault("state", Member.State.ACTIVE)  # the roster shows members on the books
    cells = selectors.cells_for(user, organization) if organization else None
    units = branches = None
    if organization is None:
        # The scope-wide roster: filter by unit, then by one of the chosen unit's branches.
        in_scope = permissions.orgs_in_scope(user).filter(is_active=True).order_by("path")
        units = in_scope.filter(kind=Kind.UNIT_COMMITTEE)
        unit_id = data.get("unit", "")
        branches = (
            in_scope.filter(kind=Kind.BRANCH, unit_id=unit_id) if unit_id.isdigit() else in_scope.none()
        )
    return MemberFilter(
        data,
        queryset=selectors.members_for(user, organization),
        cells=cells,
        units=units,
        branches=branches,
    )


def member_list(request, org_id=None):
    organization = None
    if org_id is not None:
        organization = get_object_for_user(
            Organization.objects.all(), user=request.user, action=Action.VIEW, pk=org_id
        )
    member_filter = _member_filter(request, organization)
    page = Paginator(member_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "branches/member_list.html",
        {
            "org": organization,
            "filter": member_filter,
            "page_obj": page,
            "can_add": organization is not None
            and organization.kind == Kind.BRANCH
            and permissions.can(request.user, Action.EDIT_MEMBERS, organization),
        },
    )


@exportjobs.register("roster")
def roster_export(user, params):
    """The roster download for ``user``: ``params`` = {"org": id or None, "query": the list's
    query string}. Large rosters become export jobs (``branches.exportjobs``)."""
    organization = None
    if params.get("org") is not None:
        organization = get_object_for_user(
            Organization.objects.all(), user=user, action=Action.EXPORT, pk=params["org"]
        )
    member_filter = _roster_filter(user, QueryDict(params.get("query", "")), organization)
    members = member_filter.qs.filter(permissions.scope_q(user, Action.EXPORT, "branch__"))
    title = _("%(name)s 党员名册") % {"name": organization.name if organization else _("管辖范围")}
    return exportjobs.Export(
        filename=f"{title}.xlsx",
        title=title,
        count=members.count(),
        sheet=lambda: exports.roster_sheet(members, title=title),
    )


def member_export(request, org_id=None):
    return exportjobs.respond(request, "roster", {"org": org_id, "query": request.GET.urlencode()})


def _member_for(request, pk, action):
    return get_object_for_user(
        Member.objects.select_related("branch", "branch__unit", "cell"),
        user=request.user,
        action=action,
        org_field="branch",
        pk=pk,
    )


def member_detail(request, pk):
    member = _member_for(request, pk, Action.VIEW)
    return render(
        request,
        "branches/member_detail.html",
        {
            "member": member,
            "history": audit.member_history(member),
            "posts": member.posts.select_related("term").order_by("-started_on"),
            "can_edit": permissions.can(request.user, Action.EDIT_MEMBERS, member.branch),
        },
    )


@branch_permission_required(Action.EDIT_MEMBERS)
def member_create(request, organization):
    def save(data):
        member = services.member_create(branch=organization, **data)
        return _("已添加党员：%(name)s") % {"name": member.name}, member

    return _form_flow(
        request,
        MemberForm(request.POST or None, branch=organization),
        save,
        title=_("%(branch)s · 添加党员") % {"branch": organization.name},
        back=organization.get_absolute_url(),
    )


def member_edit(request, pk):
    member = _member_for(request, pk, Action.EDIT_MEMBERS)
    form = MemberForm(request.POST or None, instance=member, branch=member.branch)

    def save(data):
        changed = {name: data[name] for name in form.changed_data if name != "version"}
        saved = services.member_update(member=member, expected_version=data["version"], **changed)
        return _("已保存党员信息。"), saved

    return _form_flow(
        request,
        form,
        save,
        title=_("编辑党员：%(name)s") % {"name": member.name},
        back=member.get_absolute_url(),
        reload=request.path,
    )


# --- terms and posts ------------------------------------------------------------------------------


@branch_permission_required(Action.MANAGE_TERMS)
def term_start(request, organization):
    current = selectors.active_term(organization)
    form = TermForm(request.POST or None, initial={"length_years": policy_all()["term.default_length_years"]})

    def save(data):
        term = services.term_start(branch=organization, **data)
        return _("已开始新一届任期，届满日期 %(day)s。") % {"day": term.ends_on}, organization

    page = {}
    if current is not None:
        page = {
            "intro": _("当前届次（%(start)s 选举）将在新一届选举日结束，其全部职务同时离任。")
            % {"start": current.elected_on},
            "confirm": _("确定开始新一届并结束当前届次吗？"),
        }
    return _form_flow(
        request,
        form,
        save,
        title=_("%(name)s · 开始新一届") % {"name": organization.name},
        back=organization.get_absolute_url(),
        submit=_("开始新一届"),
        **page,
    )


def _term_for(request, pk):
    return get_object_for_user(
        Term.objects.select_related("branch"),
        user=request.user,
        action=Action.MANAGE_TERMS,
        org_field="branch",
        pk=pk,
    )


def _post_for(request, pk):
    return get_object_for_user(
        Post.objects.select_related("term", "term__branch", "member"),
        user=request.user,
        action=Action.MANAGE_TERMS,
        org_field="term__branch",
        pk=pk,
    )


def term_close(request, pk):
    term = _term_for(request, pk)

    def save(data):
        services.term_close(term=term, closed_on=data["day"])
        return _("已结束该届次。"), term.branch

    return _form_flow(
        request,
        DateForm(request.POST or None, label=_("结束日期")),
        save,
        title=_("结束届次：%(term)s") % {"term": term},
        back=term.branch.get_absolute_url(),
        submit=_("结束届次"),
        danger=True,
        intro=_("结束后本届所有在任职务将同时离任，此操作不能撤销。"),
        confirm=_("确定结束该届次吗？"),
    )


def post_assign(request, term_id):
    term = _term_for(request, term_id)

    def save(data):
        post = services.post_assign(term=term, **data)
        return _("已任命：%(post)s") % {"post": post}, term.branch

    form = PostForm(
        request.POST or None,
        members=selectors.eligible_members(term.branch),
        initial={"started_on": term.elected_on},
    )
    return _form_flow(
        request,
        form,
        save,
        title=_("%(name)s · 任命职务") % {"name": term.branch.name},
        back=term.branch.get_absolute_url(),
        submit=_("任命"),
    )


def post_end(request, pk):
    post = _post_for(request, pk)

    def save(data):
        services.post_end(post=post, ended_on=data["day"])
        return _("已办理离任：%(post)s") % {"post": post}, post.term.branch

    return _form_flow(
        request,
        DateForm(request.POST or None, label=_("离任日期")),
        save,
        title=_("办理离任：%(post)s") % {"post": post},
        back=post.term.branch.get_absolute_url(),
        submit=_("确认离任"),
        danger=True,
        intro=_("离任后该职务将显示为空缺，需及时补选。"),
        confirm=_("确定办理 %(post)s 离任吗？") % {"post": post},
    )


def post_approve(request, pk):
    post = _post_for(request, pk)

    def save(data):
        services.post_approve(post=post, approved_on=data["day"])
        return _("已记录上级批准：%(post)s") % {"post": post}, post.term.branch

    return _form_flow(
        request,
        DateForm(request.POST or None, label=_("上级批准日期")),
        save,
        title=_("记录上级批准：%(post)s") % {"post": post},
        back=post.term.branch.get_absolute_url(),
        submit=_("记录批准"),
    )
