"""The generic engine: value normalisation, bad files, template and error workbooks."""

from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from branches.imports import engine
from branches.imports.onboarding import spec
from branches.models import ImportJob, Member

from .conftest import HEADERS, counts, errors, member, upload, workbook_bytes

DATE = engine.Column("day", "日期", kind=engine.DATE)
CODE = engine.Column("number", "编号", kind=engine.CODE)
INT = engine.Column("n", "数量", kind=engine.INT)
BOOL = engine.Column("flag", "是否", kind=engine.BOOL)


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-05",
        "2026/1/5",
        "2026.1.5",
        "2026年1月5日",
        "2026 年 1 月 5 日",
        "20260105",
        "２０２６－０１－０５",
        "２０２６年１月５日",
        " 2026-1-5\u3000",
        46027,
        46027.0,
        datetime(2026, 1, 5, 0, 0),
        date(2026, 1, 5),
    ],
)
def test_dates_in_common_formats_and_excel_serials(value):
    assert engine.coerce(DATE, value) == date(2026, 1, 5)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        (CODE, "Ａ００１", "A001"),
        (CODE, 1001, "1001"),
        (CODE, 1001.0, "1001"),
        (INT, "１２", 12),
        (INT, 3.0, 3),
        (BOOL, "是", True),
        (BOOL, "否", False),
        (BOOL, "Ｙ", True),
        (BOOL, "√", True),
        (engine.Column("t", "文本"), "  王\u3000建国 ", "王 建国"),
        (engine.Column("t", "文本"), "", None),
    ],
)
def test_full_width_digits_and_stripping(column, value, expected):
    assert engine.coerce(column, value) == expected


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (DATE, "2026-02-30", "不存在的日期：2026-02-30"),
        (DATE, "下周一", "日期格式无法识别：下周一"),
        (INT, "十二", "请填写整数：十二"),
        (INT, 1.5, "请填写整数：1.5"),
        (BOOL, "也许", "请填写“是”或“否”：也许"),
    ],
)
def test_unreadable_values_raise_a_message(column, value, message):
    with pytest.raises(engine.CellError, match=message):
        engine.coerce(column, value)


pytestmark = pytest.mark.django_db


def _failed(job, text):
    assert job.status == ImportJob.Status.FAILED
    assert text in job.message


def test_not_an_xlsx_is_refused_at_upload(personas):
    from django.core.exceptions import ValidationError

    from branches.imports import services

    for name, content, text in [
        ("名单.csv", b"name,number\n", "只能上传 Excel 工作簿（.xlsx）"),
        ("名单.xlsx", b"just text, not a workbook", "只能上传 Excel 工作簿（.xlsx）"),
        ("名单.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧版 Excel（.xls）"),
    ]:
        with pytest.raises(ValidationError, match=text):
            services.import_job_create(
                kind="onboarding", upload=upload(content, name), user=personas["unit_staff"]
            )
    assert ImportJob.objects.count() == 0


def test_a_zip_that_is_no_workbook_fails_with_a_message(personas, run_import):
    buffer = BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    _failed(run_import(personas["unit_staff"], buffer.getvalue()), "不是有效的 Excel 工作簿")


def test_missing_sheet_and_missing_header_fail_with_a_message(personas, run_import):
    _failed(run_import(personas["unit_staff"], {}, drop=("职务",)), "缺少工作表：“职务”")
    book = load_workbook(BytesIO(workbook_bytes({})))
    book["党员"].delete_cols(6)  # 入党日期
    buffer = BytesIO()
    book.save(buffer)
    _failed(run_import(personas["unit_staff"], buffer.getvalue()), "工作表“党员”缺少必填列：入党日期")


def test_header_row_without_notes_row_and_starred_headers_are_found(personas, small_workbook, run_import):
    job = run_import(personas["unit_staff"], small_workbook, notes=False)
    assert job.preview["error_count"] == 0
    assert counts(job)["党员"]["create"] == 8


def test_formulas_are_refused_cell_by_cell(personas, small_workbook, run_import):
    small_workbook["党员"][0]["出生日期"] = "=DATE(1980,1,1)"
    small_workbook["党员"][1]["姓名"] = '=HYPERLINK("http://evil","x")'
    job = run_import(personas["unit_staff"], small_workbook)
    found = errors(job, "党员")
    assert found[3] == [("出生日期", "单元格是公式，请改为直接填写数值（复制后“选择性粘贴为数值”）。")]
    assert found[4][0][0] == "姓名" and "公式" in found[4][0][1]


