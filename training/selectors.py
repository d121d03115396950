"""Scoped reads: coverage metrics (domain.md §9.2), drill-down lists and a member's hours.

Every metric is one grouped query over the viewer's scope, keyed by unit or by branch, so
a page costs the same number of queries for 4 units or 124. Hours come from the
MemberYearHours roll-up (one row per member, year and tier).
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from branches import permissions
from branches.models import Member, Organization, Post, Term
from branches.permissions import Action
from branches.policy import policy_all

from .models import CONCENTRATED_TIERS, Attendance, MemberYearHours, Tier, TrainingEvent

METRICS = (
    ("secretary_rotation_coverage", _("书记年度轮训覆盖率")),
    ("new_secretary_induction_on_time", _("新任书记6个月内任职培训率")),
    ("committee_hours_compliance", _("支委委员学时达标率")),
    ("member_hours_compliance", _("党员学时达标率")),
    ("standard_training_coverage", _("书记参加标准化专题培训的支部占比")),
    ("provincial_cycle_coverage", _("书记按周期参加省级培训覆盖率")),
)
CYCLE_KEY = "training.provincial_cycle_years"


def metric_columns(policy):
    """METRICS with the provincial cycle's label naming its N (for table headers)."""
    years = policy[CYCLE_KEY]
    cycle_label = ngettext("近%(n)d年参加过省级培训的书记占比", "近%(n)d年参加过省级培训的书记占比", years)
    return tuple(
        (name, label if name != "provincial_cycle_coverage" else cycle_label % {"n": years})
        for name, label in METRICS
    )


def cycle_window(year, today, years):
    """(first day, last day) of the provincial cycle for coverage ``year``, both included.

    The window ends on the reference day — ``today`` for the current (or a future) year,
    31 December for a past year — and starts on the same calendar day ``years`` years earlier
    (29 February → 28 February): training that ended exactly N years before the reference day
    counts, one day earlier does not.
    """
    end = today if year >= today.year else date(year, 12, 31)
    try:
        start = end.replace(year=end.year - years)
    except ValueError:
        start = end.replace(year=end.year - years, day=28)
    return start, end


def provincial_trained_members(year, today, years):
    """Members who attended a provincial-tier training ending within the cycle window
    (a subquery: the page's queries use it as ``member_id IN (…)``, hashed once)."""
    start, end = cycle_window(year, today, years)
    return Attendance.objects.filter(
        status=Attendance.Status.ATTENDED,
        event__tier=Tier.PROVINCIAL,
        event__end_on__gte=start,
        event__end_on__lte=end,
    ).values("member_id")


@dataclass
class Ratio:
    met: int = 0
    total: int = 0

    @property
    def value(self):
        return self.met / self.total if self.total else None

    @property
    def percent(self):
        value = self.value
        return None if value is None else round(100 * value, 1)

    @property
    def missing(self):
        return self.total - self.met


@dataclass
class CoverageRow:
    org: Organization
    metrics: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.__dict__["metrics"][name]
        except KeyError:
            raise AttributeError(name) from None


def _tier_key(tier):
    return tier if tier in Tier.values else MemberYearHours.ALL


def _hours_relation(prefix, year, tier):
    return FilteredRelation(
        f"{prefix}training_years",
        condition=Q(
            **{f"{prefix}training_years__year": year, f"{prefix}training_years__tier": _tier_key(tier)}
        ),
    )


def current_secretary_posts():
    return Post.objects.filter(
        role=Post.Role.SECRETARY,
        ended_on__isnull=True,
        term__status=Term.Status.ACTIVE,
        term__branch__is_active=True,
    )


def _induction_attended(year_tier, days):
    """Exists: the post's member attended a concentrated training within ``days`` of starting."""
    events = Q(event__tier__in=CONCENTRATED_TIERS)
    if year_tier in Tier.values:
        events &= Q(event__tier=year_tier)
    return Exists(
        Attendance.objects.filter(
            events,
            member_id=OuterRef("member_id"),
            status=Attendance.Status.ATTENDED,
            event__end_on__gte=OuterRef("started_on"),
            event__end_on__lte=OuterRef("started_on") + Value(timedelta(days=days)),
        )
    )


