"""Reading and writing what coalition leads send: spreadsheets in every form they come in.

CSV as spreadsheets write it — ``,`` or ``;`` separators, UTF-8 with or without
BOM, or Windows-1252, decimal commas, spaces or non-breaking spaces between
thousands, ``\\r\\n`` line ends, empty rows and columns — and ``.xlsx``. Every
cell keeps its spreadsheet row number, so that messages point at what the lead
sees. Text written back into a spreadsheet is neutralised: a cell starting
with ``=``, ``+``, ``-`` or ``@`` is a formula to Excel and LibreOffice.

What a file may hold is capped (``MAX_ROWS``, ``MAX_COLUMNS``, ``MAX_BYTES``) and
checked before the file is read whole: an .xlsx is a zip archive whose central
directory gives each part's uncompressed size (a part is never read past it), its
declared dimension is not trusted, and reading stops at the first cell past a limit.
Limits count what a workbook holds, not what it shows: before openpyxl reads it,
every XML part is streamed once and its rows, cells (empty ones included) and
shared strings are counted as they are parsed, keeping nothing (``MAX_SHEET_ROWS``,
``MAX_ROW_CELLS``, ``MAX_CELLS``, ``MAX_SHARED_STRINGS``, ``MAX_ELEMENTS``): a
33 kB workbook of 8 million empty cells is refused in a fraction of a second
instead of taking gigabytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from observatory.errors import DescribedText, ObservatoryError, Problem, Text

ENCODINGS = ("utf-8-sig", "cp1252")
THOUSANDS = re.compile(r"(?<=\d)[ \u00a0\u202f\u2009](?=\d{3}(?:\D|$))")
FRENCH_NUMBER = re.compile(r"^[+-]?\d+(?:[ \u00a0\u202f\u2009]\d{3})*(?:,\d+)?$")
FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# What one file sent for import may hold: far above a coalition's needs, far below what hurts the machine.
MAX_ROWS = 50_000  # rows of the sheet, the header included
MAX_COLUMNS = 200
MAX_BYTES = 200 * 1024 * 1024  # a CSV file, or an .xlsx workbook once uncompressed
# What a workbook's XML may hold, empty elements included (openpyxl would build each one in memory).
MAX_SHEET_ROWS = 1_048_576  # <row> elements in a sheet: a spreadsheet's own maximum
MAX_ROW_CELLS = 16_384  # <c> elements in one row: a spreadsheet's own maximum of columns
MAX_CELLS = 1_000_000  # <c> elements in the workbook: 50,000 rows of 20 cells
MAX_SHARED_STRINGS = 1_000_000  # <si> elements: no more texts than cells
MAX_ELEMENTS = 4_000_000  # elements of every kind in all the workbook's XML parts


def _too_big(name: str, found: str, limit: str) -> ObservatoryError:
    return ObservatoryError(Problem(name, value=found, expected=Text("import_limit", limit=limit)))


@dataclass
class Table:
    """A sheet as read: its header and its rows, each with its spreadsheet row number."""

    name: str  # the file's name as the user knows it
    header: list[str]
    rows: list[tuple[int, list[str | None]]]
    # Faults found in reading the rows (cells past the header): listed with the rows' own, as validate lists them.
    problems: list[Problem] = field(default_factory=list)


def _text(value: object) -> str | None:
    """A cell as text: dates in ISO, whole floats without '.0', blanks as None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    text = str(value).strip()
    return text or None


