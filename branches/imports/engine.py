"""A reusable spreadsheet import engine: read, normalise, plan, preview, confirm, write.

Nothing here knows about organizations or members; an import is described by an
``ImportSpec`` subclass and registered under a ``kind`` (``onboarding``; the training
sign-in sheet import registers its own). The engine gives every import the same behaviour:

* **Reading** (``read_workbook``) streams the .xlsx with ``openpyxl`` in read-only mode
  (memory bounded; no whole-file objects), finds each sheet's header row among its first
  rows, normalises every value (``coerce``) and stops after a run of empty rows. Bad files
  raise ``FileError`` with a Chinese message: not an .xlsx (or an old .xls), a sheet or a
  header missing, too many rows. Cell problems become row errors naming the column: formulas
  instead of values, merged cells, unreadable dates or numbers, values not in a choice list.
* **Values**: text is stripped (also the ideographic space); full-width digits and ASCII
  (``２０２６``) become half-width in code, number, date and choice columns; dates accept real
  Excel dates, Excel serial numbers and text such as ``2026-01-05``, ``2026/1/5``,
  ``2026.1.5``, ``2026年1月5日`` and ``20260105``; yes/no columns accept 是/否, Y/N, √/×, 1/0.
* **Spooling**: a job's workbook is read once (``spool_workbook``); its normalised rows are
  kept beside the upload as one gzip JSON-lines file per sheet and handed to the spec as
  ``SpooledSheet`` s, which stream them (``len()`` and repeated iteration work like a list's).
  The confirmed write re-plans from the spool without parsing the workbook again.
* **Planning** (``ImportSpec.plan``) turns the rows into ``RowResult`` s — ``create``,
  ``update`` (with ``changes``: column, old → new), ``unchanged`` or ``error`` (``errors``:
  column, message) — without writing anything. ``Plan.to_json`` is the stored preview:
  counts per sheet, samples of each action, every error, and the spec's notes. A
  ``SheetPlan(keep=False)`` keeps only that summary, not the results: a streaming spec (the
  onboarding import) plans in chunks and, when re-planning a confirmed job, hands each chunk
  to its writer inside the transaction, so memory does not grow with the rows.
* **Matching headers**: a ``Column`` may accept ``aliases`` (所在支部 for 支部); a ``SheetSpec``
  may require ``any_of`` several columns, and with ``first_sheet`` reads a workbook's first
  sheet whatever its name (a sign-in sheet is not made from our template). A ``RowResult``
  may carry a ``tag`` (the spec's finer kind: matched / ambiguous / unknown), counted per sheet
  in the preview (``tags``).
* **Partial imports** (``ImportSpec.partial``): rows with errors are skipped instead of
  blocking the import; confirming writes the others, unless the re-plan finds errors on other
  rows than the preview did (then nothing is written).
* **Writing** (``ImportSpec.apply``) runs only after the uploader confirms, inside one
  transaction opened by ``apply_job``, which re-plans against the current database first:
  any error then (data changed since the preview, or a service refusing a row) rolls
  everything back and returns the job to the preview with the new errors.
* **Jobs** (``branches.models.ImportJob``): ``preview_job(job_id)`` and ``apply_job(job_id)``
  are idempotent and run as Celery tasks (``branches/imports/tasks.py``); progress is
  reported through ``Progress`` (cache while running, so it is visible even while the write
  transaction is open) and read back with ``job_progress(job)``.
* **Workbooks**: ``template_workbook(spec)`` (one sheet per ``SheetSpec``: a notes row, the
  Chinese headers, list validation for choice and yes/no columns) and
  ``error_workbook(job)`` (the uploaded rows with an added 错误说明 column). Cells are written
  with the shared safe helpers of ``branches/xlsx.py`` (``set_safe``, ``safe_cell``): every
  string is a text cell, so values starting with = + - @ are never formulas.

A spec in brief::

    class TrainingSpec(ImportSpec):
        kind = "training"
        title = _("培训签到表")
        sheets = (SheetSpec(name="签到", columns=(Column("number", "党员编号", kind=CODE,
                  required=True), Column("day", "日期", kind=DATE, required=True)),
                  key=("number", "day"), notes="…"),)

        def plan(self, rows, *, job, progress, final=False):   # rows: {sheet: [Row]}
            ...return Plan(sheets={"签到": SheetPlan(results=[...])})

        def apply(self, plan, *, job, progress):  # inside the transaction; call services
            ...return {"summary": ...}

    register(TrainingSpec())   # in the owning app's AppConfig.ready(), so workers know it

Around the engine, ``branches/imports/services.py`` (``import_job_create(kind=…)``,
``import_job_confirm``, ``import_job_cancel``), ``tasks.py`` and the job pages
(``imports:job`` with progress, preview, confirm, result and ``imports:job-errors``) are
generic: another import adds its own upload page and template download, and reuses the rest.
``ImportJob.params`` (JSON) tells a spec what an upload is for (``{"event": 12}``) and
``ImportSpec.job_url`` sends ``imports:job`` to the spec's own page (``training/imports.py``).
"""