def first_secretary_posts():
    """Secretary posts whose member held no earlier secretary post: the "new secretaries"."""
    earlier = Post.objects.filter(
        member_id=OuterRef("member_id"), role=Post.Role.SECRETARY, started_on__lt=OuterRef("started_on")
    )
    return Post.objects.filter(role=Post.Role.SECRETARY).exclude(Exists(earlier))


def _induction(branch_ids, post_key, year, tier, today, days):
    """[(key, on time, counted)] for secretary posts started in ``year``: three plain queries
    (the posts, earlier secretary posts of the same people, their concentrated training)
    joined here, which stays fast where one correlated query makes the planner struggle."""
    posts = list(
        Post.objects.filter(role=Post.Role.SECRETARY, term__branch__in=branch_ids, started_on__year=year)
        .order_by()
        .values_list("pk", "member_id", "started_on", post_key)
    )
    member_ids = {member_id for _pk, member_id, _s, _k in posts}
    first_start: dict[int, date] = {}
    for member_id, started_on in (
        Post.objects.filter(role=Post.Role.SECRETARY, member_id__in=member_ids)
        .order_by()
        .values_list("member_id", "started_on")
    ):
        first_start[member_id] = min(started_on, first_start.get(member_id, started_on))
    events = Q(event__tier__in=CONCENTRATED_TIERS)
    if tier in Tier.values:
        events &= Q(event__tier=tier)
    trained: dict[int, list[date]] = {}
    for member_id, end_on in (
        Attendance.objects.filter(
            events, member_id__in=member_ids, status=Attendance.Status.ATTENDED, event__end_on__year__gte=year
        )
        .order_by()
        .values_list("member_id", "event__end_on")
    ):
        trained.setdefault(member_id, []).append(end_on)
    counts: dict[int, tuple[int, int]] = {}
    for _pk, member_id, started_on, key_id in posts:
        if first_start[member_id] < started_on:
            continue  # held a secretary post before: not new
        on_time = any(
            started_on <= day <= started_on + timedelta(days=days) for day in trained.get(member_id, ())
        )
        if not on_time and started_on >= today - timedelta(days=days):
            continue  # window still open
        met, total = counts.get(key_id, (0, 0))
        counts[key_id] = (met + on_time, total + 1)
    return [(key_id, met, total) for key_id, (met, total) in counts.items()]


# Scopes with at least this many branches keep their figures in the cache, one entry per unit.
# A training write bumps the version of the units of the members written (so recorded
# attendance shows at once and only those units are recomputed); roster or committee changes
# made elsewhere show within COVERAGE_CACHE_SECONDS. bump_data_version() invalidates everything.
# A unit wholly in a viewer's scope is cached under a key without the scope, shared by every
# viewer, and the ``training-coverage-refresh`` beat task (refresh_coverage_cache) recomputes
# those entries every COVERAGE_REFRESH_SECONDS — well before they expire, and for the next day
# shortly before midnight — so no viewer waits for a province-wide computation.
COVERAGE_CACHE_FROM = 300
COVERAGE_CACHE_SECONDS = 300
COVERAGE_REFRESH_SECONDS = 120
# A (key, year, tier) seen by a large scope within this time is kept fresh by the refresh task.
COVERAGE_HOT_SECONDS = 24 * 3600
DATA_VERSION_KEY = "training:data-version"
EVER_VERSION_KEY = "training:ever-version"


def _incr(key):
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, None)


def bump_data_version():
    _incr(DATA_VERSION_KEY)


def unit_version_key(unit_id):
    return f"training:unit-version:{unit_id}"


def bump_unit_versions(unit_ids):
    """Training recorded for members of these units: their cached figures are recomputed on the
    next view, every other unit's stay cached."""
    for unit_id in sorted(set(unit_ids), key=str):
        _incr(unit_version_key(unit_id))
    _incr(EVER_VERSION_KEY)


def hot_key(key, year, tier):
    return f"training:coverage:hot:{key}:{year}:{tier}"


