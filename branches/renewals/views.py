"""Renewal pages: branch timeline and steps (secretary and staff), supervision list, renewal
calendar, postponement approvals, and the private iCalendar feed."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches import permissions, uploads
from branches.flow import NOT_DONE, run_form
from branches.http import version_from
from branches.models import Member, Organization, Postponement, Renewal, RenewalStep, Term
from branches.permissions import Action, branch_permission_required, staff_required
from branches.policy import policy_all

from . import export, forms, ical, ladder, selectors, services

Step = RenewalStep.Step
# Who records each step: the branch records its own papers, the higher organization decides.
STEP_URL = {
    Step.ELECTION: "renewals:election",
    Step.RESULTS_REPORT: "renewals:results",
    Step.SECRETARY_APPROVAL: "renewals:complete",
}
NEXT_STEP = {required: step for step, (required, _target) in services.TRANSITIONS.items()}


def _active_term(branch):
    term = Term.objects.filter(branch=branch, status=Term.Status.ACTIVE).first()
    if term is None:
        raise Http404
    return term


@branch_permission_required(Action.VIEW)
def branch_timeline(request, branch):
    """A branch's renewal timeline: countdown, ladder, steps, postponements, past terms."""
    if branch.kind not in (Organization.Kind.BRANCH, Organization.Kind.GENERAL_BRANCH):
        raise Http404
    today = timezone.localdate()
    values = policy_all()
    terms = selectors.branch_terms(branch)
    current = next((t for t in terms if t.status == Term.Status.ACTIVE), None)
    context = {"branch": branch, "terms": terms, "current": None}
    if current is not None:
        view = selectors.with_stages([current], today=today, values=values)[0]
        data = selectors.timeline(branch, current)
        renewal = data["renewal"]
        status = renewal.status if renewal else Renewal.Status.STARTED
        # A fresh term far from its deadline has nothing to do yet.
        next_step = NEXT_STEP.get(status) if renewal or view.stage else None
        offsets = ladder.Offsets.from_policy(values)
        sent = {r.stage: r for r in data["reminders"]}
        ladder_rows = [
            {
                "stage": stage,
                "label": ladder.Stage(stage).label,
                "due_on": due_on,
                "sent": sent.get(stage),
                "passed": due_on <= today,
            }
            for stage, due_on in sorted(ladder.due_dates(view.facts, offsets).items(), key=lambda i: i[1])
        ]
        context.update(
            current=view,
            ladder_rows=ladder_rows,
            next_step=next_step,
            next_step_label=Step(next_step).label if next_step else "",
            next_step_url=STEP_URL.get(next_step, "renewals:step-record"),
            can_next=next_step is not None
            and permissions.can(request.user, permissions.renewal_step_action(next_step), branch),
            can_request_postponement=permissions.can(request.user, Action.RECORD_ACTIVITY, branch),
            can_decide=permissions.can(request.user, Action.SUPERVISE, branch),
            can_return_request=renewal is not None
            and renewal.status == Renewal.Status.REQUEST_SUBMITTED
            and permissions.can(request.user, Action.SUPERVISE, branch),
            step_rows=[(step, data["steps"].get(step)) for step in Step],
            **data,
        )
    return render(request, "branches/renewals/timeline.html", context)


def _renewal_for(branch, step, user):
    """The active term's renewal, after checking the step's action on the branch."""
    if not permissions.can(user, permissions.renewal_step_action(step), branch):
        raise PermissionDenied
    term = _active_term(branch)
    try:
        return services.renewal_get_or_start(term=term)
    except ValidationError as exc:
        raise Http404 from exc


def _step_page(request, branch, renewal, step, form, extra=None):
    return _form_page(request, branch, form, Step(step).label, renewal=renewal, **(extra or {}))


def _form_page(request, branch, form, step_label, **extra):
    return render(
        request,
        "branches/renewals/step_form.html",
        {"branch": branch, "step_label": step_label, "form": form, **extra},
    )


def _submit(request, branch, form, call):
    """On a valid POST run ``call(cleaned_data)`` and go back to the timeline; a broken rule's
    messages go onto the form. None means: draw the page (again)."""
    if run_form(request, form, lambda data: call(data) or True) is NOT_DONE:
        return None
    messages.success(request, _("已保存。"))
    return redirect("renewals:branch-timeline", branch.pk)


