"""The one Excel export helper: write-only streamed workbooks, safe cells, one filename encoding.

- Write-only (rows stream; a province-sized export stays small in memory).
- Safe cells (``safe_value``, ``set_safe``, ``safe_cell``; also used by the import engine's
  templates and error workbooks): every string is stored as text, so one starting with ``=``,
  ``+``, ``-``, ``@``, tab or CR is never a formula (CSV/formula injection); characters Excel
  cannot hold are removed, so a workbook never fails on a stray control character.
- Bold header row; optional bold preamble rows above it (a title, a header block).
- ``xlsx_response`` names the download with RFC 5987 ``filename*`` (Chinese names work in
  every browser) plus an ASCII fallback.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def safe_value(value):
    """A cell value Excel stores as data: numbers and dates as such, everything else as text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, date):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def set_safe(cell, value):
    """Store ``safe_value(value)`` in a cell (write-only or not): strings always as text, so
    values starting with = + - @ are never formulas; dates get a date format."""
    value = safe_value(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # text, not a formula
    elif isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def safe_cell(sheet, value, **style):
    """A write-only cell holding ``value`` safely; ``style``: font, fill, alignment…"""
    cell = set_safe(WriteOnlyCell(sheet), value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _cell(sheet, value, *, font=None, wrap=False):
    style = {"font": font} if font is not None else {}
    return safe_cell(sheet, value, **style, **({"alignment": WRAP} if wrap else {}))


def _plain(sheet, value):
    """``value`` itself where openpyxl stores it exactly as ``safe_cell`` would (numbers, dates,
    text not starting with "=" and free of illegal characters), else a safe cell: a province
    roster's 855,000 cells skip building a cell object each."""
    kind = type(value)
    if value is None or kind is int or kind is float or kind is bool or kind is date:
        return value
    if kind is str and not value.startswith("=") and not ILLEGAL_CHARACTERS_RE.search(value):
        return value
    return _cell(sheet, value)


def xlsx_bytes(
    *,
    title: str,
    headers: Sequence,
    rows: Iterable[Sequence],
    widths: Sequence[int] = (),
    preamble: Iterable[Sequence] = (),
    wrap: bool = False,
) -> bytes:
    """One sheet: bold ``preamble`` rows, a bold header row, then ``rows`` (streamed)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=ILLEGAL_CHARACTERS_RE.sub("", str(title))[:31] or "Sheet1")
    for index, width in enumerate(widths, start=1):  # write-only: widths before the first row
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in preamble:
        sheet.append([_cell(sheet, value, font=BOLD) for value in row])
    sheet.append([_cell(sheet, header, font=BOLD) for header in headers])
    if wrap:
        for row in rows:
            sheet.append([_cell(sheet, value, wrap=True) for value in row])
    else:
        for row in rows:
            sheet.append([_plain(sheet, value) for value in row])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def attachment_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the RFC 5987 UTF-8 name."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def xlsx_response(filename: str, **sheet) -> HttpResponse:
    """An .xlsx download of ``xlsx_bytes(**sheet)`` named ``filename``."""
    response = HttpResponse(xlsx_bytes(**sheet), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = attachment_disposition(filename)
    return response