def coverage(*, branch_q, key, year, tier="", today, policy=None, refresh=False):
    """Metrics per key ("unit" or "branch") for branches matching ``branch_q`` (an Organization Q).

    Returns {key_id: {metric: Ratio}}: at most six queries whatever the number of branches, one
    (plus cache reads) when a large scope's figures are cached. Cached per unit: after a training
    write the same grouped queries run for the units whose version moved only. ``refresh``
    recomputes and stores every unit's figures whatever the cache holds (the refresh task).
    """
    policy = policy or policy_all()
    branches = Organization.objects.filter(branch_q, kind=Organization.Kind.BRANCH, is_active=True)
    branch_key = "unit_id" if key == "unit" else "pk"
    # 1. the active branches of every unit the scope touches, with how many of them are in the
    # scope (denominator of standard coverage): a unit wholly in scope shares its cache entry
    everywhere = Organization.objects.filter(kind=Organization.Kind.BRANCH, is_active=True).filter(
        Q(unit_id__in=branches.values("unit_id")) | (Q(branch_q) & Q(unit__isnull=True))
    )
    in_scope = Count("pk", filter=branch_q) if branch_q else Count("pk")
    rows = list(
        everywhere.values(k=F(branch_key), u=F("unit_id"))
        .annotate(n=in_scope, n_all=Count("pk"))
        .order_by()
        .values_list("k", "u", "n", "n_all")
    )
    branch_totals: dict[int, int] = {}
    by_unit: dict[int | None, list[tuple[int, int]]] = {}
    partial: set[int | None] = {None}  # branches without a unit are never shared
    for key_id, unit_id, n, n_all in rows:
        if n != n_all:
            partial.add(unit_id)
        if n:
            branch_totals[key_id] = branch_totals.get(key_id, 0) + n
            by_unit.setdefault(unit_id, []).append((key_id, n))

    if sum(branch_totals.values()) < COVERAGE_CACHE_FROM and not refresh:
        raw = _coverage(branches, branch_totals, key, year, tier, today, policy)
    else:
        raw = _cached_by_unit(branches, branch_q, by_unit, partial, key, year, tier, today, policy, refresh)
    return {
        key_id: {metric: Ratio(*pair) for metric, pair in metrics.items()} for key_id, metrics in raw.items()
    }


def _cached_by_unit(branches, branch_q, by_unit, partial, key, year, tier, today, policy, refresh):
    thresholds = [policy[k] for k in sorted(policy) if k.startswith("training.")]
    scope = hashlib.sha1(f"{branch_q}|{thresholds}".encode()).hexdigest()
    shared = hashlib.sha1(f"{thresholds}".encode()).hexdigest()
    version = cache.get(DATA_VERSION_KEY, 0)
    unit_versions = cache.get_many([unit_version_key(unit_id) for unit_id in by_unit])
    entry_keys = {}
    for unit_id, totals in by_unit.items():
        unit_version = unit_versions.get(unit_version_key(unit_id), 0)
        members = hashlib.sha1(str(sorted(totals)).encode()).hexdigest()
        whose = scope if unit_id in partial else f"unit-{shared}"
        entry_keys[unit_id] = (
            f"training:coverage:{version}:{unit_version}:{today}:{key}:{year}:{tier}:{whose}:{unit_id}:{members}"
        )
    hot = hot_key(key, year, tier)
    found = {} if refresh else cache.get_many([*entry_keys.values(), hot])
    if not refresh and hot not in found:
        cache.set(hot, True, COVERAGE_HOT_SECONDS)  # the refresh task keeps this view warm
    raw = {}
    missing = []
    for unit_id, entry_key in entry_keys.items():
        if entry_key in found:
            raw.update(found[entry_key])
        else:
            missing.append(unit_id)
    if missing:
        branches_missing = branches
        if len(missing) < len(entry_keys):
            in_missing = Q(unit_id__in=[unit_id for unit_id in missing if unit_id is not None])
            if None in missing:
                in_missing |= Q(unit_id__isnull=True)
            branches_missing = branches.filter(in_missing)
        part_totals = {key_id: n for unit_id in missing for key_id, n in by_unit[unit_id]}
        computed = _coverage(branches_missing, part_totals, key, year, tier, today, policy)
        cache.set_many(
            {
                entry_keys[unit_id]: {
                    key_id: computed[key_id] for key_id, _n in by_unit[unit_id] if key_id in computed
                }
                for unit_id in missing
            },
            COVERAGE_CACHE_SECONDS,
        )
        raw.update(computed)
    return raw


