"""Small files that expand: limits count what a file holds, not what it shows (issue 20, items 4-6).

Each hostile file is made here, small on disk, at a size just past a limit; the same kinds at the issue's
sizes (gigabytes once read by the old code) are measured by bench/fault_injection.py (peak memory, time)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.helpers import snapshot

HEADER = ["indicator", "territory", "date", "value", "source", "comment"]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET_START = f'<?xml version="1.0"?><worksheet xmlns="{MAIN}">'.encode()


def workbook(path: Path, sheet_xml: bytes, shared_strings: bytes | None = None) -> Path:
    """A minimal workbook around one sheet's XML (and a shared strings part, referenced as Excel does)."""
    ns_rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ns_ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    overrides = (f'<Override PartName="/xl/workbook.xml" ContentType="{ns_ct}.sheet.main+xml"/>'
                 f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ns_ct}.worksheet+xml"/>')
    relations = f'<Relationship Id="rId1" Type="{ns_rel}/worksheet" Target="worksheets/sheet1.xml"/>'
    if shared_strings is not None:
        overrides += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ns_ct}.sharedStrings+xml"/>'
        relations += f'<Relationship Id="rId2" Type="{ns_rel}/sharedStrings" Target="sharedStrings.xml"/>'
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>').encode(),
        "_rels/.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships"><Relationship Id="rId1" Type="{ns_rel}/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>').encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{ns_rel}"><sheets>'
            '<sheet name="Saisie" sheetId="1" r:id="rId1"/></sheets></workbook>').encode(),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships">{relations}</Relationships>').encode(),
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return path


def inline_row(number: int, values: list[str]) -> bytes:
    cells = b"".join(f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'.encode()
                     for i, v in enumerate(values))
    return f'<row r="{number}">'.encode() + cells + b"</row>"


GOOD_ROWS = inline_row(1, HEADER) + inline_row(2, ["people-trained", "rennes", "2021-12-31", "300", "R", ""])


def sheet(body: bytes) -> bytes:
    return SHEET_START + b"<sheetData>" + body + b"</sheetData></worksheet>"


