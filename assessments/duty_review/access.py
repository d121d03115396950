"""Raters' access through a grant source (``branches.permissions.register_grant_source``).

A user on a cycle's raters list holds ``Action.RATE`` on the cycle's organization while the
cycle is being written or rated, until a week after the meeting: they may read the reports
they rate (at the meeting, or online). Removing them from the list, closing the cycle or the
date passing ends the grant.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from assessments.models import DutyCycle, DutyRater
from branches import permissions
from branches.permissions import Action, Grant

ACTIVE = (DutyCycle.Status.OPEN, DutyCycle.Status.VOTING)
GRACE_DAYS = 7
RATE = frozenset({Action.RATE})


def _until(meeting_on):
    return timezone.make_aware(datetime.combine(meeting_on + timedelta(days=GRACE_DAYS), time.min))


def _grants(raters):
    for user_id, path, meeting_on in raters.values_list(
        "user_id", "cycle__organization__path", "cycle__meeting_on"
    ):
        yield Grant(user_id, RATE, path, None, _until(meeting_on))


def rater_grants_for_user(user, now):
    return _grants(DutyRater.objects.filter(user=user, cycle__status__in=ACTIVE))


def _prefixes(path):
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:depth]) + "/" for depth in range(1, len(parts) + 1)]


def rater_grants_for_paths(paths, now):
    prefixes = {prefix for path in paths for prefix in _prefixes(path)}
    return _grants(
        DutyRater.objects.filter(
            user__isnull=False, cycle__status__in=ACTIVE, cycle__organization__path__in=prefixes
        )
    )


# Only questions about RATE consult it, so other pages pay no query for it.
permissions.register_grant_source(
    "duty_review_raters", for_user=rater_grants_for_user, for_paths=rater_grants_for_paths, actions=RATE
)
