"""Coalition leads' workflow: templates, imports of every spreadsheet dialect, all-or-nothing, history."""

from __future__ import annotations

import csv
import hashlib
import itertools
import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from observatory import journal
from tests.conftest import FIXTURE_ROOT
from tests.helpers import fill_template, snapshot, write_csv

HEADER = ["indicator", "territory", "date", "value", "source", "comment"]
# Two new figures for alpha (dates with no figure yet), as a lead would type them.
ROWS = [["people-trained", "rennes", "2021-12-31", "1234.5", "Registre", "première année"],
        ["device-lifetime", "bretagne", "2022-06-30", "3.9", "Inventaire", "mi-année"]]


def imported_values(root: Path) -> dict[tuple, str]:
    rows = list(csv.DictReader((root / "data" / "observations" / "alpha.csv").open(encoding="utf-8")))
    return {(r["indicator"], r["territory"], r["date"]): r["value"] for r in rows}


EXPECTED = {("people-trained", "rennes", "2021-12-31"): "1234.5",
            ("device-lifetime", "bretagne", "2022-06-30"): "3.9"}

DIALECTS = {
    "comma, UTF-8": lambda p: write_csv(p, [HEADER, *ROWS]),
    "semicolon, decimal comma, UTF-8 with BOM": lambda p: write_csv(
        p, [HEADER, *[[r[0], r[1], r[2], r[3].replace(".", ","), r[4], r[5]] for r in ROWS]], ";", "utf-8-sig"),
    "Windows-1252, semicolons, CRLF": lambda p: write_csv(
        p, [HEADER, *[[*r[:3], r[3].replace(".", ","), *r[4:]] for r in ROWS]], ";", "cp1252", "\r\n"),
    "thousands with a non-breaking space, French dates": lambda p: write_csv(
        p, [HEADER, ["people-trained", "rennes", "31/12/2021", "1\u00a0234,5", "Registre", ""],
            ["device-lifetime", "bretagne", "30/06/2022", "3,9", "Inventaire", ""]], ";"),
    "thousands with a space, quoted with commas": lambda p: write_csv(
        p, [HEADER, ["people-trained", "rennes", "2021-12-31", "1 234,5", "Registre", ""],
            ["device-lifetime", "bretagne", "2022-06-30", "3,9", "Inventaire", ""]], ","),
    "extra empty rows and columns": lambda p: write_csv(
        p, [[], ["", *HEADER, ""], ["", "", "", "", "", "", "", ""], ["", *ROWS[0], ""], [], ["", *ROWS[1], ""],
            ["", "", "", ""]], ";", "utf-8", "\r\n"),
}


@pytest.mark.parametrize("dialect", DIALECTS, ids=list(DIALECTS))
def test_every_csv_dialect_imports_the_same_figures(root_copy, tmp_path, cli, dialect):
    sent = DIALECTS[dialect](tmp_path / "envoi.csv")
    code, _, err = cli("import", sent, "--coalition", "alpha", "--root", root_copy)
    assert code == 0, err
    assert "2 added, 0 replaced" in err
    assert imported_values(root_copy) == EXPECTED
    code, _, err = cli("validate", "--root", root_copy)
    assert code == 0, err


def test_template_xlsx_filled_then_imported(root_copy, tmp_path, cli):
    template = tmp_path / "alpha.xlsx"
    code, _, err = cli("template", "--coalition", "alpha", "--root", root_copy, "--out", template)
    assert code == 0, err
    book = load_workbook(template)
    assert book.sheetnames == ["Saisie", "Listes", "Mode d'emploi"]
    sheet = book["Saisie"]
    header = [c.value for c in sheet[1]]
    assert header[:6] == HEADER and "unité" in header and "dernière valeur" in header
    rules = {str(v.sqref): (v.type, v.formula1) for v in sheet.data_validations.dataValidation}
    assert rules["A2:A1000"][0] == "list" and rules["B2:B1000"][0] == "list"
    assert rules["C2:C1000"][0] == "date" and rules["D2:D1000"][0] == "decimal"
    assert "people-trained" in [c.value for c in book["Listes"]["A"]]
    assert "Mode d'emploi" in book["Mode d'emploi"]["A1"].value
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    # one row per target and year-end from the baseline to the target date (6 targets of alpha)
    assert len(rows) == 3 + 3 + 3 + 3 + 3 + 3
    first = dict(zip(header, rows[0]))
    assert first["indicator"] == "device-lifetime" and first["unité"] == "années" and first["sens"] == "à la hausse"
    # the lead fills in one period, in LibreOffice or Excel
    assert fill_template(template, "people-trained", "rennes", "2021-12-31", value=300, source="Registre 2021") == 1
    code, _, err = cli("import", template, "--coalition", "alpha", "--root", root_copy)
    assert code == 0, err
    assert "1 added" in err
    assert imported_values(root_copy) == {("people-trained", "rennes", "2021-12-31"): "300"}