@branch_permission_required(Action.VIEW)
def step_record(request, branch, step):
    if step not in services.SIMPLE_STEPS:
        raise Http404
    renewal = _renewal_for(branch, step, request.user)
    form = forms.StepForm(request.POST or None, request.FILES or None, initial={"version": renewal.version})
    done = _submit(
        request,
        branch,
        form,
        lambda data: services.renewal_step_record(
            renewal=renewal,
            step=step,
            user=request.user,
            version=data["version"],
            done_on=data["done_on"],
            document=data["document"],
            note=data["note"],
        ),
    )
    if done:
        return done
    return _step_page(request, branch, renewal, step, form)


@branch_permission_required(Action.VIEW)
def election_record(request, branch):
    renewal = _renewal_for(branch, Step.ELECTION, request.user)
    members = Member.objects.filter(branch=branch, state=Member.State.ACTIVE, status=Member.Status.FULL)
    form = forms.ElectionForm(
        request.POST or None, request.FILES or None, members=members, initial={"version": renewal.version}
    )
    done = _submit(
        request,
        branch,
        form,
        lambda data: services.renewal_election_record(
            renewal=renewal,
            user=request.user,
            version=data["version"],
            held_on=data["held_on"],
            expected_voters=data["expected_voters"],
            present_voters=data["present_voters"],
            ballots_issued=data["ballots_issued"],
            ballots_returned=data["ballots_returned"],
            seats=data["seats"],
            votes=form.votes(),
            document=data["document"],
            note=data["note"],
        ),
    )
    if done:
        return done
    return render(
        request,
        "branches/renewals/election_form.html",
        {
            "branch": branch,
            "renewal": renewal,
            "form": form,
            "min_quorum_note": _(
                "到会人数须不少于应到会人数的五分之四；当选须获得超过应到会人数半数的赞成票。"
            ),
        },
    )


@branch_permission_required(Action.VIEW)
def results_report(request, branch):
    renewal = _renewal_for(branch, Step.RESULTS_REPORT, request.user)
    if not hasattr(renewal, "election"):
        raise Http404
    form = forms.ResultsForm(
        request.POST or None,
        request.FILES or None,
        elected=renewal.election.elected_members(),
        initial={"version": renewal.version},
    )
    done = _submit(
        request,
        branch,
        form,
        lambda data: services.renewal_results_report(
            renewal=renewal,
            user=request.user,
            version=data["version"],
            done_on=data["done_on"],
            posts=form.posts(),
            document=data["document"],
            note=data["note"],
        ),
    )
    if done:
        return done
    return _step_page(request, branch, renewal, Step.RESULTS_REPORT, form, {"election": renewal.election})


@branch_permission_required(Action.VIEW)
def renewal_complete(request, branch):
    renewal = _renewal_for(branch, Step.SECRETARY_APPROVAL, request.user)
    if not hasattr(renewal, "election"):
        raise Http404
    form = forms.StepForm(request.POST or None, request.FILES or None, initial={"version": renewal.version})
    done = _submit(
        request,
        branch,
        form,
        lambda data: services.renewal_complete(
            renewal=renewal,
            user=request.user,
            version=data["version"],
            approved_on=data["done_on"],
            document=data["document"],
            note=data["note"],
        ),
    )
    if done:
        return done
    return _step_page(request, branch, renewal, Step.SECRETARY_APPROVAL, form, {"election": renewal.election})


@branch_permission_required(Action.RECORD_ACTIVITY)
def postponement_request(request, branch):
    term = _active_term(branch)
    form = forms.PostponementForm(request.POST or None)
    done = _submit(
        request,
        branch,
        form,
        lambda data: services.postponement_request(term=term, user=request.user, **data),
    )
    if done:
        return done
    help_text = _("延期或提前换届须经上级党组织批准，累计一般不超过 %(m)d 个月。") % {
        "m": policy_all()["renewal.postponement_max_months"]
    }
    return _form_page(request, branch, form, _("申请延期或提前换届"), help=help_text)


def postponement_decide(request, pk):
    postponement = permissions.get_object_for_user(
        Postponement.objects.select_related("term__branch", "requested_by"),
        user=request.user,
        action=Action.SUPERVISE,
        org_field="term__branch",
        pk=pk,
    )
    branch = postponement.term.branch
    form = forms.DecisionForm(request.POST or None)
    done = _submit(
        request,
        branch,
        form,
        lambda data: services.postponement_decide(postponement=postponement, user=request.user, **data),
    )
    if done:
        return done
    return _form_page(request, branch, form, _("审批延期/提前换届申请"), postponement=postponement)


@staff_required
def postponement_list(request):
    page = Paginator(selectors.pending_postponements(request.user), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "branches/renewals/postponement_list.html",
        {
            "page_obj": page,
            "renewals": selectors.pending_renewal_steps(request.user),
        },
    )


