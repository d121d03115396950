"""The one upload policy for every file the portal accepts, and the one way to serve them back.

Activity attachments, review evidence and renewal documents all go through ``accept``:

- the type is decided by the file's **content** (magic bytes and, for Office files, the
  archive's layout), never by its name: a Windows executable renamed ``.pdf`` is refused, and
  SVG, HTML, scripts and anything else not on the allow-list are refused;
- the size is limited (``settings.UPLOAD_MAX_BYTES``, or a stricter per-feature limit);
- the stored name is generated (random token + a cleaned stem + the extension of the detected
  type), so a name can never carry a path, a control character or a misleading extension.

``serve`` answers downloads with the detected type, ``Content-Disposition: attachment`` and
``X-Content-Type-Options: nosniff``; a file missing from storage is logged and answered 404.
"""

import logging
import re
import secrets
import unicodedata
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

logger = logging.getLogger("branches.uploads")

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
}
ALLOWED_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _read_head(file, size=8):
    file.seek(0)
    head = file.read(size)
    file.seek(0)
    return head


def _office_kind(file):
    """'docx' / 'xlsx' for a real Office Open XML archive, else None."""
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        file.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    if any(name.startswith("word/") for name in names):
        return "docx"
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    return None


def detect(file, claimed_extension=""):
    """The allowed type ``file`` really is (an extension from CONTENT_TYPES), or None."""
    head = _read_head(file)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg" if claimed_extension == "jpeg" else "jpg"
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(file)
    if head.startswith(OLE_MAGIC):
        # Legacy Word and Excel share the OLE container; trust the name only between the two.
        return claimed_extension if claimed_extension in ("doc", "xls") else "doc"
    return None


def clean_original_name(name):
    """The client's file name made safe to show and to offer back: no path, no control chars."""
    base = PurePath(str(name).replace("\\", "/")).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    return base[:200] or "file"


def stored_name(original_name, kind):
    """Random token + cleaned stem + the detected type's extension."""
    stem = PurePath(clean_original_name(original_name)).stem
    stem = re.sub(r"[^\w\-]+", "_", stem, flags=re.UNICODE).strip("_")[:60] or "file"
    return f"{secrets.token_hex(6)}_{stem}.{kind}"


def accept(file, *, allowed=ALLOWED_EXTENSIONS, max_bytes=None):
    """Check ``file`` against the policy; rename it for storage. Returns (original_name, kind).

    Raises ValidationError with a message for the user when the file is refused.
    """
    limit = settings.UPLOAD_MAX_BYTES if max_bytes is None else min(max_bytes, settings.UPLOAD_MAX_BYTES)
    original = clean_original_name(getattr(file, "name", "") or "")
    if file.size > limit:
        raise ValidationError(
            _("文件过大（%(size).1f MB），上限为 %(limit).1f MB。")
            % {"size": file.size / 1048576, "limit": limit / 1048576},
            code="size",
        )
    if file.size == 0:
        raise ValidationError(_("文件是空的。"), code="empty")
    claimed = PurePath(original).suffix.lower().lstrip(".")
    kind = detect(file, claimed)
    permitted = set(allowed)
    if permitted & {"jpg", "jpeg"}:
        permitted |= {"jpg", "jpeg"}
    if kind is None or kind not in permitted:
        if claimed in permitted:
            raise ValidationError(
                _("文件内容与扩展名“%(ext)s”不符，请上传真实的%(ext)s文件。") % {"ext": claimed},
                code="content",
            )
        raise ValidationError(
            _("不支持的文件类型“%(ext)s”，只能上传：%(allowed)s。")
            % {"ext": kind or claimed or "-", "allowed": pgettext("list separator", "、").join(allowed)},
            code="type",
        )
    file.name = stored_name(original, kind)
    return original, kind


def upload_validator(file):
    """Form/model field validator: the same policy, without renaming."""
    if file is None or getattr(file, "_committed", False):
        return  # an already stored file (e.g. re-validated model instance)
    name = file.name
    try:
        accept(file)
    finally:
        file.name = name


def serve(field_file, filename=None):
    """Download response for a stored file: right type, attachment, nosniff; 404 when missing."""
    name = field_file.name
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        logger.error("stored file missing: %s (%s)", name, exc)
        raise Http404(_("文件不存在或已被删除。")) from exc
    extension = PurePath(name).suffix.lower().lstrip(".")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=clean_original_name(filename or PurePath(name).name),
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