def test_a_formula_in_a_workbook_is_refused_not_lost(root_copy, tmp_path, cli):
    """A formula cell holds no value until a spreadsheet computes it (a program that writes a workbook
    never does): it was read as an empty cell and its row dropped without a word. It is now named."""
    template = tmp_path / "alpha.xlsx"
    assert cli("template", "--coalition", "alpha", "--root", root_copy, "--out", template)[0] == 0
    book = load_workbook(template)
    sheet = book["Saisie"]
    sheet["D2"] = "=120+5"  # value, first row
    sheet["E4"] = "=A2"  # source, third row
    book.save(template)
    before = snapshot(root_copy)
    code, _, err = cli("import", template, "--coalition", "alpha", "--root", root_copy)
    assert code == 1, err
    assert "alpha.xlsx, row 2, column 'value': found '=120+5', expected a value typed in the cell, not a " \
           "formula" in err
    assert "alpha.xlsx, row 4, column 'source': found '=A2'" in err
    assert "nothing was written" in err and snapshot(root_copy) == before


def test_template_csv_opens_in_excel_and_neutralises_formulas(root_copy, tmp_path, cli):
    indicator = root_copy / "indicators" / "capacitant" / "people-trained.yml"
    indicator.write_text(indicator.read_text().replace("fr: Personnes formées au numérique",
                                                       "fr: '=HYPERLINK(\"http://x\")'"))
    out = tmp_path / "alpha.csv"
    code, _, err = cli("template", "--coalition", "alpha", "--root", root_copy, "--out", out)
    assert code == 0, err
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert "'=HYPERLINK" in raw.decode("utf-8-sig")
    xlsx = tmp_path / "alpha.xlsx"
    cli("template", "--coalition", "alpha", "--root", root_copy, "--out", xlsx)
    values = [c.value for row in load_workbook(xlsx)["Saisie"].iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://x\")" in values and "=HYPERLINK(\"http://x\")" not in values


def test_a_wrong_file_writes_nothing_and_lists_every_wrong_row(root_copy, tmp_path, cli):
    sent = write_csv(tmp_path / "envoi.csv", [
        HEADER, ROWS[0],
        ["people-traind", "rennes", "2022-01-31", "12", "", ""],
        ["device-lifetime", "bretagne", "31/13/2022", "3,9", "", ""],
        ["device-lifetime", "bretagne", "2022-02-28", "beaucoup", "", ""],
        ["easy-data-copy-share", "fr", "2022-01-31", "140", "", ""],
    ], ";")
    before = snapshot(root_copy)
    code, _, err = cli("import", sent, "--coalition", "alpha", "--root", root_copy)
    assert code == 1
    assert "envoi.csv, row 3, column 'indicator': found 'people-traind', expected a known indicator id" in err
    assert "envoi.csv, row 4, column 'date': found '31/13/2022'" in err
    assert "envoi.csv, row 5, column 'value': found 'beaucoup', expected a number" in err
    assert "envoi.csv, row 6, column 'value': found '140', expected a value of at most 100" in err
    assert "4 problem(s); nothing was written" in err
    assert snapshot(root_copy) == before


def test_importing_the_same_rows_again_changes_nothing(root_copy, tmp_path, cli):
    sent = write_csv(tmp_path / "envoi.csv", [HEADER, *ROWS])
    assert cli("import", sent, "--coalition", "alpha", "--root", root_copy)[0] == 0
    after_first = snapshot(root_copy)
    code, _, err = cli("import", sent, "--coalition", "alpha", "--root", root_copy)
    assert code == 0 and "nothing new" in err
    assert snapshot(root_copy) == after_first


def test_a_new_value_needs_replace_and_the_old_one_stays_in_history(root_copy, tmp_path, cli):
    sent = write_csv(tmp_path / "correction.csv", [HEADER, ["people-trained", "rennes", "2022-06-30", "530",
                                                            "Registre corrigé", "erratum"]])
    before = snapshot(root_copy)
    code, _, err = cli("import", sent, "--coalition", "alpha", "--root", root_copy)
    assert code == 1
    assert ("correction.csv, row 2, column 'value': found '530', expected the value already recorded (520, "
            "data/observations/figures.csv row 3), or --replace to replace it") in err
    assert snapshot(root_copy) == before
    code, _, err = cli("import", sent, "--coalition", "alpha", "--root", root_copy, "--replace")
    assert code == 0 and "1 replaced" in err
    stored = list((root_copy / "data" / "submissions" / "alpha").iterdir())
    assert len(stored) == 1 and stored[0].read_bytes() == sent.read_bytes()
    log = list(csv.DictReader((root_copy / "data" / "submissions" / "log.csv").open()))
    assert log[0]["sha256"] == hashlib.sha256(sent.read_bytes()).hexdigest()
    assert log[0]["original_name"] == "correction.csv"
    code, out, _ = cli("history", "--root", root_copy, "--indicator", "people-trained", "--territory", "rennes")
    # one entry per figure: a line naming it (greppable), its provenance indented below, within 100 columns
    lines = out.splitlines()
    assert max(len(x) for x in lines) <= 100
    entries = [x for x in lines if not x.startswith(" ")]
    assert len([x for x in entries if "2022-06-30" in x]) == 1
    at = next(i for i, x in enumerate(lines) if "2022-06-30" in x and not x.startswith(" "))
    line = lines[at]
    assert line.split() == ["people-trained", "rennes", "alpha", "2022-06-30", "530"]
    detail = " ".join(x.strip() for x in itertools.takewhile(lambda x: x.startswith(" "), lines[at + 1:]))
    assert "Registre corrigé" in detail and log[0]["submission"] in detail and detail.endswith("replacing 520")
    figures = (root_copy / "data" / "observations" / "figures.csv").read_text()
    assert "2022-06-30,520" not in figures  # the replaced figure left its file; the history keeps it


def test_an_interrupted_import_leaves_the_data_as_it_was(root_copy, tmp_path, cli, monkeypatch):
    sent = write_csv(tmp_path / "envoi.csv", [HEADER, *ROWS])
    before = snapshot(root_copy)
    real_fsync = os.fsync
    calls = {"n": 0}

    def crash_while_writing_aside(fd):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # the lead closes the terminal mid-import
        real_fsync(fd)

    monkeypatch.setattr(journal.os, "fsync", crash_while_writing_aside)
    code, _, err = cli("import", sent, "--coalition", "alpha", "--root", root_copy)
    assert code == 130
    monkeypatch.undo()
    cli("validate", "--root", root_copy)  # the next command clears what was written aside
    assert snapshot(root_copy) == before


def test_an_import_interrupted_after_its_commit_point_is_completed(root_copy, tmp_path, cli, monkeypatch):
    sent = write_csv(tmp_path / "envoi.csv", [HEADER, *ROWS])
    real_replace = os.replace
    calls = {"n": 0}

    def crash_between_renames(src, dst):
        calls["n"] += 1
        if calls["n"] == 3:  # the journal, then one file: the others are still aside
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(journal.os, "replace", crash_between_renames)
    assert cli("import", sent, "--coalition", "alpha", "--root", root_copy)[0] == 130
    monkeypatch.undo()
    code, _, err = cli("validate", "--root", root_copy)
    assert code == 0, err
    assert imported_values(root_copy) == EXPECTED
    assert len(list(csv.DictReader((root_copy / "data" / "history.csv").open()))) == 2
    assert not list(root_copy.rglob("*.import-tmp"))


def test_unknown_coalition_and_wrong_file_types(root_copy, tmp_path, cli):
    sent = write_csv(tmp_path / "envoi.csv", [HEADER, *ROWS])
    code, _, err = cli("import", sent, "--coalition", "gamma", "--root", root_copy)
    assert code == 1 and "--coalition gamma: no such coalition (expected one of alpha, beta)" in err
    pdf = tmp_path / "envoi.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    code, _, err = cli("import", pdf, "--coalition", "alpha", "--root", root_copy)
    assert code == 1 and "envoi.pdf: found '.pdf', expected a .csv or .xlsx file" in err
    fake = tmp_path / "envoi.xlsx"
    fake.write_bytes(b"not a zip")
    code, _, err = cli("import", fake, "--coalition", "alpha", "--root", root_copy)
    assert code == 1 and "expected an .xlsx workbook" in err and "Traceback" not in err


CELLS = st.one_of(st.text(max_size=10), st.sampled_from(["", "1 234,5", "3,9", "31/12/2021", "2021", "=1+1",
                                                         "people-trained", "rennes", "alpha", '"', ";", "\r"]))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELLS, max_size=8), max_size=6), separator=st.sampled_from([",", ";"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]), tail=st.binary(max_size=20))