def refresh_coverage_cache(now=None):
    """Recompute the shared per-unit figures of every (key, year, tier) a large scope viewed in
    the last day, plus the coverage page's (units, this year, each tier filter), so that the
    entries a viewer reads never expire under them. Within COVERAGE_CACHE_SECONDS of midnight it
    also computes the next day's (the cache key carries the day). Idempotent; returns the
    number of (day, key, year, tier) computed."""
    now = timezone.localtime(now)
    days = [now.date()]
    midnight = timezone.make_aware(datetime.combine(now.date() + timedelta(days=1), time()))
    if (midnight - now).total_seconds() <= COVERAGE_CACHE_SECONDS:
        days.append(now.date() + timedelta(days=1))
    policy = policy_all()
    done = 0
    for today in days:
        candidates = [
            (key, year, tier)
            for key in ("unit", "branch")
            for year in year_choices(today)
            for tier in ("", *Tier.values)
        ]
        hot = cache.get_many([hot_key(*combo) for combo in candidates])
        for key, year, tier in candidates:
            if (key, year) == ("unit", today.year) or hot_key(key, year, tier) in hot:
                coverage(
                    branch_q=Q(), key=key, year=year, tier=tier, today=today, policy=policy, refresh=True
                )
                done += 1
    return done


def _coverage(branches, branch_totals, key, year, tier, today, policy):
    member_min = policy["training.member_min_hours"]
    committee_min = policy["training.committee_min_hours"]
    days = policy["training.induction_max_days"]
    out: dict[int, dict[str, tuple[int, int]]] = {}

    def put(key_id, metric, met, total):
        out.setdefault(key_id, {name: (0, 0) for name, _label in METRICS})[metric] = (met, total)

    post_key = "term__branch__unit_id" if key == "unit" else "term__branch_id"
    branch_ids = branches.values("pk")
    secretary = Q(role=Post.Role.SECRETARY)
    # the provincial cycle ignores the tier filter: it is about provincial training by definition
    cycle_trained = provincial_trained_members(year, today, policy[CYCLE_KEY])

    # 2. current committee posts: distinct members with ≥ 56 hours; among them the
    # secretaries with ≥ 1 concentrated session (rotation) and with training on the standard
    posts = (
        Post.objects.filter(
            ended_on__isnull=True, term__status=Term.Status.ACTIVE, term__branch__in=branch_ids
        )
        .annotate(yh=_hours_relation("member__", year, tier))
        .values(k=F(post_key))
        .annotate(
            total=Count("member_id", distinct=True),
            ok=Count("member_id", distinct=True, filter=Q(yh__hours__gte=committee_min)),
            secretaries=Count("pk", filter=secretary),
            rotated=Count("pk", filter=secretary & Q(yh__concentrated__gte=1)),
            standard=Count("term__branch_id", distinct=True, filter=secretary & Q(yh__standard=True)),
            cycle=Count("pk", filter=secretary & Q(member_id__in=cycle_trained)),
        )
        .order_by()
    )
    standard = {}
    for row in posts:
        put(row["k"], "committee_hours_compliance", row["ok"], row["total"])
        if row["secretaries"]:
            put(row["k"], "secretary_rotation_coverage", row["rotated"], row["secretaries"])
            put(row["k"], "provincial_cycle_coverage", row["cycle"], row["secretaries"])
        standard[row["k"]] = row["standard"]
    for key_id, total in branch_totals.items():
        put(key_id, "standard_training_coverage", standard.get(key_id, 0), total)

    # 3. members with ≥ 32 hours
    member_key = "branch__unit_id" if key == "unit" else "branch_id"
    members = (
        Member.objects.filter(state=Member.State.ACTIVE, branch__in=branch_ids)
        .annotate(yh=_hours_relation("", year, tier))
        .values(k=F(member_key))
        .annotate(total=Count("pk"), ok=Count("pk", filter=Q(yh__hours__gte=member_min)))
        .order_by()
    )
    for row in members:
        put(row["k"], "member_hours_compliance", row["ok"], row["total"])

    # 4–6. new secretaries who started this year: trained within the induction window. Those
    # whose window is still open and who are not trained yet are not counted either way.
    for key_id, met, total in _induction(branch_ids, post_key, year, tier, today, days):
        put(key_id, "new_secretary_induction_on_time", met, total)
    return out


