"""Workbook builders for the import tests: the template's layout, filled with given rows."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from branches.imports import engine
from branches.imports.onboarding import spec

HEADERS = {sheet.name: [str(c.header) for c in sheet.columns] for sheet in spec.sheets}


def workbook_bytes(sheets, *, drop=(), notes=True):
    """An onboarding workbook: ``sheets`` maps sheet name -> rows (dicts by header or lists)."""
    book = Workbook()
    book.remove(book.active)
    for name, headers in HEADERS.items():
        if name in drop:
            continue
        sheet = book.create_sheet(name)
        if notes:
            sheet.append(["说明：测试"])
        sheet.append(headers)
        for row in sheets.get(name, ()):
            sheet.append([row.get(h) for h in headers] if isinstance(row, dict) else list(row))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(content, name="onboarding.xlsx"):
    return SimpleUploadedFile(name, content, content_type=engine.XLSX_CONTENT_TYPE)


def org(parent, name, kind="党支部", **extra):
    return {"上级组织": parent, "组织名称": name, "组织类型": kind, **extra}


def member(branch, number, name, **extra):
    row = {
        "所在支部": branch,
        "党员编号": number,
        "姓名": name,
        "性别": "男",
        "出生日期": "1980-01-01",
        "入党日期": "2005-07-01",
        "党员类别": "正式党员",
        "转正日期": "2006-07-01",
    }
    row.update(extra)
    return row


def term(org_path, elected_on, **extra):
    return {"组织": org_path, "选举日期": elected_on, **extra}


def post(org_path, number, role, **extra):
    return {"组织": org_path, "党员编号": number, "职务": role, **extra}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded workbooks go to a temporary folder, not the developer's media directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def small_workbook():
    """Two new branches under 甲厅 with 8 members, a term and two posts (all valid)."""
    members = [member("甲厅机关党委/综合处党支部", f"A{i:03d}", f"综合{i}") for i in range(1, 6)]
    members += [member("甲厅/业务处党支部", f"B{i:03d}", f"业务{i}") for i in range(1, 4)]
    return {
        "组织": [org("甲厅机关党委", "综合处党支部"), org("甲厅机关党委", "业务处党支部")],
        "党员": members,
        "届次": [term("甲厅机关党委/综合处党支部", "2025-06-01", **{"设支部委员会": "否"})],
        "职务": [
            post("甲厅机关党委/综合处党支部", "A001", "书记", **{"上级批准日期": "2025-06-20"}),
            post("甲厅机关党委/综合处党支部", "A002", "副书记"),
        ],
    }


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """Upload a workbook as ``user``; the (eager) preview task has run on return."""

    def run(user, sheets, **kwargs):
        from branches.imports import services

        content = sheets if isinstance(sheets, bytes) else workbook_bytes(sheets, **kwargs)
        with django_capture_on_commit_callbacks(execute=True):
            job = services.import_job_create(kind="onboarding", upload=upload(content), user=user)
        job.refresh_from_db()
        return job

    return run


@pytest.fixture
def confirm(django_capture_on_commit_callbacks):
    def run(job, user=None):
        from branches.imports import services

        with django_capture_on_commit_callbacks(execute=True):
            services.import_job_confirm(job=job, user=user or job.uploaded_by)
        job.refresh_from_db()
        return job

    return run


def counts(job):
    return {sheet["name"]: sheet["counts"] for sheet in job.preview["sheets"]}


def errors(job, sheet):
    """{row: [(column, message)]} of one sheet of a previewed job."""
    return {
        int(row): [tuple(e) for e in found] for row, found in job.preview["errors"].get(sheet, {}).items()
    }
