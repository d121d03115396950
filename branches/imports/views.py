"""Import pages: upload, preview, progress, confirm, result, error workbook, job list."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import engine, selectors, services
from .onboarding import spec as onboarding_spec

SHEET_ACTIONS = ("error", "update", "create", "unchanged")


def _require_importer(request):
    if not selectors.may_import(request.user):
        raise PermissionDenied


def _job_for(request, pk):
    """The job if it is the viewer's own (admins: any); 404 otherwise (403 for non-importers).

    Uploaders of other kinds of import (a branch secretary's sign-in sheet) reach their own jobs.
    """
    job = selectors.import_jobs_for(request.user).filter(pk=pk).first()
    if job is None:
        _require_importer(request)
        raise Http404
    return job


def _xlsx(content, filename):
    response = HttpResponse(content, content_type=engine.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def import_index(request):
    _require_importer(request)
    page = Paginator(selectors.import_jobs_for(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "imports/index.html", {"page_obj": page, "spec": onboarding_spec})


def import_template(request):
    _require_importer(request)
    return _xlsx(engine.template_workbook(onboarding_spec), _("组织与党员导入模板.xlsx"))


@require_POST
def import_upload(request):
    _require_importer(request)
    try:
        job = services.import_job_create(
            kind=onboarding_spec.kind, upload=request.FILES.get("file"), user=request.user
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("imports:index")
    return redirect(job)


def import_job(request, pk):
    job = _job_for(request, pk)
    own_page = engine.get_spec(job.kind).job_url(job)
    if own_page != request.path:
        return redirect(own_page)  # an import with its own page (e.g. a training sign-in sheet)
    percent, note = engine.job_progress(job)
    sheets = []
    for sheet in (job.preview or {}).get("sheets", []):
        sheets.append(
            {**sheet, "sections": [(a, sheet["samples"][a], sheet["counts"][a]) for a in SHEET_ACTIONS]}
        )
    return render(
        request,
        "imports/job.html",
        {
            "job": job,
            "percent": percent,
            "note": note,
            "sheets": sheets,
            "result": job.result or {},
            "notes": (job.preview or {}).get("notes", []),
            "can_confirm": job.status == job.Status.PREVIEW
            and services.confirmable(job)
            and job.uploaded_by_id == request.user.pk,
        },
    )


def import_job_progress(request, pk):
    """The polled progress fragment; once the job has stopped running the page reloads."""
    job = _job_for(request, pk)
    percent, note = engine.job_progress(job)
    response = render(request, "imports/_progress.html", {"job": job, "percent": percent, "note": note})
    if not job.is_running and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@require_POST
def import_job_confirm(request, pk):
    job = _job_for(request, pk)
    try:
        services.import_job_confirm(job=job, user=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect(job)


@require_POST
def import_job_cancel(request, pk):
    job = _job_for(request, pk)
    try:
        services.import_job_cancel(job=job, user=request.user)
        messages.success(request, _("已取消该导入，未写入任何数据。"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect(job)


def import_job_errors(request, pk):
    job = _job_for(request, pk)
    if job.status != job.Status.PREVIEW or not job.preview.get("error_count"):
        raise PermissionDenied
    stem = job.original_name.rsplit(".", 1)[0]
    return _xlsx(engine.error_workbook(job), _("%(name)s-错误清单.xlsx") % {"name": stem})
