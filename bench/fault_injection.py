"""Fault injection on what writes the data root: concurrent imports, kill -9 mid-import, hostile files.

    python bench/fault_injection.py [--rounds N] [--kills N] [--history-rows N] [--only SECTION]

``--only expanding``: small files that expand in memory (spreadsheets of millions of empty cells, rows or
shared strings, Parquet files of millions of identical rows, crafted .tgz packages), at the sizes of issue 20.

Each section is one function ``section_<name>(args) -> list[tuple[str, str]]`` returning rows of the
table printed at the end; add a section (e.g. a build under fire) by writing one more function and
naming it in SECTIONS.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import io
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from observatory.cli import main as cli_main  # noqa: E402

FIXTURE = REPO / "tests" / "fixtures" / "root"
HEADER = ["indicator", "territory", "date", "value", "source", "comment"]
HISTORY_HEADER = ("recorded_at,submission,action,indicator,territory,coalition,date,value,previous_value,"
                  "previous_source,source,file,row\n")


def fresh_root(folder: Path, history_rows: int) -> Path:
    """The fixture root, with ``history_rows`` old entries in data/history.csv (what makes a write slow)."""
    root = folder / "root"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(FIXTURE, root)
    if history_rows:
        line = "2020-01-01T00:00:00+00:00,old,added,people-trained,nantes,beta,2019-12-31,1,,,R,old.csv,2\n"
        (root / "data" / "history.csv").write_text(HISTORY_HEADER + line * history_rows, encoding="utf-8")
    return root


def figure(k: int) -> list[str]:
    """The k-th distinct monthly figure for coalition alpha."""
    return ["people-trained", "rennes", f"{2001 + k // 12}-{k % 12 + 1:02d}", str(100 + k), "Registre", ""]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def rows_of(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def quiet_cli(args: list[str]) -> int:
    with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull), contextlib.redirect_stdout(devnull):
        return cli_main(args)


def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.name.startswith(".observatory.lock")}


# --- sections --------------------------------------------------------------------------------

def section_concurrent(args) -> list[tuple[str, str]]:
    """Rounds of two imports at once, each of 3 new figures, as separate processes."""
    import observatory.expectations  # noqa: F401 - imported before forking: each child is cheap
    import observatory.validate  # noqa: F401

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        root = fresh_root(folder, args.history_rows)
        files = [write_csv(folder / f"envoi-{k}.csv", [HEADER, *[figure(k + j) for j in range(3)]])
                 for k in range(0, 6 * args.rounds, 3)]
        started = time.monotonic()
        codes = []
        with multiprocessing.get_context("fork").Pool(2) as pool:
            for pair in range(0, len(files), 2):
                codes += pool.map(quiet_cli, [["import", str(f), "--coalition", "alpha", "--root", str(root)]
                                              for f in files[pair:pair + 2]])
        seconds = time.monotonic() - started
        kept = len(rows_of(root / "data" / "observations" / "alpha.csv"))
        history = [h for h in rows_of(root / "data" / "history.csv") if h["submission"] != "old"]
        valid = quiet_cli(["validate", "--root", str(root)]) == 0
    sent = 3 * len(files)
    return [("concurrent imports", f"{args.rounds} rounds × 2 processes, {args.history_rows:,} history rows before"),
            ("  exit 0", f"{codes.count(0)} / {len(codes)}"),
            ("  rows kept / rows sent", f"{kept} / {sent}"),
            ("  history entries / rows sent", f"{len(history)} / {sent}"),
            ("  root valid afterwards", "yes" if valid else "NO"),
            ("  wall time", f"{seconds:.1f} s")]


def _import_process(root: Path, sent: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "observatory", "import", str(sent), "--coalition", "alpha",
                             "--root", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)


def section_kill(args) -> list[tuple[str, str]]:
    """Imports killed with SIGKILL at a random moment; the next command must leave all of it or none of it."""
    import observatory.validate  # noqa: F401

    rng = random.Random(args.seed)
    outcomes = {"absent": 0, "whole": 0, "broken": 0}
    journals_completed = 0
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        sent_rows = [figure(k) for k in range(5)]
        sent = write_csv(folder / "envoi.csv", [HEADER, *sent_rows])
        # How long an import takes here, to spread the kills over its whole run.
        root = fresh_root(folder, args.history_rows)
        started = time.monotonic()
        assert _import_process(root, sent).wait() == 0
        duration = time.monotonic() - started
        moments = {"random": 0, "writing aside": 0, "commit point": 0}
        for run in range(args.kills):
            root = fresh_root(folder, args.history_rows)
            process = _import_process(root, sent)
            # A third of the kills at a random moment, a third as soon as files are written aside,
            # a third as soon as the journal (the commit point) is seen.
            moment = list(moments)[run % 3]
            moments[moment] += 1
            if moment == "random":
                time.sleep(rng.uniform(0.5 * duration, 1.05 * duration))
            else:
                deadline = time.monotonic() + 3 * duration
                data = root / "data"
                while process.poll() is None and time.monotonic() < deadline:
                    if moment == "commit point" and (data / ".import-journal.json").exists():
                        break
                    if moment == "writing aside" and any(data.glob("observations/.*.import-tmp")):
                        break
                    time.sleep(0.0005)
            process.send_signal(signal.SIGKILL)
            process.wait()
            journal_left = (root / "data" / ".import-journal.json").exists()
            # The next command: any reader completes a committed import; any writer clears what was aside.
            quiet_cli(["validate", "--root", str(root)])
            from observatory import journal

            journal.recover(root)
            journals_completed += journal_left
            kept = {(r["date"], r["value"]) for r in rows_of(root / "data" / "observations" / "alpha.csv")}
            history = {(h["date"], h["value"]) for h in rows_of(root / "data" / "history.csv")
                       if h["submission"] != "old"}
            expected = {(r[2], r[3]) for r in sent_rows}
            leftovers = [p for p in root.rglob("*") if "import-tmp" in p.name or "journal" in p.name]
            valid = quiet_cli(["validate", "--root", str(root)]) == 0
            if not leftovers and valid and kept == history == set():
                outcomes["absent"] += 1
            elif not leftovers and valid and kept == history == expected:
                outcomes["whole"] += 1
            else:
                outcomes["broken"] += 1
    runs = args.kills
    return [("kill -9 during an import", f"{runs} runs, killed {0.5 * duration:.1f}–{1.05 * duration:.1f} s in "
             f"(an import takes {duration:.1f} s here)"),
            ("  kills: random / while writing aside / at the commit point",
             " / ".join(str(v) for v in moments.values())),
            ("  consistent after the next command", f"{outcomes['absent'] + outcomes['whole']} / {runs}"),
            ("  of which: import wholly absent / wholly there", f"{outcomes['absent']} / {outcomes['whole']}"),
            ("  of which: killed after the commit point, completed", str(journals_completed)),
            ("  inconsistent (figures without history, leftovers, invalid root)", str(outcomes["broken"]))]


def _hostile_files(folder: Path) -> dict[str, tuple[Path, str | None]]:
    from tests.test_data_safety import hostile_files

    files = hostile_files(folder)
    files["CSV with formulas"] = (write_csv(folder / "formules.csv", [
        HEADER, ["people-trained", "rennes", "2021-12-31", "=1+1", "=HYPERLINK(\"http://x\")", "@SUM(A1)"]]),
        "expected a number")
    files["huge numbers"] = (write_csv(folder / "enorme.csv", [
        HEADER, ["people-trained", "rennes", "2021-12-31", "1e999", "R", ""],
        ["device-lifetime", "bretagne", "2022-06-30", "9" * 400, "R", ""]]), "expected")
    template = folder / "alpha.csv"
    quiet_cli(["template", "--coalition", "alpha", "--root", str(FIXTURE), "--out", str(template)])
    lines = template.read_text(encoding="utf-8-sig").splitlines()
    lines[1] = lines[1].replace(",,,,alpha,", ",300,R,,alpha,", 1)
    template.write_text("\n".join(lines) + "\n", encoding="utf-8")
    files["wrong coalition (alpha's template, --coalition beta)"] = (template, "expected 'beta'")
    return files


def _watch_memory(process: subprocess.Popen) -> int:
    """Peak resident memory of a running process, sampled every 20 ms (ru_maxrss would count the bench's own)."""
    import psutil

    peak = 0
    try:
        watched = psutil.Process(process.pid)
        while process.poll() is None:
            peak = max(peak, watched.memory_info().rss)
            time.sleep(0.02)
    except psutil.NoSuchProcess:
        pass
    return peak


def section_hostile(args) -> list[tuple[str, str]]:
    """Each hostile file is refused with a message, no traceback, quickly, and the root stays byte-identical."""
    rows = [("hostile files", "exit, time, peak memory of the import process, root unchanged")]
    clean = 0
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        files = _hostile_files(folder)
        for name, (path, says) in files.items():
            root = fresh_root(folder, 0)
            coalition = "beta" if name.startswith("wrong coalition") else "alpha"
            before = snapshot(root)
            started = time.monotonic()
            process = subprocess.Popen([sys.executable, "-m", "observatory", "import", str(path), "--coalition",
                                        coalition, "--root", str(root)], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE, cwd=REPO)
            peak = _watch_memory(process)
            err = process.stderr.read().decode("utf-8", "replace")
            process.wait()
            seconds = time.monotonic() - started
            unchanged = snapshot(root) == before
            if says is None:  # harmless once handled: imported normally
                ok = process.returncode == 0
            else:
                ok = (process.returncode == 1 and path.name in err and says in err and "Traceback" not in err
                      and unchanged)
            clean += ok
            first = err.strip().splitlines()[0] if err.strip() else ""
            rows.append((f"  {name}", f"{'ok' if ok else 'FAILED'}: exit {process.returncode}, {seconds:.1f} s, "
                         f"{peak // 2**20} MB, root {'unchanged' if unchanged else 'CHANGED'} — "
                         f"{first[:110]}"))
        rows.append(("  handled cleanly / tried", f"{clean} / {len(files)}"))
    return rows


def section_build(args) -> list[tuple[str, str]]:
    """kill -9 of a build at random moments, then a normal build (bench/fault_injection_build.py)."""
    script = Path(__file__).with_name("fault_injection_build.py")
    done = subprocess.run([sys.executable, str(script), "--runs", str(args.build_kills), "--seed", str(args.seed)],
                          capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    rows = [("build: kill -9 at a random moment, then build", lines[-1] if lines else done.stderr.strip()[-200:])]
    rows += [(f"  {line.split(':', 1)[0]}", line.split(":", 1)[1].strip()) for line in lines[1:-1]
             if "NOT recovered" in line]
    return rows


# --- files that expand (issue 20, items 4-6): each at the size, small on disk ---------------------------

def _streamed_workbook(path: Path, sheet: tuple[bytes, bytes, int, bytes], strings: int = 0) -> Path:
    """A workbook whose sheet is ``head + unit * count + tail`` (and ``strings`` empty shared strings), written
    to the zip in slices: tens of millions of elements without holding them in memory."""
    import zipfile

    sys.path.insert(0, str(REPO / "tests"))
    from test_hostile_files import workbook

    head, unit, count, tail = sheet
    workbook(path, b"", b"" if strings else None)  # the parts around the sheet, then the big ones again
    with zipfile.ZipFile(path) as small:
        parts = {info.filename: small.read(info) for info in small.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in parts.items():
            if name == "xl/worksheets/sheet1.xml":
                big = [(head, unit, count, tail)]
            elif name == "xl/sharedStrings.xml":
                big = [(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                        b'main">', b"<si/>", strings, b"</sst>")]
            else:
                archive.writestr(name, content)
                continue
            with archive.open(name, "w", force_zip64=True) as out:
                for start, repeated, times, end in big:
                    out.write(start)
                    per_slice = max(1, 2**20 // max(len(repeated), 1))  # about 1 MB a write
                    slice_ = repeated * per_slice
                    for _ in range(times // per_slice):
                        out.write(slice_)
                    out.write(repeated * (times % per_slice))
                    out.write(end)
    return path


def _member_tgz(path: Path, member_bytes: int) -> Path:
    """The fixture package with a communes.json padded with spaces to ``member_bytes`` (valid JSON: the old
    code read it whole), compressed in slices."""
    import gzip
    import tarfile

    package = REPO / "tests" / "fixtures" / "decoupage" / "package"
    with gzip.open(path, "wb", compresslevel=9) as zipped:
        for file in sorted(package.rglob("*")):
            if not file.is_file():
                continue
            name = "package/" + file.relative_to(package).as_posix()
            content = file.read_bytes()
            info = tarfile.TarInfo(name)
            info.size = member_bytes if name.endswith("communes.json") else len(content)
            zipped.write(info.tobuf(format=tarfile.GNU_FORMAT))
            if name.endswith("communes.json"):
                zipped.write(content)
                spaces = b" " * 2**20
                left = member_bytes - len(content)
                while left > 0:
                    zipped.write(spaces[:left])
                    left -= len(spaces)
            else:
                zipped.write(content)
            zipped.write(b"\0" * (-info.size % 512))
        zipped.write(b"\0" * 1024)
    return path


def _expanding_files(folder: Path) -> list[tuple[str, list[str], Path, str | None]]:
    """(what, command, the file, words the refusal must hold; None: must succeed)."""
    sys.path.insert(0, str(REPO / "tests"))
    from test_hostile_files import GOOD_ROWS, HEADER as COLUMNS, SHEET_START, hostile_packages, inline_row, \
        repeated_rows

    start = SHEET_START + b"<sheetData>"
    end = b"</sheetData></worksheet>"
    files = []
    for what, path, sheet, strings, says in [
        ("xlsx: one row of 8 M empty cells", folder / "cellules.xlsx",
         (start + inline_row(1, COLUMNS)[:-6], b"<c/>", 8_000_000, b"</row>" + end), 0, "cells in a row"),
        ("xlsx: 49 M empty cells, 10,000 a row", folder / "plein.xlsx",
         (start + GOOD_ROWS, b"<row>" + b"<c/>" * 10_000 + b"</row>", 4_900, end), 0, "cells in the workbook"),
        ("xlsx: 33 M empty rows", folder / "lignes.xlsx", (start + GOOD_ROWS, b"<row/>", 33_000_000, end), 0,
         "rows in a sheet"),
        ("xlsx: 30 M empty shared strings", folder / "textes.xlsx", (start + GOOD_ROWS, b"", 0, end), 30_000_000,
         "shared strings"),
    ]:
        _streamed_workbook(path, sheet, strings)
        files.append((what, ["import", str(path), "--coalition", "alpha"], path, says))
    for rows in (50_000_000, 5_000_000):
        root_files = folder / f"parquet-{rows}"
        root_files.mkdir()
        path = repeated_rows(root_files / "memes.parquet", rows, group=5_000_000)
        files.append((f"Parquet: {rows // 1_000_000} M identical rows", ["validate", "--no-cache"], path,
                      "rows in one Parquet file" if rows > 20_000_000 else "rows per byte"))
    glob_files = folder / "parquet-glob"
    glob_files.mkdir()
    files.append(("Parquet: obs*.parquet beside obsB.parquet", ["validate", "--no-cache"], glob_files / "obs*.parquet",
                  None))
    for size in (4 * 2**30, 2**30):
        path = _member_tgz(folder / f"membre-{size >> 30}G.tgz", size)
        files.append((f"decoupage .tgz: a {size >> 30} GB member", ["import-source", "decoupage-administratif",
                                                                    str(path)], path, "the import's limit"))
    crafted = hostile_packages(folder)
    for what in ("a symbolic link", "a symbolic link loop", "a hard link", "JSON 200,000 deep"):
        path, says = crafted[what]
        files.append((f"decoupage .tgz: {what}", ["import-source", "decoupage-administratif", str(path)], path, says))
    return files


# Runs a command, then prints its exit code, CPU seconds and peak resident memory (kB), as the kernel counted
# them for this launcher's children; the command's stderr passes through.
_LAUNCHER = """import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(code, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""


def section_expanding(args) -> list[tuple[str, str]]:
    """Small files that expand: each refused (or, for the glob name, read right) by a CLI process; its CPU and
    wall time and peak resident memory (the kernel's ru_maxrss, from wait4); the goal: under 500 MB and 10 s."""
    rows = [("files that expand", "on disk; exit, time, peak memory of the process, root unchanged — message")]
    within = 0
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        files = _expanding_files(folder)
        for what, command, path, says in files:
            root = fresh_root(folder, 0)
            if command[0] == "validate":  # the file goes in the root's observations
                observations = root / "data" / "observations"
                if says is None:  # the glob case: the fixture's figures in two files, obs*.parquet and obsB.parquet
                    sys.path.insert(0, str(REPO / "tests"))
                    from test_hostile_files import parquet_of

                    source = observations / "figures.csv"
                    select = f"SELECT * FROM read_csv('{source}', all_varchar = true)"
                    parquet_of(observations / "obs*.parquet", f"{select} LIMIT 5")
                    parquet_of(observations / "obsB.parquet", f"{select} OFFSET 5")
                    source.unlink()
                    (observations / "figures.meta.yml").unlink()
                    size = (observations / "obs*.parquet").stat().st_size
                else:
                    shutil.copy(path, observations / path.name)
                    size = path.stat().st_size
            else:
                size = path.stat().st_size
            before = snapshot(root)
            started = time.monotonic()
            # Through a small launcher: a child's ru_maxrss starts from its parent's size at fork (this bench's,
            # which made the files), the launcher's children from the launcher's few MB.
            done = subprocess.run([sys.executable, "-c", _LAUNCHER, sys.executable, "-m", "observatory", *command,
                                   "--root", str(root)], capture_output=True, text=True, cwd=REPO)
            seconds = time.monotonic() - started
            code, cpu, peak_kb = (float(x) for x in done.stdout.split())
            returncode, err, peak = int(code), done.stderr, int(peak_kb) * 1024
            unchanged = snapshot(root) == before
            if says is None:
                ok = returncode == 0
            else:
                ok = returncode == 1 and says in err and "Traceback" not in err and unchanged
            ok = ok and cpu < 10 and peak < 500 * 2**20
            within += ok
            first = err.strip().splitlines()[0] if err.strip() else "(nothing said)"
            rows.append((f"  {what}", f"{size / 1024:,.0f} kB; {'ok' if ok else 'FAILED'}: exit {returncode}, "
                         f"CPU {cpu:.1f} s (wall {seconds:.1f} s), peak {peak // 2**20} MB, root "
                         f"{'unchanged' if unchanged else 'CHANGED'} — {first.replace(str(folder), '…')[:150]}"))
        rows.append(("  CPU under 10 s and peak under 500 MB, refused or read right / tried",
                     f"{within} / {len(files)}"))
    return rows


SECTIONS = {"concurrent": section_concurrent, "kill": section_kill, "hostile": section_hostile,
            "expanding": section_expanding, "build": section_build}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="rounds of two concurrent imports (default 10)")
    parser.add_argument("--kills", type=int, default=20, help="imports killed with SIGKILL (default 20)")
    parser.add_argument("--history-rows", type=int, default=20_000,
                        help="entries already in data/history.csv (default 20,000)")
    parser.add_argument("--build-kills", type=int, default=10, help="builds killed with SIGKILL (default 10)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--only", action="append", choices=list(SECTIONS), help="run only this section")
    args = parser.parse_args()
    table = []
    for name, section in SECTIONS.items():
        if args.only and name not in args.only:
            continue
        table += section(args)
    width = max(len(k) for k, _ in table) if table else 0
    for key, value in table:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
