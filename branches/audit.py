"""Readable change history (django-simple-history) for member and branch pages.

Each entry says who changed what and when, with "field: old → new" lines. Records are read in
a few queries (one per history table plus one per related model named in a change); the diff
of a record is taken against the previous record of the same object found in the window read.
"""

from dataclasses import dataclass, field

from django.db.models import ForeignKey
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Activity, Member, Organization, Post, Term

# Records read per history table; entries shown are the most recent ``limit`` of them all.
WINDOW = 200
SKIPPED_FIELDS = {"version", "path", "depth"}
ACTION_LABELS = {"+": gettext_lazy("创建"), "~": gettext_lazy("修改"), "-": gettext_lazy("删除")}


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: object
    who: str
    action: str
    subject: str
    changes: list = field(default_factory=list)
    reason: str = ""  # e.g. the spreadsheet import that made the change
    # The record's optimistic-locking version after this change (None: the model has none).
    version: int | None = None


def member_history(member, limit=30):
    records = member.history.select_related("history_user").order_by("-history_date", "-history_id")
    return _entries([(records[:WINDOW], _member_subject)], limit)


def organization_history(organization, limit=30):
    """Changes to the node itself, its terms and the posts of those terms."""
    sources = [
        (
            organization.history.select_related("history_user").order_by("-history_date"),
            lambda record: _("组织信息"),
        ),
        (
            Term.history.filter(branch_id=organization.pk)
            .select_related("history_user")
            .order_by("-history_date"),
            _term_subject,
        ),
        (
            Post.history.filter(term__branch_id=organization.pk)
            .select_related("history_user")
            .order_by("-history_date"),
            _post_subject,
        ),
    ]
    return _entries([(records[:WINDOW], subject) for records, subject in sources], limit)


def activity_history(activity, limit=30):
    """Creation, corrections and the (soft) deletion of one activity record."""
    records = Activity.history.filter(id=activity.pk).select_related("history_user").order_by("-history_date")
    return _entries([(records[:WINDOW], _activity_subject)], limit)


def _activity_subject(record):
    subject = _("活动记录 %(topic)s") % {"topic": record.topic}
    if record.history_change_reason and record.deleted_at:
        subject += _("（%(reason)s）") % {"reason": record.history_change_reason}
    return subject


def _member_subject(record):
    return _("党员 %(name)s") % {"name": record.name}


def _term_subject(record):
    return _("%(day)s 选举的届次") % {"day": record.elected_on}


def _post_subject(record):
    return _("职务：%(role)s") % {"role": Post.Role(record.role).label}


def _entries(sources, limit):
    rows = []
    for records, subject in sources:
        records = list(records)
        previous = _previous_records(records)
        rows.extend((record, previous.get(record.history_id), subject) for record in records)
    rows.sort(key=lambda row: row[0].history_date, reverse=True)
    rows = rows[:limit]
    names = _related_names(rows)
    entries = []
    for record, prev, subject in rows:
        entry = HistoryEntry(
            when=record.history_date,
            who=str(record.history_user) if record.history_user else _("系统"),
            action=str(ACTION_LABELS.get(record.history_type, ACTION_LABELS["~"])),
            subject=subject(record),
            reason=record.history_change_reason or "",
            version=getattr(record, "version", None),
        )
        if prev is not None and record.history_type == "~":
            entry.changes = _changes(record, prev, names)
            if not entry.changes:
                continue  # only bookkeeping fields (version, path) changed
        entries.append(entry)
    return entries


def _previous_records(records):
    """Map each record (newest first) to the next older record of the same object."""
    previous, newer = {}, {}
    for record in records:
        key = record.instance_type, record.id
        if key in newer:
            previous[newer[key].history_id] = record
        newer[key] = record
    return previous


def _tracked_fields(record):
    return [f for f in record.instance_type._meta.concrete_fields if f.name not in SKIPPED_FIELDS]


def _related_names(rows):
    """Names of organizations and members referenced by changed foreign keys (2 queries)."""
    wanted = {Organization: set(), Member: set()}
    for record, prev, _subject in rows:
        if prev is None:
            continue
        for model_field in _tracked_fields(record):
            if isinstance(model_field, ForeignKey) and model_field.related_model in wanted:
                for value in (getattr(record, model_field.attname), getattr(prev, model_field.attname)):
                    if value is not None:
                        wanted[model_field.related_model].add(value)
    return {
        model: dict(model.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
        for model, ids in wanted.items()
    }


def _display(record, model_field, value, names):
    if value is None or value == "":
        return "—"
    if isinstance(model_field, ForeignKey):
        return names.get(model_field.related_model, {}).get(value, f"#{value}")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)


def _changes(record, prev, names):
    changes = []
    for model_field in _tracked_fields(record):
        old, new = getattr(prev, model_field.attname), getattr(record, model_field.attname)
        if old != new:
            changes.append(
                Change(
                    field=str(model_field.verbose_name),
                    old=_display(prev, model_field, old, names),
                    new=_display(record, model_field, new, names),
                )
            )
    return changes
