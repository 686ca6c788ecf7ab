"""Nothing lost, nothing wrong: concurrent imports, rewrites by row, the file's coalition, undo, the whole root
checked, hostile files refused before they are read."""

from __future__ import annotations

import csv
import io
import multiprocessing
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from observatory.cli import main
from tests.helpers import snapshot, write_csv

HEADER = ["indicator", "territory", "date", "value", "source", "comment"]


def records(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [r for r in csv.DictReader(handle) if any(r.values())]


def observations(root: Path) -> set[tuple]:
    """Every figure of the root, whatever file it is in."""
    found = set()
    for path in (root / "data" / "observations").glob("*.csv"):
        for r in records(path):
            found.add((r["indicator"], r["territory"], r["date"], r["value"], r.get("coalition") or "",
                       r.get("source") or "", r.get("comment") or ""))
    return found


# --- 1. concurrent imports -------------------------------------------------------------------

def _figure(k: int) -> list[str]:
    """The k-th of 60 distinct monthly figures for alpha (people-trained in Rennes, 2001-2005)."""
    return ["people-trained", "rennes", f"{2001 + k // 12}-{k % 12 + 1:02d}", str(100 + k), "Registre", ""]


def _run_cli(args: list[str]) -> int:
    import contextlib
    import os

    with open(os.devnull, "w") as quiet, contextlib.redirect_stderr(quiet), contextlib.redirect_stdout(quiet):
        return main(args)


def test_concurrent_imports_keep_every_figure_and_its_history(root_copy, tmp_path):
    import observatory.expectations  # noqa: F401 - imported once here, so that each forked import is cheap
    import observatory.validate  # noqa: F401

    files = []
    for k in range(0, 60, 3):
        files.append(write_csv(tmp_path / f"envoi-{k}.csv", [HEADER, *[_figure(k + j) for j in range(3)]]))
    context = multiprocessing.get_context("fork")
    with context.Pool(2) as pool:
        codes = []
        for pair in range(0, len(files), 2):  # ten rounds of two imports at once
            args = [["import", str(f), "--coalition", "alpha", "--root", str(root_copy)] for f in files[pair:pair + 2]]
            # a bound on a round, so that a deadlock fails the test instead of hanging it (how fast twenty
            # imports go is bench/fault_injection.py's concurrent section)
            codes += pool.map_async(_run_cli, args).get(timeout=120)
    assert codes == [0] * 20
    kept = records(root_copy / "data" / "observations" / "alpha.csv")
    assert len(kept) == 60
    history = [h for h in records(root_copy / "data" / "history.csv") if h["action"] == "added"]
    assert len(history) == 60
    assert {(h["date"], h["value"]) for h in history} == {(r["date"], r["value"]) for r in kept}
    assert main(["validate", "--root", str(root_copy)]) == 0
    assert not [p for p in root_copy.rglob("*") if "import-tmp" in p.name or "journal" in p.name]


def test_a_reader_never_writes_while_an_import_holds_the_lock(root_copy, tmp_path):
    """A journal seen while an import holds the lock is the import's own: loading waits for it, touching nothing."""
    import threading

    from observatory import journal, locking
    from observatory.load import load_root

    final = root_copy / "data" / "observations" / "alpha.csv"
    done = threading.Event()
    with locking.root_lock(root_copy, "test import"):
        aside = journal.write_aside(root_copy, {"data/observations/alpha.csv": b"indicator,territory,date,value\n"})
        journal.mark_committed(root_copy, aside)  # the commit point: the journal exists, nothing renamed yet
        before = snapshot(root_copy)

        def read():
            load_root(root_copy)
            done.set()

        reader = threading.Thread(target=read)
        reader.start()
        time.sleep(1.0)
        assert not done.is_set()  # the reader waits for the import…
        assert snapshot(root_copy) == before  # …and touches nothing meanwhile
        journal.finish(root_copy, aside)
    reader.join(30)
    assert done.is_set() and final.read_bytes() == b"indicator,territory,date,value\n"


# --- 2. --replace with blank lines, CRLF, no final newline -----------------------------------

SHAPES = {
    "a blank line": lambda lines: [lines[0], lines[1], "", *lines[2:]],
    "two blank lines, CRLF": lambda lines: [lines[0], "", lines[1], "", *lines[2:]],
    "no newline at the end, after a blank line": lambda lines: [lines[0], "", *lines[1:]],
}


@pytest.mark.parametrize("shape", SHAPES, ids=list(SHAPES))
def test_replace_replaces_the_right_row_whatever_the_file_looks_like(root_copy, tmp_path, cli, shape):
    figures = root_copy / "data" / "observations" / "figures.csv"
    lines = figures.read_text(encoding="utf-8").splitlines()
    end = "\r\n" if "CRLF" in shape else "\n"
    text = end.join(SHAPES[shape](lines))
    figures.write_bytes((text if "no newline" in shape else text + end).encode("utf-8"))
    before = observations(root_copy)
    sent = write_csv(tmp_path / "correction.csv", [HEADER, ["people-trained", "rennes", "2022-06-30", "530",
                                                            "Registre corrigé", "erratum"]])
    code, _, err = cli("import", sent, "--coalition", "alpha", "--root", root_copy, "--replace")
    assert code == 0 and "1 replaced" in err, err
    after = observations(root_copy)
    old = ("people-trained", "rennes", "2022-06-30", "520", "alpha", "Registre de formation", "")
    new = ("people-trained", "rennes", "2022-06-30", "530", "alpha", "Registre corrigé", "erratum")
    assert old in before and old not in after and new in after
    assert after == (before - {old}) | {new}  # every other figure is kept
    assert cli("validate", "--root", root_copy)[0] == 0


# --- 3. the file's coalition; undo ---------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_template_imported_for_another_coalition_is_refused(root_copy, tmp_path, cli, suffix):
    template = tmp_path / f"alpha{suffix}"
    assert cli("template", "--coalition", "alpha", "--root", root_copy, "--out", template)[0] == 0
    if suffix == ".xlsx":
        book = load_workbook(template)
        sheet = book.worksheets[0]
        header = [c.value for c in sheet[1]]
        assert "coalition" in header
        assert {row[header.index("coalition")] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"alpha"}
        row = next(n for n, r in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2)
                   if (r[0], r[1], str(r[2])[:10]) == ("people-trained", "rennes", "2021-12-31"))
        sheet.cell(row=row, column=header.index("value") + 1).value = 300
        book.save(template)
    else:
        rows = list(csv.reader(io.StringIO(template.read_bytes().decode("utf-8-sig"))))
        header = rows[0]
        assert "coalition" in header and {r[header.index("coalition")] for r in rows[1:]} == {"alpha"}
        row = next(n for n, r in enumerate(rows[1:], start=2)
                   if (r[0], r[1], r[2][:10]) == ("people-trained", "rennes", "2021-12-31"))
        rows[row - 1][header.index("value")] = "300"
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        template.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    before = snapshot(root_copy)
    code, _, err = cli("import", template, "--coalition", "beta", "--root", root_copy)
    assert code == 1
    assert f"alpha{suffix}, row {row}, column 'coalition': found 'alpha', expected 'beta'" in err, err
    assert snapshot(root_copy) == before
    code, _, err = cli("import", template, "--coalition", "alpha", "--root", root_copy)
    assert code == 0 and "1 added" in err, err