def scope_branch_q(user, action=Action.SUPERVISE):
    """Coverage is a supervision view: branches the user supervises (a time-boxed VIEW grant,
    e.g. on a branch an observer visits, does not make its unit part of the user's coverage)."""
    return permissions.scope_q(user, action)


def unit_coverage(user, *, year, tier="", today, policy=None):
    """Rows per unit committee in the viewer's scope, plus the scope-wide totals."""
    results = coverage(
        branch_q=scope_branch_q(user), key="unit", year=year, tier=tier, today=today, policy=policy
    )
    units = Organization.objects.filter(pk__in=list(results)).order_by("path")
    rows = [CoverageRow(org=unit, metrics=results[unit.pk]) for unit in units]
    return rows, _totals(results.values())


def branch_coverage(user, parent, *, year, tier="", today, policy=None):
    """Rows per branch under ``parent`` (a unit or general branch) the viewer sees."""
    branch_q = scope_branch_q(user) & Q(path__startswith=parent.path)
    results = coverage(branch_q=branch_q, key="branch", year=year, tier=tier, today=today, policy=policy)
    branches = Organization.objects.filter(pk__in=list(results)).order_by("path")
    rows = [CoverageRow(org=branch, metrics=results[branch.pk]) for branch in branches]
    return rows, _totals(results.values())


def _totals(results):
    totals = {name: Ratio() for name, _label in METRICS}
    for metrics in results:
        for name, ratio in metrics.items():
            totals[name] = Ratio(totals[name].met + ratio.met, totals[name].total + ratio.total)
    return totals


def headline(user, *, year, today):
    """Share of grassroots organizations (branches) whose secretary was trained on the standard:
    this year, and ever (the current secretary attended such training in any year)."""
    branch_q = scope_branch_q(user)
    this_year = _totals(coverage(branch_q=branch_q, key="unit", year=year, today=today).values())[
        "standard_training_coverage"
    ]
    branches = Organization.objects.filter(branch_q, kind=Organization.Kind.BRANCH, is_active=True)

    def ever():
        trained_ever = MemberYearHours.objects.filter(
            member_id=OuterRef("member_id"), tier=MemberYearHours.ALL, standard=True
        )
        covered = (
            current_secretary_posts()
            .filter(Exists(trained_ever), term__branch__in=branches.values("pk"))
            .values("term__branch_id")
            .distinct()
            .count()
        )
        return covered

    if this_year.total < COVERAGE_CACHE_FROM:
        covered = ever()
    else:
        versions = cache.get_many([DATA_VERSION_KEY, EVER_VERSION_KEY])
        version = f"{versions.get(DATA_VERSION_KEY, 0)}.{versions.get(EVER_VERSION_KEY, 0)}"
        digest = hashlib.sha1(f"{branch_q}|{this_year.total}".encode()).hexdigest()
        covered = cache.get_or_set(f"training:ever:{version}:{today}:{digest}", ever, COVERAGE_CACHE_SECONDS)
    return {"year": this_year, "ever": Ratio(covered, this_year.total)}


# --- drill-down: the people missing -------------------------------------------------------------


def _hours_sq(year, tier):
    return Coalesce(
        MemberYearHours.objects.filter(
            member_id=OuterRef("member_id"), year=year, tier=_tier_key(tier)
        ).values("hours")[:1],
        Value(Decimal("0")),
    )


def missing_secretaries(branch_q, *, year, tier=""):
    """Current secretaries without a concentrated training this year."""
    return (
        current_secretary_posts()
        .filter(term__branch__in=Organization.objects.filter(branch_q).values("pk"))
        .annotate(yh=_hours_relation("member__", year, tier))
        .exclude(yh__concentrated__gte=1)
        .select_related("member", "term__branch")
        .order_by("term__branch__path", "member__name")
    )


