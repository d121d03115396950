"""The one upload policy: type by content, size, safe names; downloads typed, attachment, nosniff."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from branches import uploads

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF"
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
    + b"\x00" * 64
    + b"This program cannot be run in DOS mode"
)
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"


def office(kind):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
    return buffer.getvalue()


def plain_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", EXE)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("会议记录.pdf", PDF, "pdf"),
        ("photo.png", PNG, "png"),
        ("photo.jpg", JPEG, "jpg"),
        ("photo.jpeg", JPEG, "jpeg"),
        ("minutes.docx", office("docx"), "docx"),
        ("sheet.xlsx", office("xlsx"), "xlsx"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, "doc"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, "xls"),
        ("scan-named-wrong.pdf", PNG, "png"),  # the content decides, stored as .png
    ],
)
def test_allowed_types_are_recognized_by_content(name, content, kind, settings):
    upload = SimpleUploadedFile(name, content)
    original, detected = uploads.accept(upload)
    assert detected == kind
    assert upload.name.endswith(f".{kind}") and original == name


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.pdf", EXE),  # a Windows executable renamed .pdf
        ("run.exe", EXE),
        ("logo.svg", SVG),
        ("logo.png", SVG),
        ("page.html", HTML),
        ("page.pdf", HTML),
        ("archive.docx", plain_zip()),
        ("archive.zip", plain_zip()),
        ("notes.txt", b"hello"),
    ],
)
def test_other_content_is_refused_whatever_its_name(name, content):
    with pytest.raises(ValidationError):
        uploads.accept(SimpleUploadedFile(name, content))


def test_size_limit_and_empty_files(settings):
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="上限为"):
        uploads.accept(SimpleUploadedFile("big.pdf", PDF + b"x" * 100))
    with pytest.raises(ValidationError, match="空"):
        uploads.accept(SimpleUploadedFile("empty.pdf", b""))
    with pytest.raises(ValidationError, match="上限为"):
        uploads.accept(SimpleUploadedFile("small.pdf", PDF), max_bytes=10)


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd.pdf", "..\\..\\boot.ini.pdf", "a\x00b\x1f.pdf", "<script>.pdf", "名" * 300 + ".pdf"],
)
def test_stored_names_are_safe(name):
    upload = SimpleUploadedFile("x.pdf", PDF)
    upload.name = name
    original, _kind = uploads.accept(upload)
    assert "/" not in upload.name and "\\" not in upload.name and ".." not in upload.name
    assert all(ch.isalnum() or ch in "_-." for ch in upload.name)
    assert upload.name.endswith(".pdf") and len(upload.name) <= 90
    assert "/" not in original and "\x00" not in original and len(original) <= 200