def test_undo_restores_the_figures_as_they_were_before_the_last_import(root_copy, tmp_path, cli):
    first = write_csv(tmp_path / "premier.csv", [HEADER, ["people-trained", "rennes", "2021-12-31", "300", "R", ""]])
    assert cli("import", first, "--coalition", "alpha", "--root", root_copy)[0] == 0
    before = observations(root_copy)
    second = write_csv(tmp_path / "second.csv", [HEADER,
                                                 ["people-trained", "rennes", "2022-06-30", "530", "R2", "erratum"],
                                                 ["device-lifetime", "bretagne", "2022-06-30", "3.9", "I", ""]])
    code, _, err = cli("import", second, "--coalition", "alpha", "--root", root_copy, "--replace")
    assert code == 0 and "1 added, 1 replaced" in err, err
    assert observations(root_copy) != before
    code, _, err = cli("undo", "--coalition", "alpha", "--root", root_copy)
    assert code == 0, err
    assert "second.csv" in err and "1 removed, 1 restored" in err
    assert observations(root_copy) == before
    history = records(root_copy / "data" / "history.csv")
    undone = [h for h in history if h["action"] == "undone"]
    assert len(undone) == 2
    log = records(root_copy / "data" / "submissions" / "log.csv")
    assert log[-1]["undoes"] == log[-2]["submission"]
    assert len(list((root_copy / "data" / "submissions" / "alpha").glob("*.csv"))) == 2  # the files as sent stay
    assert cli("validate", "--root", root_copy)[0] == 0
    # beta never imported anything: nothing to undo, nothing written
    state = snapshot(root_copy)
    code, _, err = cli("undo", "--coalition", "beta", "--root", root_copy)
    assert code == 1 and "beta" in err and "nothing to undo" in err
    assert snapshot(root_copy) == state