def test_any_file_ends_in_a_clear_error_or_a_valid_import(tmp_path_factory, cli, rows, separator, encoding, tail):
    import shutil

    from tests.conftest import FIXTURE_ROOT

    root = tmp_path_factory.mktemp("fuzz") / "root"
    shutil.copytree(FIXTURE_ROOT, root)
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=separator).writerows([HEADER, *rows])
    sent = tmp_path_factory.mktemp("sent") / "envoi.csv"
    sent.write_bytes(buffer.getvalue().encode(encoding, "replace") + tail)
    before = snapshot(root)
    code, _, err = cli("import", sent, "--coalition", "alpha", "--root", root)
    assert code in (0, 1), err
    assert "Traceback" not in err and "unexpected error" not in err, err
    if code == 1:
        assert snapshot(root) == before  # never a partial write
    else:
        assert cli("validate", "--root", root)[0] == 0  # a valid import leaves a valid root


def test_the_dashboard_shows_where_the_latest_figure_came_from(root_copy, tmp_path, cli):
    from observatory import dashboard

    sent = write_csv(tmp_path / "envoi-2023.csv", [HEADER, ["people-trained", "rennes", "2023-01-31", "600",
                                                            "Registre 2023", ""]])
    assert cli("import", sent, "--coalition", "alpha", "--root", root_copy)[0] == 0
    table = str(dashboard.coalition_page("alpha", root=str(root_copy)).targets_table())
    assert "600 personnes" in table and "Registre 2023" in table
    assert "import du 20" in table and "envoi-2023.csv" in table