def missing_cycle_secretaries(branch_q, *, year, today, policy=None):
    """Current secretaries without a provincial-tier training in the cycle window, with the
    end date of their last provincial training before its end (None: never)."""
    years = (policy or policy_all())[CYCLE_KEY]
    _start, end = cycle_window(year, today, years)
    last = (
        Attendance.objects.filter(
            member_id=OuterRef("member_id"),
            status=Attendance.Status.ATTENDED,
            event__tier=Tier.PROVINCIAL,
            event__end_on__lte=end,
        )
        .order_by("-event__end_on")
        .values("event__end_on")[:1]
    )
    return (
        current_secretary_posts()
        .filter(term__branch__in=Organization.objects.filter(branch_q).values("pk"))
        .exclude(member_id__in=provincial_trained_members(year, today, years))
        .annotate(last_provincial=Subquery(last))
        .select_related("member", "term__branch")
        .order_by("term__branch__path", "member__name")
    )


def missing_standard_branches(branch_q, *, year, tier=""):
    """Active branches whose current secretary did not attend training on the standard."""
    trained = MemberYearHours.objects.filter(
        member_id=OuterRef("member_id"), year=year, tier=_tier_key(tier), standard=True
    )
    branches = Organization.objects.filter(branch_q, kind=Organization.Kind.BRANCH, is_active=True)
    covered = (
        current_secretary_posts()
        .filter(Exists(trained), term__branch__in=branches.values("pk"))
        .values("term__branch_id")
    )
    return branches.exclude(pk__in=covered).select_related("unit").order_by("path")


def missing_committee(branch_q, *, year, tier="", policy=None):
    """Committee posts whose holder has fewer than the committee hours this year."""
    minimum = (policy or policy_all())["training.committee_min_hours"]
    return (
        Post.objects.filter(
            ended_on__isnull=True,
            term__status=Term.Status.ACTIVE,
            term__branch__in=Organization.objects.filter(branch_q).values("pk"),
        )
        .annotate(hours=_hours_sq(year, tier))
        .filter(hours__lt=minimum)
        .select_related("member", "term__branch")
        .order_by("term__branch__path", "member__name", "role")
    )


def late_new_secretaries(branch_q, *, year, tier="", today, policy=None):
    """New secretaries of this year not trained within the induction window (window closed)."""
    days = (policy or policy_all())["training.induction_max_days"]
    return (
        first_secretary_posts()
        .filter(
            term__branch__in=Organization.objects.filter(branch_q).values("pk"),
            started_on__year=year,
            started_on__lt=today - timedelta(days=days),
        )
        .annotate(on_time=_induction_attended(tier, days))
        .filter(on_time=False)
        .select_related("member", "term__branch")
        .order_by("started_on")
    )


def branch_members_hours(branch, *, year, tier="", policy=None):
    """Every active member of a branch with their hours, requirement and what is still missing."""
    policy = policy or policy_all()
    committee_ids = set(
        Post.objects.filter(
            ended_on__isnull=True, term__status=Term.Status.ACTIVE, term__branch=branch
        ).values_list("member_id", flat=True)
    )
    members = list(
        Member.objects.filter(branch=branch, state=Member.State.ACTIVE)
        .annotate(yh=_hours_relation("", year, tier))
        .annotate(
            hours=Coalesce(F("yh__hours"), Value(Decimal("0"))),
            sessions=Coalesce(F("yh__concentrated"), Value(0)),
            standard=Coalesce(F("yh__standard"), Value(False)),
        )
        .order_by("name", "pk")
    )
    for member in members:
        is_committee = member.pk in committee_ids
        required = policy["training.committee_min_hours" if is_committee else "training.member_min_hours"]
        # Per-row figures read by the template, set on the instance like annotations.
        figures = {
            "is_committee": is_committee,
            "required": required,
            "still_required": max(Decimal(required) - member.hours, Decimal("0")),
            "needs_session": is_committee and member.sessions < 1,
        }
        for name, value in figures.items():
            setattr(member, name, value)
    return members