# --- 4. the whole root is checked --------------------------------------------------------------

def test_import_refuses_when_the_root_itself_is_invalid_as_validate_says(root_copy, tmp_path, cli):
    register = root_copy / "data" / "self-data"
    register.mkdir()
    (register / "services.csv").write_text("id,name,url\nsvc-a,A,pas une adresse\nsvc-b,B,ftp//x\n")
    (register / "assessments.csv").write_text("service,date,difficulty\nsvc-a,2022-12-31,easy\n"
                                              "svc-b,2022-12-31,hard\n")
    code, _, validate_err = cli("validate", "--root", root_copy)
    assert code == 1
    problems = [line for line in validate_err.splitlines() if "services.csv" in line]
    assert len(problems) == 2
    before = snapshot(root_copy)
    sent = write_csv(tmp_path / "envoi.csv", [HEADER, ["people-trained", "rennes", "2021-12-31", "300", "R", ""]])
    code, _, err = cli("import", sent, "--coalition", "alpha", "--root", root_copy)
    assert code == 1
    for line in problems:
        assert line in err
    assert "observatory validate" in err and "nothing was written" in err
    assert snapshot(root_copy) == before


# --- 5, 6. hostile files ---------------------------------------------------------------------------

def _xlsx(path: Path, sheet_xml: bytes, extra: dict[str, bytes] | None = None) -> Path:
    """A minimal workbook around one sheet's XML."""
    parts = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        b'+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        b'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        b'2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
        b'name="Saisie" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org'
        b'/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet_xml,
        **(extra or {}),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return path


SHEET_START = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def _inline_row(number: int, values: list[str], first_column: int = 1) -> bytes:
    from openpyxl.utils import get_column_letter

    cells = b"".join(f'<c r="{get_column_letter(first_column + i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
                     .encode() for i, v in enumerate(values))
    return f'<row r="{number}">'.encode() + cells + b"</row>"