def _with_deadlines(rows):
    """Attach the supervision deadline and the latest reminder with its acknowledgement."""
    terms = [row.term for row in rows]
    deadlines = selectors.supervision_deadlines(terms)
    latest = selectors.latest_reminders(terms)
    for row in rows:
        row.supervision_deadline = deadlines.get(row.term.pk)
        stage, row.acknowledged = latest.get(row.term.pk, (None, None))
        row.last_reminder = ladder.Stage(stage).label if stage else ""
    return rows


@staff_required
def supervision_list(request):
    """Urgent, overdue, supervised and violating branches in the viewer's scope."""
    today = timezone.localdate()
    values = policy_all()
    state = request.GET.get("state", "")
    state = state if state in selectors.SUPERVISION_FILTERS else ""
    q = request.GET.get("q", "").strip()
    terms = selectors.supervision_list(request.user, today=today, state=state, q=q, values=values)
    if request.GET.get("format") == "xlsx":
        return export.supervision_response(
            _with_deadlines(selectors.with_stages(terms, today=today, values=values)), today=today
        )
    page = Paginator(terms, 25).get_page(request.GET.get("page"))
    rows = _with_deadlines(selectors.with_stages(page.object_list, today=today, values=values))
    filters = [
        ("", _("全部")),
        ("urgent", _("即将届满")),
        ("overdue", _("已超期")),
        ("supervision", _("督办中")),
        ("violation", _("超期一年")),
        ("postponed", _("已批准延期")),
    ]
    return render(
        request,
        "branches/renewals/supervision_list.html",
        {
            "page_obj": page,
            "rows": rows,
            "state": state,
            "q": q,
            "filters": filters,
            "counts": selectors.supervision_counts(request.user, today=today, values=values),
        },
    )


@staff_required
def renewal_calendar(request):
    """Renewal deadlines in the next 12 months in the viewer's scope, by month."""
    today = timezone.localdate()
    months = selectors.calendar_months(request.user, today=today)
    selected = None
    raw = request.GET.get("month", "")
    if raw:
        try:
            selected = date.fromisoformat(f"{raw}-01")
        except ValueError as exc:
            raise Http404 from exc
        if not 2000 <= selected.year <= 2100:
            raise Http404
    selected = selected or next((start for start, count in months if count), months[0][0])
    page = Paginator(selectors.calendar_terms(request.user, month_start=selected), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "branches/renewals/calendar.html",
        {
            "months": months,
            "selected": selected,
            "page_obj": page,
            "rows": selectors.with_stages(page.object_list, today=today),
        },
    )


def calendar_subscribe(request):
    """Shows the user's private feed address; POST replaces the token."""
    if request.method == "POST":
        token = services.calendar_token_rotate(user=request.user)
        messages.success(request, _("已生成新的订阅地址，旧地址已失效。"))
    else:
        token = services.calendar_token_get(user=request.user)
    url = request.build_absolute_uri(reverse("renewals:feed", args=[token.token]))
    return render(request, "branches/renewals/calendar_subscribe.html", {"feed_url": url})


@login_not_required
def calendar_feed(request, token):
    """iCalendar feed of the token owner's terms; the token is the only credential."""
    owner = permissions.calendar_feed_owner(token)
    today = timezone.localdate()
    terms = selectors.feed_terms(owner, today=today)
    body = ical.render_feed(
        terms=terms,
        offsets=ladder.Offsets.from_policy(policy_all()),
        supervision=selectors.supervision_deadlines(terms),
        base_url=request.build_absolute_uri("/").rstrip("/"),
        now=timezone.now(),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="renewals.ics"'
    return response


def step_document(request, pk):
    """Renewal documents are served only to viewers of their branch, never as public media."""
    step = permissions.get_object_for_user(
        RenewalStep.objects.select_related("renewal__term__branch").exclude(document=""),
        user=request.user,
        action=Action.VIEW,
        org_field="renewal__term__branch",
        pk=pk,
    )
    stored = step.document.name.rsplit("/", 1)[-1]
    # Stored as "<token>_<name>.<ext>" (branches/uploads.py); offer the name without the token.
    return uploads.serve(step.document, filename=stored.split("_", 1)[-1])


@require_POST
@branch_permission_required(Action.SUPERVISE)
def request_return(request, branch):
    """Staff send the renewal request (请示) back to the branch with a reason."""
    renewal = get_object_or_404(Renewal, term__branch=branch, term__status=Term.Status.ACTIVE)
    try:
        services.renewal_request_return(
            renewal=renewal,
            user=request.user,
            version=version_from(request),
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("已退回换届请示。"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("renewals:branch-timeline", branch.pk)
