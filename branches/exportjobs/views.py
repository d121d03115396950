"""Export job pages: the job (progress, then the download link), its polled fragment, the file."""

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone

from branches.models import ExportJob

from ..xlsx import CONTENT_TYPE, attachment_disposition


def _job_for(request, pk):
    """The requester's own unexpired job; anyone else's (admins included) is a 404."""
    job = ExportJob.objects.filter(pk=pk, requested_by=request.user, expires_at__gt=timezone.now()).first()
    if job is None:
        raise Http404
    return job


def export_job(request, pk):
    return render(request, "exports/job.html", {"job": _job_for(request, pk)})


def export_job_progress(request, pk):
    """The polled fragment; once the job has stopped running the page reloads."""
    job = _job_for(request, pk)
    response = render(request, "exports/_progress.html", {"job": job})
    if not job.is_running and request.htmx:
        response["HX-Refresh"] = "true"
    return response


def export_job_download(request, pk):
    job = _job_for(request, pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    response = FileResponse(job.file.open("rb"), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = attachment_disposition(job.filename)
    return response
