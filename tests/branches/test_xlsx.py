"""The one Excel helper: formulas never execute, illegal characters never fail an export."""

from io import BytesIO

from openpyxl import load_workbook

from branches.xlsx import attachment_disposition, xlsx_bytes, xlsx_response


def test_formula_like_strings_are_text_and_control_characters_are_dropped():
    content = xlsx_bytes(
        title="表",
        headers=["a", "b"],
        rows=[["=1+1", "+SUM(A1)"], ["-2", "@cmd"], ["\tx", "bad\x00\x07char"], [3, None]],
        preamble=[["标题"]],
    )
    sheet = load_workbook(BytesIO(content)).active
    cells = {c.coordinate: c for row in sheet.iter_rows() for c in row}
    assert sheet["A1"].value == "标题" and sheet["A1"].font.bold and sheet["A2"].font.bold
    for coordinate, expected in {"A3": "=1+1", "B3": "+SUM(A1)", "A4": "-2", "B4": "@cmd"}.items():
        assert cells[coordinate].data_type == "s" and cells[coordinate].value == expected
    assert sheet["B5"].value == "badchar"
    assert sheet["A6"].value == 3


def test_chinese_filename_is_encoded_once_with_rfc5987():
    header = attachment_disposition("党员名册.xlsx")
    assert header.startswith('attachment; filename="')
    assert "filename*=UTF-8''%E5%85%9A%E5%91%98%E5%90%8D%E5%86%8C.xlsx" in header
    response = xlsx_response("名册.xlsx", title="x", headers=["h"], rows=[])
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_set_safe_on_an_ordinary_cell_keeps_formula_like_text_inert():
    """The import engine's templates write ordinary (not write-only) cells through set_safe."""
    from openpyxl import Workbook

    from branches.xlsx import set_safe

    workbook = Workbook()
    for column, value in enumerate(['=HYPERLINK("x")', "+86", "bad\x07", 5], start=1):
        set_safe(workbook.active.cell(row=1, column=column), value)
    buffer = BytesIO()
    workbook.save(buffer)
    row = next(load_workbook(BytesIO(buffer.getvalue())).active.iter_rows())
    assert [c.data_type for c in row[:3]] == ["s", "s", "s"]
    assert [c.value for c in row] == ['=HYPERLINK("x")', "+86", "bad", 5]