import gzip
import json
import logging
import re
import tempfile
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from io import BytesIO

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation

from branches.xlsx import safe_cell, set_safe

logger = logging.getLogger(__name__)

TEXT, CODE, INT, DATE, BOOL, CHOICE = "text", "code", "int", "date", "bool", "choice"
ACTIONS = ("create", "update", "unchanged", "error")
HEADER_SEARCH_ROWS = 5  # the header row is looked for among the first rows
MAX_COLUMNS = 60
EMPTY_RUN_LIMIT = 200  # stop reading a sheet after this many empty rows in a row
MAX_ROWS = 200_000
SAMPLES = 100  # rows of each action kept in the preview for display
ERROR_SAMPLES = 1000  # errors shown on the page; the error workbook has all of them
TEMPLATE_ROWS = 5000  # rows covered by the template's list validations
TEMPLATE_LANGUAGE = "zh-hans"  # templates (headers, notes, choice lists) are always Chinese
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+[\d:]+)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YES = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
_NO = {"否", "n", "no", "false", "0", "×", "✗", "无", "x"}
_EXCEL_EPOCH = date(1899, 12, 30)
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')


class FileError(Exception):
    """The workbook as a whole cannot be read; the message is shown to the uploader."""


class CellError(ValueError):
    """A value that cannot be read in its column (message in Chinese)."""


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = TEXT
    required: bool = False
    choices: tuple = ()  # (value, label) pairs for CHOICE columns
    hint: str = ""  # shown as the header cell's comment in the template
    width: int = 14
    aliases: tuple = ()  # other headers accepted for this column (e.g. 所在支部 for 支部)


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple
    key: tuple  # column keys making a row's stable key
    notes: str = ""  # the notes row of the template (how rows are matched, what is required)
    any_of: tuple = ()  # column keys of which at least one must be in the header
    first_sheet: bool = False  # read the workbook's first sheet when none has this name

    def worksheet(self, workbook):
        """This sheet of an open workbook, or None."""
        if self.name in workbook.sheetnames:
            return workbook[self.name]
        return workbook.worksheets[0] if self.first_sheet and workbook.worksheets else None

    def column(self, key):
        return next(c for c in self.columns if c.key == key)


@dataclass
class Row:
    """One data row read from a sheet: ``values`` by column key, cell problems in ``errors``."""

    number: int  # the Excel row number
    values: dict
    errors: list = field(default_factory=list)  # (header, message)


@dataclass
class RowResult:
    row: int
    action: str  # create / update / unchanged / error
    key: str = ""
    label: str = ""
    changes: list = field(default_factory=list)  # (header, old, new)
    errors: list = field(default_factory=list)  # (header, message)
    data: object = None  # the spec's own payload for apply (not stored)
    tag: str = ""  # the spec's finer kind of row (e.g. ambiguous / unknown), counted in the preview


class SheetPlan:
    """The results of one sheet.

    By default every ``RowResult`` is kept in ``results`` (a spec's ``apply`` reads them). With
    ``keep=False`` only the preview's summary is kept (counts, tags, samples, every error), so
    planning a province workbook does not hold 60,000 results in memory: a streaming spec
    hands each result to its writer as it goes.
    """

    def __init__(self, results=None, *, keep=True):
        self.results = ([] if results is None else results) if keep else None
        self._summary = None if keep else _Summary()

    def add(self, result):
        if self.results is not None:
            self.results.append(result)
        else:
            self._summary.add(result)
        return result

    def summary(self):
        if self.results is None:
            return self._summary
        summary = _Summary()
        for result in self.results:
            summary.add(result)
        return summary


class _Summary:
    """What the preview shows of a sheet, built one result at a time."""

    def __init__(self):
        self.counts = dict.fromkeys(ACTIONS, 0)
        self.tags = {}
        self.samples = {action: [] for action in ACTIONS}
        self.errors = {}  # row number (str) -> [[column, message]], all of them

    def add(self, result):
        self.counts[result.action] += 1
        if result.tag:
            self.tags[result.tag] = self.tags.get(result.tag, 0) + 1
        if result.action != "error" and len(self.samples[result.action]) >= SAMPLES:
            return
        entry = {"row": result.row, "key": result.key, "label": result.label}
        if result.tag:
            entry["tag"] = result.tag
        if result.action == "update":
            entry["changes"] = [[str(h), _show(o), _show(n)] for h, o, n in result.changes]
        if result.action == "error":
            entry["errors"] = [[str(h), str(m)] for h, m in result.errors]
            self.errors[str(result.row)] = entry["errors"]  # all, for the workbook
            if len(self.samples["error"]) < ERROR_SAMPLES:
                self.samples["error"].append(entry)
        else:
            self.samples[result.action].append(entry)