def member_attendance(member, *, year):
    return (
        Attendance.objects.filter(member=member, event__end_on__year=year)
        .select_related("event", "event__organizer")
        .order_by("event__start_on")
    )


def event_list(user, *, year=None, tier=""):
    events = TrainingEvent.objects.filter(permissions.scope_q(user, Action.VIEW, "organizer__"))
    if year:
        events = events.filter(end_on__year=year)
    if tier in Tier.values:
        events = events.filter(tier=tier)

    def counted(**status):
        rows = Attendance.objects.filter(event=OuterRef("pk"), **status).order_by().values("event")
        return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)

    # Counted per row of the page only (subqueries), not by grouping every event in scope.
    return (
        events.select_related("organizer")
        .annotate(enrolled=counted(), attended=counted(status=Attendance.Status.ATTENDED))
        .order_by("-start_on", "-pk")
    )


def member_hours_by_year(member_ids, year, tier=""):
    """{member_id: hours} from the roll-up (for rules and the secretary's page)."""
    return dict(
        MemberYearHours.objects.filter(
            member_id__in=list(member_ids), year=year, tier=_tier_key(tier)
        ).values_list("member_id", "hours")
    )


def secretary_trained(branch_ids, *, start, end):
    """{branch_id: (secretary attended a concentrated training in [start, end], on the standard)}."""
    posts = list(
        current_secretary_posts()
        .filter(term__branch_id__in=list(branch_ids))
        .values_list("term__branch_id", "member_id")
    )
    attended = Attendance.objects.filter(
        member_id__in=[member for _b, member in posts],
        status=Attendance.Status.ATTENDED,
        event__tier__in=CONCENTRATED_TIERS,
        event__end_on__gte=start,
        event__end_on__lte=end,
    ).values_list("member_id", "event__is_standard")
    sessions, standard = set(), set()
    for member_id, is_standard in attended:
        sessions.add(member_id)
        if is_standard:
            standard.add(member_id)
    return {branch: (member in sessions, member in standard) for branch, member in posts}


def year_choices(today):
    return list(range(today.year, today.year - 4, -1))


def default_year(value, today):
    try:
        year = int(value)
    except (TypeError, ValueError):
        return today.year
    return year if 2000 <= year <= today.year + 1 else today.year


def branch_hours_compliance(branch_ids, *, year, minimum):
    """{branch_id: (members with ≥ ``minimum`` hours in ``year``, active members)} in one query."""
    rows = (
        Member.objects.filter(state=Member.State.ACTIVE, branch_id__in=list(branch_ids))
        .annotate(yh=_hours_relation("", year, ""))
        .values("branch_id")
        .annotate(total=Count("pk"), ok=Count("pk", filter=Q(yh__hours__gte=minimum)))
    )
    return {row["branch_id"]: (row["ok"], row["total"]) for row in rows}


# --- access: which events a user sees and for which organizations they organize ----------------
# (who may organize is ``branches.permissions.can_organize``; outside the organizer's view every
# training URL answers 404)


def organizer_choices(user):
    """Organizations the user may organize for: committees in their supervision scope and the
    branches where they record activities (their own branch for a secretary)."""
    committees = Q(permissions.scope_q(user, Action.SUPERVISE)) & ~Q(
        kind__in=[Organization.Kind.BRANCH, Organization.Kind.PARTY_CELL]
    )
    own_branches = Q(permissions.scope_q(user, Action.RECORD_ACTIVITY)) & Q(kind=Organization.Kind.BRANCH)
    return Organization.objects.filter(committees | own_branches, is_active=True).order_by("path")


def events_for(user):
    return TrainingEvent.objects.filter(permissions.scope_q(user, Action.VIEW, "organizer__"))


def get_event(user, pk, *, manage=False):
    """The event if the user sees its organizer (else 404); 403 when managing is not allowed."""
    event = permissions.get_object_for_user(
        TrainingEvent.objects.select_related("organizer"),
        user=user,
        action=Action.VIEW,
        org_field="organizer",
        pk=pk,
    )
    if manage and not permissions.can_organize(user, event.organizer):
        raise PermissionDenied
    return event
