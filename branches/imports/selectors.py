"""Reads of import jobs: a user sees their own jobs; admins see every job."""

from branches import permissions
from branches.models import ImportJob


def import_jobs_for(user):
    jobs = ImportJob.objects.select_related("uploaded_by").order_by("-created_at", "-pk")
    if permissions.is_admin(user):
        return jobs
    return jobs.filter(uploaded_by=user)


def may_import(user):
    """Unit staff (their unit) and admins (any unit) import; others do not see the pages."""
    return permissions.is_admin(user) or bool(permissions.scope_paths(user, permissions.Action.IMPORT))