@pytest.mark.skipif(__import__("shutil").which("soffice") is None,
                    reason="LibreOffice (Debian's libreoffice-calc-nogui, installed by .ci/run) is missing")
def test_a_template_saved_by_libreoffice_imports(root_copy, tmp_path, cli):
    import subprocess

    template = tmp_path / "alpha.xlsx"
    assert cli("template", "--coalition", "alpha", "--root", root_copy, "--out", template)[0] == 0
    assert fill_template(template, "people-trained", "rennes", "2021-12-31", value=300, source="Registre 2021") == 1
    out = tmp_path / "libreoffice"
    for target in ("xlsx", "csv"):  # what a lead gets with « Enregistrer sous » in LibreOffice Calc
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                        "--convert-to", target, "--outdir", str(out), str(template)],
                       check=True, capture_output=True, timeout=180)
    saved = load_workbook(out / "alpha.xlsx")
    # the drop-downs survive LibreOffice (indicator, territory, date, value, quality, contribution)
    assert len(saved["Saisie"].data_validations.dataValidation) == 6
    assert (out / "alpha.csv").read_bytes().decode("cp1252").startswith("indicator,territory,date,value")
    for sent, other_root in ((out / "alpha.xlsx", root_copy), (out / "alpha.csv", None)):
        root = other_root
        if root is None:
            import shutil

            root = tmp_path / "root2"
            shutil.copytree(FIXTURE_ROOT, root)
        code, _, err = cli("import", sent, "--coalition", "alpha", "--root", root)
        assert code == 0, err
        assert imported_values(root) == {("people-trained", "rennes", "2021-12-31"): "300"}