def hostile_workbooks(folder: Path) -> dict[str, tuple[Path, str]]:
    """Workbooks whose XML holds just more than a limit allows, with nothing in what a spreadsheet shows:
    empty cells, empty rows, empty shared strings. Each with the words its refusal must hold. (The issue's
    sizes, 8 to 49 million elements, are bench/fault_injection.py's.)"""
    from observatory import sheets

    per_row = 10_000
    good_row = GOOD_ROWS[GOOD_ROWS.index(b'<row r="2"'):]
    return {
        "empty cells in one row": (workbook(folder / "cellules.xlsx", sheet(
            inline_row(1, HEADER)[:-6] + b"<c/>" * (sheets.MAX_ROW_CELLS + 1) + b"</row>" + good_row)),
            f"at most {sheets.MAX_ROW_CELLS:,} cells in a row"),
        "empty rows": (workbook(folder / "lignes.xlsx", sheet(GOOD_ROWS + b"<row/>" * (sheets.MAX_SHEET_ROWS + 1))),
                       f"at most {sheets.MAX_SHEET_ROWS:,} rows in a sheet"),
        "empty cells in many rows": (workbook(folder / "plein.xlsx", sheet(
            GOOD_ROWS + (b"<row>" + b"<c/>" * per_row + b"</row>") * (sheets.MAX_CELLS // per_row + 1))),
            f"at most {sheets.MAX_CELLS:,} cells in the workbook"),
        "empty shared strings": (workbook(
            folder / "textes.xlsx", sheet(GOOD_ROWS),
            f'<?xml version="1.0"?><sst xmlns="{MAIN}">'.encode() + b"<si/>" * (sheets.MAX_SHARED_STRINGS + 1)
            + b"</sst>"), f"at most {sheets.MAX_SHARED_STRINGS:,} shared strings"),
    }


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    return hostile_workbooks(tmp_path_factory.mktemp("workbooks"))


@pytest.mark.parametrize("case", ["empty cells in one row", "empty rows", "empty cells in many rows",
                                  "empty shared strings"])
def test_a_workbook_that_expands_is_refused_naming_the_file_and_the_limit(root_copy, cli, workbooks, case):
    path, says = workbooks[case]
    assert path.stat().st_size < 200_000  # far under the submission page's 5 MB
    before = snapshot(root_copy)
    code, _, err = cli("import", path, "--coalition", "alpha", "--root", root_copy)
    assert code == 1, err
    assert path.name in err and says in err, err
    assert "Traceback" not in err and "unexpected error" not in err
    assert snapshot(root_copy) == before


def test_a_workbook_within_the_limits_still_imports(root_copy, cli, tmp_path):
    from observatory import sheets

    # Empty cells and rows up to the limits are what spreadsheets write for formatted cells: not refused.
    body = (inline_row(1, HEADER)[:-6] + b"<c/>" * (sheets.MAX_ROW_CELLS - 6) + b"</row>"
            + inline_row(2, ["people-trained", "rennes", "2021-12-31", "300", "R", ""]) + b"<row/>" * 1000)
    path = workbook(tmp_path / "formate.xlsx", sheet(body))
    code, _, err = cli("import", path, "--coalition", "alpha", "--root", root_copy)
    assert code == 0 and "1 added" in err, err


def test_a_workbook_declaring_entities_is_refused(root_copy, cli, tmp_path):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">]>'
              + SHEET_START[len(b'<?xml version="1.0"?>'):] + b"<sheetData>" + GOOD_ROWS + b"</sheetData></worksheet>")
    path = workbook(tmp_path / "entites.xlsx", laughs)
    code, _, err = cli("import", path, "--coalition", "alpha", "--root", root_copy)
    assert code == 1 and "entites.xlsx" in err and "document type declaration" in err, err


# --- crafted packages for import-source decoupage-administratif ---------------------------------------------

SOURCE = "decoupage-administratif"
PACKAGE = Path(__file__).parent / "fixtures" / "decoupage" / "package"


def package_tgz(path: Path, replace: dict[str, bytes | tuple[str, str]]) -> Path:
    """The fixture package as a .tgz, some members replaced: by bytes, or by ("symlink"|"hardlink", target)."""
    import io
    import tarfile

    with tarfile.open(path, "w:gz", compresslevel=1) as archive:
        for file in sorted(PACKAGE.rglob("*")):
            if not file.is_file():
                continue
            name = "package/" + file.relative_to(PACKAGE).as_posix()
            content = replace.get(name, file.read_bytes())
            info = tarfile.TarInfo(name)
            if isinstance(content, tuple):
                kind, target = content
                info.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
                info.linkname = target
                archive.addfile(info)
                continue
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return path


def hostile_packages(folder: Path, member_bytes: int | None = None) -> dict[str, tuple[Path, str]]:
    """Crafted packages, each with the words its refusal must hold. The oversized member is the real
    communes.json padded with spaces (valid JSON: the old code imported it), ``member_bytes`` long."""
    from observatory.sources import decoupage

    communes = (PACKAGE / "data" / "communes.json").read_bytes()
    size = member_bytes or decoupage.MAX_MEMBER_BYTES + 1
    return {
        "an oversized member": (package_tgz(folder / "gros.tgz", {
            "package/data/communes.json": communes + b" " * (size - len(communes))}),
            f"package/data/communes.json declares {size:,} bytes"),
        "a symbolic link": (package_tgz(folder / "lien.tgz", {
            "package/data/communes.json": ("symlink", "../../../etc/passwd")}),
            "package/data/communes.json is a symbolic link (to ../../../etc/passwd)"),
        "a symbolic link loop": (package_tgz(folder / "boucle.tgz", {
            "package/data/communes.json": ("symlink", "epci.json"),
            "package/data/epci.json": ("symlink", "communes.json")}),
            "is a symbolic link"),
        "a hard link": (package_tgz(folder / "dur.tgz", {
            "package/data/communes.json": ("hardlink", "package/package.json")}),
            "package/data/communes.json is a hard link (to package/package.json)"),
        "JSON 200,000 deep": (package_tgz(folder / "profond.tgz", {
            "package/data/communes.json": b"[" * 200_000 + b"]" * 200_000}),
            f"data/communes.json: JSON nested 200,000 levels deep, expected at most {decoupage.MAX_JSON_DEPTH}"),
    }


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    return hostile_packages(tmp_path_factory.mktemp("packages"))


@pytest.mark.parametrize("case", ["an oversized member", "a symbolic link", "a symbolic link loop", "a hard link",
                                  "JSON 200,000 deep"])
def test_a_crafted_package_is_refused_in_one_line_naming_the_member_and_the_limit(root_copy, cli, packages, case):
    path, says = packages[case]
    assert path.stat().st_size < 1_000_000
    before = snapshot(root_copy)
    code, _, err = cli("import-source", SOURCE, path, "--root", root_copy)
    assert code == 1, err
    assert len(err.strip().splitlines()) == 1 and err.startswith(f"error: {path}"), err
    assert says in err, err
    assert snapshot(root_copy) == before


def test_a_symbolic_link_in_an_unpacked_package_is_refused(root_copy, cli, tmp_path):
    import shutil

    folder = tmp_path / "paquet"
    shutil.copytree(PACKAGE, folder / "package")
    (folder / "package" / "data" / "communes.json").unlink()
    (folder / "package" / "data" / "communes.json").symlink_to("communes.json")  # a loop
    code, _, err = cli("import-source", SOURCE, folder, "--root", root_copy)
    assert code == 1 and "data/communes.json is a symbolic link" in err, err


# --- Parquet: rows counted from the footer, never a glob -----------------------------------------------------

FIGURES_CSV = Path("data") / "observations" / "figures.csv"


def parquet_of(path: Path, select: str, options: str = "") -> Path:
    import duckdb

    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"COPY ({select}) TO '{path}' (FORMAT parquet{options})")
    return path


def repeated_rows(path: Path, rows: int, group: int = 1_000_000) -> Path:
    """``rows`` identical figures, in about 1 kB of Parquet per row group of ``group`` rows (zstd): the issue's
    file. (DuckDB holds a row group in memory while writing it: 64 bytes a row.)"""
    return parquet_of(path, "SELECT 'people-trained' AS indicator, 'rennes' AS territory, '2021-12-31' AS date, "
                            f"'1' AS value FROM range({rows})", f", COMPRESSION zstd, ROW_GROUP_SIZE {group}")


def test_a_parquet_file_of_repeated_rows_is_refused_from_its_footer_in_one_message(root_copy, cli):
    from observatory.load import load_root
    from observatory.validate import check_root

    path = repeated_rows(root_copy / "data" / "observations" / "memes.parquet", 100_000)
    assert path.stat().st_size < 2_000
    problems = [str(p) for p in check_root(load_root(root_copy))[0]]
    assert problems == [
        f"data/observations/memes.parquet: found a file of {path.stat().st_size:,} bytes holding 100,000 rows, "
        "expected at most 25 rows per byte of file (the limit against files that expand; distinct figures take "
        "more room: a file of millions of repeated rows?)"]
    code, _, err = cli("validate", "--root", root_copy, "--no-cache")
    assert code == 1 and len(err.strip().splitlines()) < 5, err


def test_a_parquet_file_of_more_rows_than_the_limit_is_refused_before_it_is_read(root_copy, monkeypatch):
    from observatory import parquet
    from observatory.load import load_root

    monkeypatch.setattr(parquet, "MAX_ROWS", 3)  # the real limit, 20 M rows, is the bench's
    parquet_of(root_copy / "data" / "observations" / "quatre.parquet",
               f"SELECT * FROM read_csv('{root_copy / FIGURES_CSV}', all_varchar = true) LIMIT 4")
    (root_copy / FIGURES_CSV).unlink()
    (root_copy / FIGURES_CSV.with_suffix(".meta.yml")).unlink()
    loaded = load_root(root_copy)
    assert [str(p) for p in loaded.problems] == [
        "data/observations/quatre.parquet: found a file of 4 rows, expected at most 3 rows in one Parquet file "
        "(the limit of a file; split it, e.g. by indicator)"]


@pytest.mark.parametrize("name", ["obs*.parquet", "obs?.parquet", "obs[B].parquet", "obs{B,C}.parquet"])
def test_a_parquet_file_named_like_a_glob_is_read_alone(root_copy, cli, name):
    """obs*.parquet beside obsB.parquet: each file's rows, under its own name (DuckDB would read both)."""
    import duckdb

    from observatory.load import load_root

    source = root_copy / FIGURES_CSV
    with duckdb.connect() as con:
        count = con.execute(f"SELECT count(*) FROM read_csv('{source}', all_varchar = true)").fetchone()[0]
    half = count // 2
    select = f"SELECT * FROM read_csv('{source}', all_varchar = true)"
    folder = source.parent
    parquet_of(folder / name, f"{select} LIMIT {half}")
    parquet_of(folder / "obsB.parquet", f"{select} OFFSET {half}")
    source.unlink()
    (folder / "figures.meta.yml").unlink()
    loaded = load_root(root_copy)
    assert [str(p) for p in loaded.problems] == []
    by_file = loaded.observations["file"].value_counts().to_dict()
    assert by_file == {f"data/observations/{name}": half, "data/observations/obsB.parquet": count - half}
    code, _, err = cli("validate", "--root", root_copy, "--no-cache")
    assert code == 0, err


def test_a_file_of_repeated_rows_within_the_limits_lists_some_and_counts_the_rest(root_copy, monkeypatch):
    """Padded to stay under the rows-per-byte limit, repeated rows are read; their messages are bounded: at most
    MAX_LISTED (1,000; 5 here, for speed) per file and rule, then one line counting the rest."""
    from observatory.expectations import runner
    from observatory.load import load_root
    from observatory.validate import check_root

    monkeypatch.setattr(runner, "MAX_LISTED", 5)
    observations = root_copy / "data" / "observations"
    first = (observations / "figures.csv").read_text(encoding="utf-8").splitlines()[1]
    # the fixture's first figure, 12 times more in another file; and 8 identical rows naming an unknown territory
    (observations / "suite.csv").write_text(
        "indicator,territory,date,value,coalition,source,comment\n" + (first + "\n") * 12
        + "people-trained,atlantis,2021-12-31,1,alpha,R,\n" * 8, encoding="utf-8")
    problems = [str(p) for p in check_root(load_root(root_copy))[0]]
    repeats = [p for p in problems if "this one repeats data/observations/figures.csv, row 2" in p]
    unknown = [p for p in problems if "column 'territory': found 'atlantis'" in p]
    assert len(repeats) == len(unknown) == 5
    # 12 + 7 rows repeat a key (the atlantis rows too): 5 listed, 14 counted
    assert "data/observations/suite.csv, column 'date': found 14 more rows with the same problem as the 5 " \
           "listed (at most 5 listed per file and rule), expected what the rows listed are told" in problems
    assert "data/observations/suite.csv, column 'territory': found 3 more rows with the same problem as the " \
           "5 listed (at most 5 listed per file and rule), expected what the rows listed are told" in problems
    assert len(problems) == 12
    monkeypatch.setattr(runner, "MAX_LISTED", 1_000)  # under the limit: every row listed, as before
    assert len(check_root(load_root(root_copy))[0]) == 12 + 7 + 8


def test_a_workbook_part_with_a_password_is_refused_in_words(root_copy, cli, tmp_path):
    """The part's 'encrypted' flag set (as a zip with a password has it): one line, no exit 3."""
    path = workbook(tmp_path / "secret.xlsx", sheet(GOOD_ROWS))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        data[archive.getinfo("xl/worksheets/sheet1.xml").header_offset + 6] |= 1  # local header's flags
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        length = int.from_bytes(data[central + 28:central + 30], "little")
        if data[central + 46:central + 46 + length] == b"xl/worksheets/sheet1.xml":
            data[central + 8] |= 1  # central directory's flags
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))
    code, _, err = cli("import", path, "--coalition", "alpha", "--root", root_copy)
    assert code == 1 and "secret.xlsx" in err and "protected by a password" in err, err