def test_merged_cells_are_reported_on_each_row(personas, small_workbook, run_import):
    book = load_workbook(BytesIO(workbook_bytes(small_workbook)))
    book["党员"].merge_cells("A3:A5")
    buffer = BytesIO()
    book.save(buffer)
    job = run_import(personas["unit_staff"], buffer.getvalue())
    found = errors(job, "党员")
    assert set(found) == {3, 4, 5}
    assert "合并单元格 A3:A5" in found[4][0][1]


def test_100000_empty_formatted_rows_stop_the_reading(personas, small_workbook, run_import):
    """A sheet whose formatting runs 100,000 rows down: read the table, then stop."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, headers in HEADERS.items():
        sheet = book.create_sheet(name)
        sheet.append(headers)
        for row in small_workbook.get(name, ()):
            sheet.append([row.get(h) for h in headers])
        if name == "党员":
            for _ in range(100_000):
                cell = WriteOnlyCell(sheet, value=None)
                cell.font = bold
                sheet.append([cell])
            sheet.append(["甲厅机关党委/综合处党支部", "Z999", "藏在空行之后"])
    buffer = BytesIO()
    book.save(buffer)
    job = run_import(personas["unit_staff"], buffer.getvalue())
    assert job.status == ImportJob.Status.PREVIEW
    assert counts(job)["党员"] == {"create": 8, "update": 0, "unchanged": 0, "error": 0}


def test_dates_as_text_and_full_width_digits_in_a_workbook(personas, small_workbook, run_import, confirm):
    small_workbook["党员"][0].update(
        {"出生日期": "1980/1/5", "入党日期": "2005年7月1日", "党员编号": "Ａ００１"}
    )
    small_workbook["党员"][1].update({"出生日期": "１９８１－０２－０３", "入党日期": date(2006, 7, 1)})
    job = confirm(run_import(personas["unit_staff"], small_workbook))
    assert job.status == ImportJob.Status.DONE
    first = Member.objects.get(number="A001")
    assert (first.birth_date, first.joined_on) == (date(1980, 1, 5), date(2005, 7, 1))
    assert Member.objects.get(number="A002").birth_date == date(1981, 2, 3)


def test_template_has_a_sheet_per_kind_notes_headers_and_list_validations():
    book = load_workbook(BytesIO(engine.template_workbook(spec)))
    assert book.sheetnames == ["组织", "党员", "届次", "职务"]
    members = book["党员"]
    assert "党员编号" in members["A1"].value and "匹配方式" in members["A1"].value
    headers = [cell.value for cell in members[2]]
    assert headers[:3] == ["所在支部*", "党员编号*", "姓名*"]
    lists = {str(v.sqref): v.formula1 for v in members.data_validations.dataValidation}
    assert lists["D3:D5000"] == '"男,女"'
    assert lists["G3:G5000"] == '"正式党员,预备党员"'
    assert lists["J3:J5000"] == '"是,否"'
    orgs = {str(v.sqref): v.formula1 for v in book["组织"].data_validations.dataValidation}
    assert orgs["C3:C5000"] == '"党总支,党支部,党小组"'
    assert "名称路径" in book["组织"]["A1"].value


def test_error_workbook_has_the_uploaded_rows_and_an_error_column_written_as_text(
    personas, small_workbook, run_import
):
    small_workbook["党员"][2]["性别"] = "未知"
    small_workbook["党员"][3]["姓名"] = "=1+1"
    small_workbook["党员"].append(member("甲厅机关党委/综合处党支部", "+86", "@张三"))
    job = run_import(personas["unit_staff"], small_workbook)
    book = load_workbook(BytesIO(engine.error_workbook(job)))
    sheet = book["党员"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][-1] == "错误说明"
    assert len(rows) == 2 + 9
    assert "性别：“未知”不是可选值" in rows[4][-1]
    assert "姓名：单元格是公式" in rows[5][-1]
    assert rows[2][-1] is None  # a valid row has no message
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, str):
                assert cell.data_type == "s", cell.coordinate  # never a formula
    assert rows[5][2] == "=1+1" and rows[10][1] == "+86" and rows[10][2] == "@张三"
