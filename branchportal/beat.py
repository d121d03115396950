"""Beat scheduler whose schedules admins really own.

django-celery-beat's DatabaseScheduler writes every CELERY_BEAT_SCHEDULE entry over the
database row of the same name each time beat starts, so an admin's change of time in
/admin/django_celery_beat/ would silently revert at the next deploy. This scheduler only
seeds entries that are missing; once a row exists, the admin's crontab, enabled flag and
arguments win.
"""

from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler


class SeedOnceDatabaseScheduler(DatabaseScheduler):
    def update_from_dict(self, mapping):
        existing = set(PeriodicTask.objects.filter(name__in=list(mapping)).values_list("name", flat=True))
        super().update_from_dict({name: entry for name, entry in mapping.items() if name not in existing})