def read_csv(path: Path, name: str) -> Table:
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise _too_big(name, Text("big_bytes", size=f"{size:,}"),
                       Text("big_bytes_limit", most=f"{MAX_BYTES:,}", mb=MAX_BYTES // 2**20))
    text = _decode(path.read_bytes(), name)
    if "\x00" in text:
        raise ObservatoryError(Problem(name, value=Text("binary_content"),
                                           expected=Text("csv_or_xlsx")))
    first_line = next((line for line in text.splitlines() if line.strip(" ,;\t")), "")
    # The separator is the one the header uses most: a French export says ';'.
    separator = max((";", ",", "\t"), key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    records = []
    try:
        for number, record in enumerate(reader, start=1):
            cells = [_text(c) for c in record]
            _check_extent(name, number, cells)
            records.append((number, cells))
    except csv.Error as exc:
        raise ObservatoryError(Problem(name, line=reader.line_num, value=str(exc),
                                           expected=Text("well_formed_csv"))) from None
    return _to_table(name, records)


def _decode(raw: bytes, name: str) -> str:
    """The text in the first encoding that reads it all."""
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError as exc:
            failure = exc
    # Windows-1252 leaves five bytes undefined (0x81, 0x8d, 0x8f, 0x90, 0x9d): name the first one found.
    byte = raw[failure.start]
    raise ObservatoryError(Problem(name, value=Text("byte_at", byte=f"{byte:02x}", offset=failure.start),
                                       expected=Text("csv_encodings")))


def _check_extent(name: str, number: int, cells: list) -> None:
    """Refuse a row past MAX_ROWS or a cell past MAX_COLUMNS, if it holds anything."""
    if len(cells) > MAX_COLUMNS and any(c not in (None, "") for c in cells[MAX_COLUMNS:]):
        last = max(i for i, c in enumerate(cells, start=1) if c not in (None, ""))
        raise _too_big(name, Text("big_cell", column=last, row=number), Text("big_columns", most=MAX_COLUMNS))
    if number > MAX_ROWS and any(c not in (None, "") for c in cells):
        raise _too_big(name, Text("big_row", row=f"{number:,}"), Text("big_rows", most=f"{MAX_ROWS:,}"))


def _open_xlsx(path: Path, name: str):
    """The workbook, once its archive is known to be sound and small enough; a clear refusal otherwise."""
    import zipfile

    def refuse(what: str) -> ObservatoryError:
        return ObservatoryError(Problem(name, value=what, expected=Text("xlsx")))

    with open(path, "rb") as handle:
        start = handle.read(4)
    if not zipfile.is_zipfile(path):
        if start.startswith(b"PK"):
            return None, refuse(Text("xlsx_no_end"))
        return None, refuse(Text("xlsx_not_zip_text" if start.isascii() and start.strip() else "xlsx_not_zip"))
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            names = {part.filename for part in parts}
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return None, refuse(Text("xlsx_damaged", reason=exc))
    if "xl/workbook.xml" not in names:
        return None, refuse(Text("xlsx_no_workbook"))
    total = sum(part.file_size for part in parts)
    if total > MAX_BYTES:
        raise _too_big(name, Text("big_uncompressed", size=f"{total:,}"),
                       Text("big_uncompressed_limit", most=f"{MAX_BYTES:,}", mb=MAX_BYTES // 2**20))
    try:
        _count_elements(path, parts, name)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        return None, refuse(Text("xlsx_damaged", reason=exc))
    except RuntimeError:  # zipfile: "File ... is encrypted, password required for extraction"
        return None, refuse(Text("xlsx_password"))
    except NotImplementedError as exc:  # a compression method zipfile lacks
        return None, refuse(Text("xlsx_compression", reason=exc))
    return parts, None


class _Refused(Exception):
    """Raised from inside the XML parser's callbacks: a limit is passed, stop reading."""


def _count_elements(path: Path, parts, name: str) -> None:
    """Stream every XML part of the workbook once, keeping nothing, and refuse it at the first element past a
    limit: rows, cells (empty ones included) and shared strings count as they are parsed, so that what
    openpyxl then builds in memory is bounded whatever the file. A part is read no further than the size the
    archive declares for it (zipfile stops there), which MAX_BYTES already bounds."""
    import zipfile
    import zlib
    from xml.parsers import expat

    elements = cells = 0
    with zipfile.ZipFile(path) as archive:
        for part in parts:
            if not part.filename.endswith((".xml", ".rels")) or part.is_dir():
                continue
            where = part.filename
            in_sheet = where.startswith("xl/worksheets/")
            rows = row_cells = strings = 0

            # One call per element: kept small (ints in closures, no namespaces, attributes as a list).
            def start(tag: str, _attributes) -> None:
                nonlocal elements, cells, rows, row_cells, strings
                elements += 1
                local = tag[tag.find(":") + 1:]
                if local == "c" and in_sheet:
                    cells += 1
                    row_cells += 1
                    if row_cells > MAX_ROW_CELLS or cells > MAX_CELLS:
                        raise _Refused(_too_big(name, Text("big_row_cells", most=f"{MAX_ROW_CELLS:,}", rows=f"{rows:,}",
                                                     where=where),
                                                Text("big_row_cells_limit", most=f"{MAX_ROW_CELLS:,}"))
                                       if row_cells > MAX_ROW_CELLS else
                                       _too_big(name, Text("big_cells", most=f"{MAX_CELLS:,}"),
                                                Text("big_cells_limit", most=f"{MAX_CELLS:,}")))
                elif local == "row" and in_sheet:
                    rows += 1
                    row_cells = 0
                    if rows > MAX_SHEET_ROWS:
                        raise _Refused(_too_big(name, Text("big_sheet_rows", most=f"{MAX_SHEET_ROWS:,}", where=where),
                                                Text("big_sheet_rows_limit", most=f"{MAX_SHEET_ROWS:,}")))
                elif local == "si":
                    strings += 1
                    if strings > MAX_SHARED_STRINGS:
                        raise _Refused(_too_big(name, Text("big_strings", most=f"{MAX_SHARED_STRINGS:,}", where=where),
                                                Text("big_strings_limit", most=f"{MAX_SHARED_STRINGS:,}")))
                if elements > MAX_ELEMENTS:
                    raise _Refused(_too_big(name, Text("big_elements", most=f"{MAX_ELEMENTS:,}", where=where),
                                            Text("big_elements_limit", most=f"{MAX_ELEMENTS:,}")))

            def doctype(*_args) -> None:  # no part of a workbook declares one: entities are a way to expand
                raise _Refused(ObservatoryError(Problem(
                    name, value=Text("doctype", where=where),
                    expected=Text("xlsx"))))

            parser = expat.ParserCreate()
            parser.ordered_attributes = True
            parser.StartElementHandler = start
            parser.StartDoctypeDeclHandler = doctype
            try:
                with archive.open(part) as stream:
                    while chunk := stream.read(1 << 20):
                        parser.Parse(chunk, False)
                    parser.Parse(b"", True)
            except _Refused as refused:
                raise refused.args[0] from None
            except expat.ExpatError as exc:
                raise ObservatoryError(Problem(name, value=Text("damaged_workbook", reason=f"{where}: {exc}"),
                                                   expected=Text("xlsx"))) from None
            except zlib.error as exc:
                raise zipfile.BadZipFile(f"{where}: {exc}") from None


def _xlsx_records(sheet, name: str):
    """(row number, cells) of the sheet as its XML holds them: no padding to a declared or far-away extent."""
    from openpyxl.worksheet._reader import WorkSheetParser

    book = sheet.parent
    with sheet._get_source() as source:
        # Formulas are read as formulas, not as the value a spreadsheet last computed: a workbook written by
        # a program holds no computed value, and a formula's value would be lost without a word.
        parser = WorkSheetParser(source, sheet._shared_strings, data_only=False, epoch=book.epoch,
                                 date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        for number, cells in parser.parse():
            filled = [(cell["column"], Formula(str(cell["value"])) if cell.get("data_type") == "f"
                       else _text(cell["value"])) for cell in cells]
            filled = [(column, value) for column, value in filled if value is not None]
            if not filled:
                continue
            widest = max(column for column, _ in filled)
            if widest > MAX_COLUMNS:
                raise _too_big(name, Text("big_cell", column=widest, row=number), Text("big_columns", most=MAX_COLUMNS))
            if number > MAX_ROWS:
                raise _too_big(name, Text("big_row", row=f"{number:,}"), Text("big_rows", most=f"{MAX_ROWS:,}"))
            record: list[str | None] = [None] * widest
            for column, value in filled:
                record[column - 1] = value
            yield number, record


class Formula(str):
    """The text of a formula cell of a workbook (``=SUM(B2:B4)``): refused, see :func:`_refuse_formulas`."""


def _refuse_formulas(name: str, records: list[tuple[int, list[str | None]]]) -> None:
    """Every formula cell, named by its row and its column's header: the lead pastes values instead."""
    from observatory.errors import InvalidDataRoot

    header = next((r for _, r in records if any(c not in (None, "") for c in r)), [])
    problems = []
    for number, record in records:
        for index, cell in enumerate(record):
            if isinstance(cell, Formula):
                column = header[index] if index < len(header) and header[index] and \
                    not isinstance(header[index], Formula) else _column_letter(index + 1)
                problems.append(Problem(name, row=number, column=str(column).strip().lower(), value=str(cell),
                                        expected=Text("not_formula")))
    if problems:
        raise InvalidDataRoot(problems)


def _column_letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_xlsx(path: Path, name: str) -> Table:
    import zipfile
    import zlib

    from openpyxl import load_workbook

    _, refusal = _open_xlsx(path, name)
    if refusal is not None:
        raise refusal
    broken = (zipfile.BadZipFile, zlib.error, KeyError, OSError, ValueError, EOFError, SyntaxError)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except broken as exc:
        raise ObservatoryError(Problem(name, value=Text("damaged_workbook", reason=f"{type(exc).__name__}: {exc}"),
                                           expected=Text("xlsx"))) from None
    try:
        # The first sheet holds the figures; a template's instructions sheet comes after it.
        sheet = workbook.worksheets[0]
        records = list(_xlsx_records(sheet, name))
    except broken as exc:
        raise ObservatoryError(Problem(name, value=Text("damaged_sheet", reason=f"{type(exc).__name__}: {exc}"),
                                           expected=Text("xlsx"))) from None
    finally:
        workbook.close()
    _refuse_formulas(name, records)
    return _to_table(name, records)


def _to_table(name: str, records: list[tuple[int, list[str | None]]]) -> Table:
    """Header = the first non-empty row; empty rows and columns are dropped, row numbers kept."""
    numbered = [(i, r) for i, r in records if any(c is not None and c != "" for c in r)]
    if not numbered:
        raise ObservatoryError(Problem(name, value=DescribedText("empty_sheet"), expected=Text("header_and_figures")))
    from observatory.load.csv_records import decimal_comma  # the same reading of a split cell as `observatory validate`

    header_row, header = numbered[0]
    used = [i for i, cell in enumerate(header) if cell]
    names = [(cell or "").strip().lower() for cell in header]
    rows, problems = [], []
    for number, record in numbered[1:]:
        # An unquoted decimal comma (3,7 → '3' and '7'): the message validate gives, and the halves joined again.
        comma = decimal_comma(names, [c or "" for c in record]) if len(record) > len(header) else None
        if comma is not None:
            whole, decimals = record[comma].strip(), record[comma + 1].strip()
            problems.append(Problem(name, row=number, column=names[comma], value=f"{whole},{decimals}",
                                    expected=Text("decimal_comma", count=len(header), number=f"{whole}.{decimals}")))
            record = [*record[:comma], f"{whole},{decimals}", *record[comma + 2:]]
        cells = [record[i] if i < len(record) else None for i in used]
        extra = [(i, c) for i, c in enumerate(record) if i not in used and c]
        if extra and extra[0][0] >= len(header):  # past the header's last cell: validate's words
            problems.append(Problem(name, row=number, value=extra[0][1],
                                    expected=Text("too_many_cells", count=len(header))))
        elif extra:
            problems.append(Problem(name, row=number, value=extra[0][1], expected=Text("no_header_value")))
        rows.append((number, cells))
    return Table(name, [header[i].strip().lower() for i in used], rows, problems)


def read_table(path: Path, name: str | None = None) -> Table:
    name = name or path.name
    if not path.is_file():
        raise ObservatoryError(Text("no_such_file", name=name))
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(path, name)
    if suffix in (".csv", ".txt"):
        return read_csv(path, name)
    raise ObservatoryError(Problem(name, value=path.suffix or DescribedText("no_extension"),
                                       expected=Text("csv_or_xlsx_file")))


def normalise_number(text: str | None) -> str | None:
    """'1 234,5' (French) → '1234.5'; anything else is returned as typed, for the validator to judge."""
    if text is None:
        return None
    value = text.strip()
    if FRENCH_NUMBER.match(value):
        return THOUSANDS.sub("", value).replace(",", ".")
    if re.match(r"^[+-]?\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?:\.\d+)?$", value):
        return THOUSANDS.sub("", value)
    return value


def normalise_date(text: str | None) -> str | None:
    """'31/12/2021' (French) → '2021-12-31'; ISO dates and anything else as typed."""
    if text is None:
        return None
    value = text.strip()
    match = FRENCH_DATE.match(value)
    if match:
        day, month, year = (int(x) for x in match.groups())
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return value  # not a real date: the validator says so, quoting what was typed
    if re.match(r"^\d{4}-\d{2}-\d{2} 00:00(:00)?$", value):
        return value[:10]
    return value


def neutralise(value: object) -> object:
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
