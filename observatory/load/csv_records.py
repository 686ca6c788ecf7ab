"""A CSV file read row by row (the csv module): its header checked, its rows as records, a decimal comma that
split a value in two named. The reference reading: the columnar reader (:mod:`.columnar`) gives the same."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from observatory.errors import Problem, Text
from observatory.root_paths import rel


def read_csv_records(path: Path, root: Path, problems: list[Problem]) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    """Header and (spreadsheet row, cells) of a CSV file; blank rows are skipped but counted."""
    name = rel(path, root)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(name, value=exc.strerror, expected=Text("readable")))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(name, line=line, value=Text("byte", byte=f"{raw[exc.start]:02x}"),
                                expected=Text("utf8_spreadsheet")))
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        problems.append(Problem(name, line=reader.line_num, value=str(exc), expected=Text("well_formed_csv")))
        return None
    if not records or not any(cell.strip() for cell in records[0]):
        problems.append(Problem(name, row=1, value=None, expected=Text("header_row")))
        return None
    header = [cell.strip() for cell in records[0]]
    body = []
    for index, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        body.append((index, cells))
    return header, body


def check_header(name: str, header: list[str], required: tuple[str, ...], optional: tuple[str, ...],
                  problems: list[Problem]) -> bool:
    ok = True
    allowed = (*required, *optional)
    for position, column in enumerate(header, start=1):
        if column == "":
            continue
        if column not in allowed:
            problems.append(Problem(name, row=1, column=column, value=column,
                                    expected=Text("known_columns", columns=", ".join(allowed))))
            ok = False
        elif header.count(column) > 1 and header.index(column) != position - 1:
            problems.append(Problem(name, row=1, column=column, value=column, expected=Text("each_column_once")))
            ok = False
    for column in required:
        if column not in header:
            problems.append(Problem(name, row=1, column=column, value=None,
                                    expected=Text("required_column", columns=", ".join(required))))
            ok = False
    return ok


INTEGER = re.compile(r"^[+-]?\d+$")
DIGITS = re.compile(r"^\d+$")


def decimal_comma(header: list[str], cells: list[str]) -> int | None:
    """Where an unquoted decimal comma split the value in two cells (3,7 → '3' and '7'), if it did."""
    if "value" not in header or len(cells) <= len(header):
        return None
    used = len(cells)
    while used > len(header) and not cells[used - 1].strip():
        used -= 1  # trailing empty cells
    if used > len(header) + 1:
        return None  # more than one cell too many: something else
    i = header.index("value")
    if INTEGER.match(cells[i].strip()) and DIGITS.match(cells[i + 1].strip()):
        return i
    return None


def records_to_rows(name: str, header: list[str], body, problems: list[Problem]) -> list[dict]:
    rows = []
    for row_number, cells in body:
        comma = decimal_comma(header, cells)
        if comma is not None:
            whole, decimals = cells[comma].strip(), cells[comma + 1].strip()
            problems.append(Problem(name, row=row_number, column=header[comma], value=f"{whole},{decimals}",
                                    expected=Text("decimal_comma", count=len(header), number=f"{whole}.{decimals}")))
            # The two halves back in one cell: the other columns then read as meant.
            cells = [*cells[:comma], f"{whole},{decimals}", *cells[comma + 2:]]
        elif len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            problems.append(Problem(name, row=row_number, value=cells[len(header)],
                                    expected=Text("too_many_cells", count=len(header))))
        record = {}
        for position, column in enumerate(header):
            if column == "":
                continue
            cell = cells[position].strip() if position < len(cells) else ""
            record[column] = cell or None
        record["file"] = name
        record["row"] = row_number
        rows.append(record)
    return rows