@dataclass
class Plan:
    sheets: dict  # sheet name -> SheetPlan
    notes: list = field(default_factory=list)  # (title, [lines]) shown above the sheets
    data: object = None  # the spec's own state for apply

    @property
    def error_count(self):
        return sum(sheet.summary().counts["error"] for sheet in self.sheets.values())

    def to_json(self):
        sheets = []
        errors = {}
        for name, sheet in self.sheets.items():
            summary = sheet.summary()
            if summary.errors:
                errors[name] = summary.errors
            sheets.append(
                {"name": name, "counts": summary.counts, "tags": summary.tags, "samples": summary.samples}
            )
        return {
            "sheets": sheets,
            "notes": [[str(title), [str(line) for line in lines]] for title, lines in self.notes],
            "error_count": sum(sheet["counts"]["error"] for sheet in sheets),
            "errors": errors,
        }


class ImportSpec:
    """Describe one import: its sheets, how rows are planned and how a plan is written."""

    kind = ""
    title = ""
    sheets = ()
    filename = "template.xlsx"
    # A partial import writes the rows without errors and skips the others (a sign-in sheet
    # lists guests who are no members); otherwise one error blocks the whole import.
    partial = False

    def require_access(self, user, organization):
        """Raise PermissionDenied unless ``user`` may upload or run a job of this kind for
        ``organization`` (the job's; None for the onboarding import). The job services start
        with it. By default: the IMPORT action somewhere (unit staff, admins)."""
        from branches import permissions

        permissions.require_any(user, permissions.Action.IMPORT)

    def job_url(self, job):
        """Where a job of this kind is shown (the generic job page unless the spec has its own)."""
        from django.urls import reverse

        return reverse("imports:job", args=[job.pk])

    def plan(self, rows, *, job, progress, final=False):  # pragma: no cover - abstract
        """Classify ``rows`` ({sheet name: [Row]}) without writing; return a ``Plan``.

        ``final`` is set when re-planning a confirmed job inside the write transaction: checks
        that depend only on the row's own values were already shown in the preview and are
        repeated by the services on write, so a spec may skip them to save time.
        """
        raise NotImplementedError

    def apply(self, plan, *, job, progress):  # pragma: no cover - abstract
        raise NotImplementedError


_REGISTRY = {}


def register(spec):
    _REGISTRY[spec.kind] = spec
    return spec


def get_spec(kind):
    return _REGISTRY[kind]


# --- values --------------------------------------------------------------------------------------


def half_width(text):
    return text.translate(_FULL_WIDTH)


def clean_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())  # runs of whitespace (also the ideographic space) become one


def parse_date(value):
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 200000:  # an Excel serial day number (cell not formatted as a date)
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(_("日期格式无法识别：%(value)s") % {"value": value})
    text = half_width(clean_text(value))
    match = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if not match:
        raise CellError(_("日期格式无法识别：%(value)s（请填写如 2026-01-05）") % {"value": text})
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise CellError(_("不存在的日期：%(value)s") % {"value": text}) from None


def parse_int(value):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(_("请填写整数。"))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError(_("请填写整数：%(value)s") % {"value": value})
    text = half_width(clean_text(value)).replace(",", "")
    if not re.fullmatch(r"-?\d+", text):
        raise CellError(_("请填写整数：%(value)s") % {"value": text})
    return int(text)


def parse_bool(value):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = half_width(clean_text(value)).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellError(_("请填写“是”或“否”：%(value)s") % {"value": text})


_CHOICE_LOOKUPS = {}


def _choice_lookup(column):
    """{label in any UI language or stored value: stored value}, built once per column."""
    found = _CHOICE_LOOKUPS.get(id(column))
    if found is not None and found[0] is column:
        return found[1]
    lookup = {stored: stored for stored, _label in column.choices}
    for language, _name in reversed(settings.LANGUAGES):  # the template's labels win
        with translation.override(language):
            lookup.update({str(label): stored for stored, label in column.choices})
    _CHOICE_LOOKUPS[id(column)] = (column, lookup)
    return lookup