def hostile_files(folder: Path) -> dict[str, tuple[Path, str]]:
    """Each hostile file, and what the refusal must say."""
    header = _inline_row(1, HEADER)
    one_row = _inline_row(2, ["people-trained", "rennes", "2021-12-31", "300", "R", ""])
    files = {}
    files["declared dimension A1:XFD1048576"] = (_xlsx(
        folder / "dimension.xlsx", SHEET_START + b'<dimension ref="A1:XFD1048576"/><sheetData>' + header + one_row
        + b'<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData></worksheet>'), None)
    filler = b"<!--" + b" " * (210 * 1024 * 1024) + b"-->"  # inflates to 210 MB, deflates to about 200 kB
    files["a zip bomb (210 MB uncompressed)"] = (_xlsx(
        folder / "bomb.xlsx", SHEET_START + b"<sheetData>" + header + one_row + b"</sheetData>" + filler
        + b"</worksheet>"), "200 MB")
    files["a value in row 50,001"] = (_xlsx(folder / "rows.xlsx", SHEET_START + b"<sheetData>" + header + one_row
                                            + _inline_row(50_001, ["x"]) + b"</sheetData></worksheet>"), "50,000 rows")
    csv_rows = folder / "lignes.csv"
    csv_rows.write_bytes(b"indicator,territory,date,value\n" + b"\n" * 49_999 + b"x,y,2021,1\n")
    files["a CSV with a value in row 50,001"] = (csv_rows, "50,000 rows")
    files["a value in column 201"] = (_xlsx(folder / "wide.xlsx", SHEET_START + b"<sheetData>" + header
                                            + _inline_row(2, ["x"], first_column=201)
                                            + b"</sheetData></worksheet>"), "200 columns")
    files["a value in column XFD"] = (_xlsx(folder / "far.xlsx", SHEET_START + b"<sheetData>" + header
                                            + _inline_row(2, ["x"], first_column=16384)
                                            + b"</sheetData></worksheet>"), "200 columns")
    not_zip = folder / "pas-un-classeur.xlsx"
    not_zip.write_bytes(b"indicator;territory\nx;y\n")
    files["not a zip"] = (not_zip, "not an .xlsx workbook: the file is not a zip archive")
    good = _xlsx(folder / "good.xlsx", SHEET_START + b"<sheetData>" + header + one_row + b"</sheetData></worksheet>")
    truncated = folder / "tronque.xlsx"
    truncated.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    files["truncated"] = (truncated, "not an .xlsx workbook: the file is truncated")
    big_csv = folder / "gros.csv"
    with big_csv.open("wb") as handle:
        handle.write(b"indicator,territory,date,value\n")
        handle.seek(201 * 1024 * 1024)
        handle.write(b"\n")  # a sparse file: 201 MB long, nothing on disk
    files["a 201 MB CSV"] = (big_csv, "200 MB")
    return files


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return hostile_files(tmp_path_factory.mktemp("hostile"))


HOSTILE = ["declared dimension A1:XFD1048576", "a zip bomb (210 MB uncompressed)", "a value in row 50,001",
           "a CSV with a value in row 50,001",
           "a value in column 201", "a value in column XFD", "not a zip", "truncated", "a 201 MB CSV"]


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_file_is_refused_quickly_and_writes_nothing(root_copy, cli, hostile, case):
    path, says = hostile[case]
    before = snapshot(root_copy)
    code, _, err = cli("import", path, "--coalition", "alpha", "--root", root_copy)
    if says is None:  # a lying dimension is harmless once it is not trusted: the one row is imported
        assert code == 0 and "1 added" in err, err
        return
    assert code == 1, err
    assert path.name in err and says in err, err
    assert "Traceback" not in err and "unexpected error" not in err
    assert snapshot(root_copy) == before


def test_an_import_waits_for_the_lock_saying_who_holds_it_then_gives_up_clearly(root_copy, tmp_path):
    import threading

    from observatory import locking
    from observatory.errors import ObservatoryError
    from observatory.submissions import import_file

    sent = write_csv(tmp_path / "envoi.csv", [HEADER, _figure(0)])
    holding, release = threading.Event(), threading.Event()

    def other_import():
        with locking.root_lock(root_copy, "observatory import autre.csv --coalition alpha"):
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=other_import)
    holder.start()
    holding.wait(10)
    before = snapshot(root_copy)
    said = []
    try:
        with pytest.raises(ObservatoryError, match="still holds the lock .*nothing was written"):
            import_file(root_copy, sent, "alpha", say=said.append, timeout=1)
    finally:
        release.set()
        holder.join()
    assert "waiting: observatory import autre.csv --coalition alpha (process" in said[0] and " since " in said[0]
    assert snapshot(root_copy) == before
    assert import_file(root_copy, sent, "alpha").added == 1  # once the other one has finished
