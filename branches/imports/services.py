"""Import jobs: upload, confirm, cancel (the engine does the reading and writing).

Each service starts with the spec's ``require_access`` (who may import that kind of file);
confirming and cancelling are further the uploader's alone.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from branches.models import ImportJob

from . import engine
from .tasks import import_apply, import_preview


@transaction.atomic
def import_job_create(*, kind, upload, user, organization=None, params=None):
    """Store an uploaded workbook and queue its preview; refuses files that are no .xlsx.

    ``params`` (JSON) tells the spec what the upload is for, e.g. ``{"event": 12}``.
    """
    engine.get_spec(kind).require_access(user, organization)
    if upload is None:
        raise ValidationError(_("请选择要上传的 Excel 文件。"))
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("文件太大（上限 %(limit)d MB）。") % {"limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
        )
    if not engine.is_xlsx_name(upload.name) or not engine.check_archive(upload):
        if upload.name.lower().endswith(".xls"):
            raise ValidationError(_("这是旧版 Excel（.xls）文件。请在 Excel 中“另存为” .xlsx 格式后再上传。"))
        raise ValidationError(_("只能上传 Excel 工作簿（.xlsx）。请使用下载的模板填写后上传。"))
    job = ImportJob(
        kind=kind,
        uploaded_by=user,
        organization=organization,
        original_name=upload.name[:200],
        params=params or {},
    )
    job.file.save(f"{kind}.xlsx", upload, save=False)
    job.save()
    transaction.on_commit(lambda: import_preview.delay(job.pk))
    return job


@transaction.atomic
def import_job_confirm(*, job, user):
    """Start writing a previewed job; only the uploader, only once, only without errors
    (a partial import: only when some rows can be written; the rows with errors are skipped)."""
    engine.get_spec(job.kind).require_access(user, job.organization)
    if job.uploaded_by_id != user.pk:
        raise ValidationError(_("只有上传人可以确认导入。"))
    if not confirmable(job):
        if engine.get_spec(job.kind).partial:
            raise ValidationError(_("没有可导入的行。"))
        raise ValidationError(_("表格中还有错误，请下载错误清单修改后重新上传。"))
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PREVIEW).update(
        status=ImportJob.Status.APPLYING, progress=0, message=""
    )
    if not claimed:
        raise ValidationError(_("该导入已确认或已取消，不能再次确认。"))
    transaction.on_commit(lambda: import_apply.delay(job.pk))
    job.refresh_from_db()
    return job


def confirmable(job):
    """Whether a previewed job's rows may be written (errors allowed in a partial import)."""
    preview = job.preview or {}
    if engine.get_spec(job.kind).partial:
        return any(
            sheet["counts"][action]
            for sheet in preview.get("sheets", ())
            for action in ("create", "update", "unchanged")
        )
    return not preview.get("error_count")


@transaction.atomic
def import_job_cancel(*, job, user):
    engine.get_spec(job.kind).require_access(user, job.organization)
    if job.uploaded_by_id != user.pk:
        raise ValidationError(_("只有上传人可以取消导入。"))
    claimed = ImportJob.objects.filter(
        pk=job.pk, status__in=[ImportJob.Status.PREVIEW, ImportJob.Status.FAILED]
    ).update(status=ImportJob.Status.CANCELLED)
    if not claimed:
        raise ValidationError(_("该导入正在进行或已完成，不能取消。"))
    job.refresh_from_db()
    return job