def coerce(column, value):
    """The normalised value of one cell in ``column`` (None when empty); CellError if unreadable."""
    if column.kind == DATE:
        return parse_date(value)
    if column.kind == INT:
        return parse_int(value)
    if column.kind == BOOL:
        return parse_bool(value)
    if isinstance(value, datetime | date):
        value = f"{value:%Y-%m-%d}"
    text = clean_text(value)
    if column.kind in (CODE, CHOICE):
        text = half_width(text).strip()
    if column.kind == CHOICE and text:
        lookup = _choice_lookup(column)
        if text in lookup:
            return lookup[text]
        labels = "、".join(str(label) for _stored, label in column.choices)
        raise CellError(_("“%(value)s”不是可选值（可选：%(labels)s）") % {"value": text, "labels": labels})
    return text or None


def _show(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return str(value)


def show(value):
    """How a value appears in previews and messages (dates as 2026-01-05, booleans 是/否)."""
    return _show(value)


# --- reading -------------------------------------------------------------------------------------


class _LazySheet(ReadOnlyWorksheet):
    """A read-only sheet that does not parse its whole XML when opened.

    openpyxl looks for the ``<dimension>`` element on opening, and when a file has none (files
    written by streaming writers) that search parses the entire sheet once more. Nothing here
    needs the size up front (``_row_estimate`` reads the element itself for the progress bar).
    """

    def _get_size(self):
        pass


class _Reader(ExcelReader):
    def read_worksheets(self):
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                continue
            worksheet = _LazySheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


def open_workbook(file):
    """Open an uploaded file for streaming; FileError with a clear message if it is no .xlsx."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileError(_("这是旧版 Excel（.xls）文件。请在 Excel 中“另存为” .xlsx 格式后再上传。"))
    if not head.startswith(b"PK"):
        raise FileError(_("文件不是 Excel 工作簿（.xlsx）。请使用下载的模板填写后上传。"))
    try:
        reader = _Reader(file, read_only=True, data_only=False)
        reader.read()
        return reader.wb
    except Exception as exc:  # openpyxl raises many kinds for damaged archives
        logger.info("unreadable workbook: %r", exc)
        raise FileError(_("无法读取该文件：它不是有效的 Excel 工作簿（.xlsx），或文件已损坏。")) from None


def merged_ranges(worksheet):
    """The merged ranges of a read-only sheet, found by scanning its XML in chunks."""
    ranges, tail = [], b""
    with worksheet.parent._archive.open(worksheet._worksheet_path) as source:
        while chunk := source.read(1 << 20):
            data = tail + chunk
            if b"mergeCell" in data:
                ranges.extend(match.decode() for match in _MERGE_REF.findall(data))
                last = data.rfind(b"<")
                tail = data[last:] if last >= 0 and b">" not in data[last:] else b""
            else:
                tail = data[-200:]
    return sorted(set(ranges))


def _header_positions(sheet_spec, header_cells):
    wanted = {str(name): c for c in sheet_spec.columns for name in (c.header, *c.aliases)}
    positions = {}
    for index, value in enumerate(header_cells):
        text = clean_text(value).replace("*", "").replace("＊", "").strip()
        if text in wanted and wanted[text].key not in positions:
            positions[wanted[text].key] = index
    return positions


def _find_header(worksheet, sheet_spec):
    best = (None, {})
    for number, row in enumerate(
        worksheet.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS, max_col=MAX_COLUMNS, values_only=True),
        start=1,
    ):
        positions = _header_positions(sheet_spec, row)
        if len(positions) > len(best[1]):
            best = (number, positions)
    number, positions = best
    missing = [str(c.header) for c in sheet_spec.columns if c.required and c.key not in positions]
    if number is None or missing:
        raise FileError(
            _("工作表“%(sheet)s”缺少必填列：%(columns)s。请使用下载的模板，不要修改表头。")
            % {"sheet": sheet_spec.name, "columns": "、".join(missing)}
        )
    if sheet_spec.any_of and not any(key in positions for key in sheet_spec.any_of):
        raise FileError(
            _("工作表“%(sheet)s”需要以下列之一：%(columns)s。")
            % {
                "sheet": sheet_spec.name,
                "columns": "、".join(str(sheet_spec.column(key).header) for key in sheet_spec.any_of),
            }
        )
    return number, positions


def _merged_rows(worksheet, header_row, width):
    """{row number: message} for data rows touched by a merged range."""
    found = {}
    for ref in merged_ranges(worksheet):
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        if max_row <= header_row or min_col > width:
            continue
        message = _("第 %(rows)s 行在合并单元格 %(ref)s 中：请取消合并，并在每一行分别填写。") % {
            "rows": f"{max(min_row, header_row + 1)}–{max_row}" if max_row > min_row else min_row,
            "ref": ref,
        }
        for number in range(max(min_row, header_row + 1), min(max_row, header_row + MAX_ROWS) + 1):
            found[number] = message
    return found


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE, _FORMULA, _TEXT = (f"{_NS}{tag}" for tag in ("row", "c", "v", "f", "t"))
_LETTERS = re.compile(r"[A-Z]+")


class FormulaText(str):
    """The text of a formula cell (its cached result is not trusted)."""


def _cell_value(cell, shared):
    formula = cell.find(_FORMULA)
    if formula is not None:
        return FormulaText(f"={formula.text or ''}")
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        return "".join(node.text or "" for node in cell.iter(_TEXT))
    value = cell.find(_VALUE)
    text = value.text if value is not None else None
    if text is None:
        return None
    if kind == "s":
        return str(shared[int(text)])
    if kind == "b":
        return text == "1"
    if kind in ("str", "e"):
        return text
    if kind == "d":
        return text[:10]
    number = float(text)
    return int(number) if number.is_integer() else number


def iter_sheet_values(worksheet, width):
    """(row number, [value × width]) for each row of a read-only sheet, streamed from its XML.

    Leaner than openpyxl's cell objects (a province roster is ~800,000 cells); formulas come
    back as ``FormulaText``. Rows absent from the file are not yielded.
    """
    shared = worksheet._shared_strings
    columns = {}
    number = 0
    with worksheet.parent._archive.open(worksheet._worksheet_path) as source:
        for _event, element in ET.iterparse(source, events=("end",)):
            if element.tag != _ROW:
                continue
            number = int(element.get("r") or number + 1)
            values = [None] * width
            position = 0
            for cell in element.iter(_CELL):
                ref = cell.get("r")
                if ref:
                    letters = _LETTERS.match(ref).group()
                    if letters not in columns:
                        columns[letters] = column_index_from_string(letters) - 1
                    position = columns[letters]
                if position < width:
                    values[position] = _cell_value(cell, shared)
                position += 1
            element.clear()
            yield number, values


def iter_sheet_rows(worksheet, sheet_spec, *, progress=None):
    """The data rows of one sheet as ``Row`` s (values normalised, cell errors collected),
    one at a time, so a caller that does not keep them reads in bounded memory."""
    header_row, positions = _find_header(worksheet, sheet_spec)
    width = max(positions.values()) + 1
    merged = _merged_rows(worksheet, header_row, width)
    columns = [(sheet_spec.column(key), index) for key, index in positions.items()]
    required = [column for column, _index in columns if column.required]
    estimate = max(_row_estimate(worksheet) - header_row, 1)
    count, last = 0, header_row
    formula = _("单元格是公式，请改为直接填写数值（复制后“选择性粘贴为数值”）。")
    missing = _("必填项未填写。")
    for number, cells in iter_sheet_values(worksheet, width):
        if number <= header_row:
            continue
        if number - last > EMPTY_RUN_LIMIT:
            break  # e.g. 100,000 formatted but empty rows: stop instead of reading them all
        if all(value is None or (isinstance(value, str) and not value.strip()) for value in cells):
            continue
        last = number
        if count >= MAX_ROWS:
            raise FileError(
                _("工作表“%(sheet)s”超过 %(max)d 行，请分成几个文件导入。")
                % {"sheet": sheet_spec.name, "max": MAX_ROWS}
            )
        row = Row(number=number, values={})
        if number in merged:
            row.errors.append((_("整行"), merged[number]))
        values = row.values
        for column, index in columns:
            value = cells[index]
            if isinstance(value, FormulaText) or (isinstance(value, str) and value.startswith("=")):
                row.errors.append((column.header, formula))
                continue
            try:
                values[column.key] = coerce(column, value)
            except CellError as exc:
                row.errors.append((column.header, str(exc)))
        for column in required:
            if values.get(column.key) is None and not _has_error(row, column):
                row.errors.append((column.header, missing))
        count += 1
        yield row
        if progress is not None and count % 2000 == 0:
            progress(min(count / estimate, 1.0))


def read_sheet(worksheet, sheet_spec, *, progress=None):
    """The data rows of one sheet as a list of ``Row`` s."""
    return list(iter_sheet_rows(worksheet, sheet_spec, progress=progress))


def _has_error(row, column):
    return any(header == column.header for header, _message in row.errors)


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*\d*:?[A-Z]*(\d+)"')


def _row_estimate(worksheet):
    """The sheet's last row from its ``<dimension>`` element (for the progress bar only)."""
    with worksheet.parent._archive.open(worksheet._worksheet_path) as source:
        match = _DIMENSION.search(source.read(4096))
    return int(match.group(1)) if match else 1


def _sheets(workbook, spec):
    missing = [sheet.name for sheet in spec.sheets if sheet.worksheet(workbook) is None]
    if missing:
        raise FileError(
            _("缺少工作表：%(sheets)s。请使用下载的模板（不要修改工作表名称）。")
            % {"sheets": "、".join(f"“{name}”" for name in missing)}
        )
    return [
        (index, sheet_spec, sheet_spec.worksheet(workbook)) for index, sheet_spec in enumerate(spec.sheets)
    ]


def read_workbook(file, spec, *, progress=None):
    """{sheet name: [Row, ...]} for every sheet of ``spec``; FileError if the file is unusable."""
    workbook = open_workbook(file)
    try:
        result = {}
        for index, sheet_spec, worksheet in _sheets(workbook, spec):
            part = (
                progress.part(index / len(spec.sheets), (index + 1) / len(spec.sheets)) if progress else None
            )
            result[sheet_spec.name] = read_sheet(worksheet, sheet_spec, progress=part)
        return result
    finally:
        workbook.close()


class SpooledSheet:
    """The normalised rows of one sheet, kept in a gzip JSON-lines file and read back one at a
    time (``len()`` and repeated iteration work like a list's; nothing is held in memory)."""

    def __init__(self, storage, name, count):
        self.storage, self.name, self.count = storage, name, count

    def __len__(self):
        return self.count

    def __bool__(self):
        return self.count > 0

    def __iter__(self):
        ordinal = date.fromordinal
        with self.storage.open(self.name, "rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
            for line in lines:
                number, values, errors, dates = json.loads(line)
                for key in dates:  # dates are stored as day ordinals (no per-object decoding hook)
                    values[key] = ordinal(values[key])
                yield Row(number=number, values=values, errors=[tuple(e) for e in errors])


class SpooledRows(dict):
    """{sheet name: SpooledSheet} of a job (a dict, so ``rows.get(name, ())`` works)."""


def _spool_name(job, index):
    return f"{job.file.name}.rows.{index}.jsonl.gz"


def _spool_index_name(job):
    return f"{job.file.name}.rows.json"


def spool_workbook(job, spec, *, progress=None):
    """Read the job's workbook once, streaming, and keep its normalised rows beside the upload
    (one gzip JSON-lines file per sheet), so that the plan and the confirmed write stream them
    instead of parsing the workbook again or holding it in memory."""
    storage = job.file.storage
    counts = {}
    with job.file.open("rb") as handle:
        workbook = open_workbook(handle)
        try:
            for index, sheet_spec, worksheet in _sheets(workbook, spec):
                part = (
                    progress.part(index / len(spec.sheets), (index + 1) / len(spec.sheets))
                    if progress
                    else None
                )
                with tempfile.TemporaryFile() as buffer:
                    count = 0
                    with gzip.open(buffer, "wt", encoding="utf-8", compresslevel=3) as out:
                        for row in iter_sheet_rows(worksheet, sheet_spec, progress=part):
                            errors = [[str(h), str(m)] for h, m in row.errors]
                            values, dates = row.values, []
                            for key, value in values.items():
                                if isinstance(value, date):
                                    values[key] = value.toordinal()
                                    dates.append(key)
                            out.write(json.dumps([row.number, values, errors, dates], ensure_ascii=False))
                            out.write("\n")
                            count += 1
                    buffer.seek(0)
                    name = _spool_name(job, index)
                    if storage.exists(name):
                        storage.delete(name)
                    storage.save(name, File(buffer))
                counts[sheet_spec.name] = [index, count]
        finally:
            workbook.close()
    if storage.exists(_spool_index_name(job)):
        storage.delete(_spool_index_name(job))
    storage.save(_spool_index_name(job), ContentFile(json.dumps(counts).encode()))
    return _spooled(job, counts)


def _spooled(job, counts):
    storage = job.file.storage
    return SpooledRows(
        {
            sheet: SpooledSheet(storage, _spool_name(job, index), count)
            for sheet, (index, count) in counts.items()
        }
    )


def load_spool(job):
    """The spooled rows of a previewed job, or None when there are none."""
    storage = job.file.storage
    if not storage.exists(_spool_index_name(job)):
        return None
    with storage.open(_spool_index_name(job), "rb") as handle:
        counts = json.loads(handle.read())
    return _spooled(job, counts)


# --- progress ------------------------------------------------------------------------------------


class Progress:
    """Report a job's progress (0–100) to the cache; ``part`` maps a sub-range of the work."""

    def __init__(self, job_id, start=0.0, end=1.0, note=""):
        self.job_id, self.start, self.end, self.note = job_id, start, end, note
        self._last = None

    def __call__(self, fraction, note=None):
        percent = int(100 * (self.start + (self.end - self.start) * max(0.0, min(fraction, 1.0))))
        note = self.note if note is None else note
        if (percent, note) != self._last:
            self._last = (percent, note)
            cache.set(progress_key(self.job_id), {"percent": percent, "note": str(note)}, 6 * 3600)

    def part(self, start, end, note=None):
        span = self.end - self.start
        return Progress(
            self.job_id,
            self.start + span * start,
            self.start + span * end,
            self.note if note is None else note,
        )


def progress_key(job_id):
    return f"import-progress:{job_id}"


def job_progress(job):
    """(percent, note) of a job: live from the cache while it runs, else from the row."""
    if job.is_running:
        live = cache.get(progress_key(job.pk))
        if live:
            return live["percent"], live["note"]
    return (100 if job.status in (job.Status.PREVIEW, job.Status.DONE) else job.progress), ""


# --- jobs ----------------------------------------------------------------------------------------


class PlanRejected(Exception):
    def __init__(self, plan):
        super().__init__("plan has errors")
        self.plan = plan


def _job_model():
    from branches.models import ImportJob

    return ImportJob


def _read_and_plan(job, spec, progress, *, final=False):
    rows = load_spool(job) if final else None
    if rows is not None:  # confirming: the rows were read and spooled by the preview
        return spec.plan(rows, job=job, progress=progress, final=final)
    rows = spool_workbook(job, spec, progress=progress.part(0, 0.6, _("正在读取表格")))
    return spec.plan(rows, job=job, progress=progress.part(0.6, 1.0, _("正在校验数据")), final=final)


def preview_job(job_id):
    """Read and plan an uploaded workbook; store the preview (idempotent: runs once per job)."""
    ImportJob = _job_model()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.PARSING, progress=0
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("uploaded_by", "organization").get(pk=job_id)
    spec = get_spec(job.kind)
    progress = Progress(job.pk)
    progress(0, _("正在读取表格"))
    try:
        plan = _read_and_plan(job, spec, progress)
    except FileError as exc:
        _finish(job, status=ImportJob.Status.FAILED, message=str(exc))
        return job.status
    except Exception:
        logger.exception("import %s: preview failed", job_id)
        _finish(
            job, status=ImportJob.Status.FAILED, message=_("处理文件时发生意外错误，请检查文件后重新上传。")
        )
        return job.status
    _finish(job, status=ImportJob.Status.PREVIEW, preview=plan.to_json(), message="")
    return job.status


def apply_job(job_id):
    """Write a confirmed job in one transaction after re-planning it; all rows or none."""
    from branches.services import history_context

    ImportJob = _job_model()
    job = ImportJob.objects.select_related("uploaded_by", "organization").get(pk=job_id)
    if job.status != ImportJob.Status.APPLYING:
        return job.status  # already written, or not confirmed: nothing to do
    spec = get_spec(job.kind)
    progress = Progress(job.pk)
    progress(0, _("正在重新校验"))
    try:
        # A streaming spec may write while it re-plans (in the same transaction): any error
        # found on the way rolls every write back.
        with transaction.atomic(), history_context(user=job.uploaded_by, reason=job.label):
            plan = _read_and_plan(job, spec, progress.part(0, 0.8), final=True)
            if _error_rows(plan.to_json()) != (_error_rows(job.preview) if spec.partial else {}):
                raise PlanRejected(plan)  # new errors since the preview: write nothing
            result = spec.apply(plan, job=job, progress=progress.part(0.8, 1.0, _("正在写入")))
    except PlanRejected as rejected:
        _finish(
            job,
            status=ImportJob.Status.PREVIEW,
            preview=rejected.plan.to_json(),
            message=_("确认导入时发现 %(count)d 行有错误（数据在预览后发生了变化），未写入任何数据。")
            % {"count": rejected.plan.error_count},
        )
    except ValidationError as exc:
        _finish(
            job,
            status=ImportJob.Status.PREVIEW,
            message=_("导入被拒绝，未写入任何数据：%(reason)s") % {"reason": "；".join(exc.messages)},
        )
    except FileError as exc:
        _finish(job, status=ImportJob.Status.FAILED, message=str(exc))
    except Exception:
        logger.exception("import %s: apply failed", job_id)
        _finish(job, status=ImportJob.Status.PREVIEW, message=_("导入时发生意外错误，未写入任何数据。"))
    else:
        _finish(job, status=ImportJob.Status.DONE, result=result, applied_at=timezone.now(), message="")
    return job.status


def _error_rows(preview):
    """{sheet: {row numbers with errors}} of a stored preview."""
    return {sheet: set(rows) for sheet, rows in (preview or {}).get("errors", {}).items() if rows}


def _finish(job, **fields):
    for name, value in fields.items():
        setattr(job, name, value)
    job.progress = 100 if job.status in (job.Status.PREVIEW, job.Status.DONE) else job.progress
    job.save(update_fields=[*fields, "progress"])
    cache.delete(progress_key(job.pk))


# --- writing workbooks ---------------------------------------------------------------------------


def template_workbook(spec):
    """The blank template of ``spec`` as .xlsx bytes, in Chinese whatever the UI language."""
    with translation.override(TEMPLATE_LANGUAGE):
        return _template_workbook(spec)


def _template_workbook(spec):
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for sheet_spec in spec.sheets:
        sheet = workbook.create_sheet(sheet_spec.name)
        set_safe(sheet.cell(row=1, column=1), sheet_spec.notes)
        sheet.cell(row=1, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[1].height = 15 * max(2, sheet_spec.notes.count("\n") + 1)
        for index, column in enumerate(sheet_spec.columns, start=1):
            cell = sheet.cell(row=2, column=index)
            set_safe(cell, f"{column.header}*" if column.required else str(column.header))
            cell.font = bold
            if column.hint:
                cell.comment = Comment(str(column.hint), "模板")
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = column.width
            options = None
            if column.kind == CHOICE:
                options = [str(label) for _stored, label in column.choices]
            elif column.kind == BOOL:
                options = [_("是"), _("否")]
            if options:
                validation = DataValidation(
                    type="list",
                    formula1='"' + ",".join(options) + '"',
                    allow_blank=not column.required,
                    showErrorMessage=True,
                    errorTitle=_("请从列表中选择"),
                    error=_("可选：%(labels)s") % {"labels": "、".join(options)},
                )
                validation.add(f"{letter}3:{letter}{TEMPLATE_ROWS}")
                sheet.add_data_validation(validation)
            if column.kind == CODE:
                # Text format, so that Excel keeps numbers such as 001 as typed.
                sheet.column_dimensions[letter].number_format = "@"
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(sheet_spec.columns))
        sheet.freeze_panes = "A3"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def error_workbook(job):
    """The uploaded rows of every sheet with a 错误说明 column filled on the rows with errors.

    Streams the upload again (read-only) into a write-only workbook, so memory stays bounded.
    """
    spec = get_spec(job.kind)
    errors = (job.preview or {}).get("errors", {})
    red = PatternFill("solid", fgColor="FFF2CC")
    output = Workbook(write_only=True)
    with job.file.open("rb") as handle:
        source = open_workbook(handle)
        try:
            for sheet_spec in spec.sheets:
                worksheet = sheet_spec.worksheet(source)
                if worksheet is None:
                    continue
                sheet_errors = errors.get(sheet_spec.name, {})
                target = output.create_sheet(sheet_spec.name)
                header_row, positions = _find_header(worksheet, sheet_spec)
                width = max(max(positions.values()) + 1, len(sheet_spec.columns))
                for index in range(width):
                    target.column_dimensions[get_column_letter(index + 1)].width = 14
                target.column_dimensions[get_column_letter(width + 1)].width = 60
                kinds = [None] * width
                for key, index in positions.items():
                    kinds[index] = sheet_spec.column(key).kind
                last = header_row
                for number, cells in iter_sheet_values(worksheet, width):
                    if number - last > EMPTY_RUN_LIMIT:
                        break
                    if number > header_row and all(v in (None, "") for v in cells):
                        continue
                    last = max(last, number)
                    row = [
                        safe_cell(target, _plain(value, kind))
                        for value, kind in zip(cells, kinds, strict=True)
                    ]
                    if number == header_row:
                        row.append(safe_cell(target, _("错误说明"), font=Font(bold=True)))
                    elif str(number) in sheet_errors:
                        message = "；".join(f"{column}：{text}" for column, text in sheet_errors[str(number)])
                        row.append(safe_cell(target, message, fill=red))
                    target.append(row)
        finally:
            source.close()
    buffer = BytesIO()
    output.save(buffer)
    return buffer.getvalue()


def _plain(value, kind):
    """A cell value as the error workbook shows it: formulas as their text, dates as dates."""
    if isinstance(value, FormulaText):
        return str(value)
    if kind == DATE and isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return f"{parse_date(value):%Y-%m-%d}"
        except CellError:
            return value
    return value


def is_xlsx_name(name):
    return name.lower().endswith(".xlsx")


def check_archive(file):
    """Cheap pre-check of an upload before it is stored (size is checked by the caller)."""
    try:
        file.seek(0)
        ok = zipfile.is_zipfile(file)
    finally:
        file.seek(0)
    return ok
