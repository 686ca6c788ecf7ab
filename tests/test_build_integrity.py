"""`observatory build` never publishes a page that contradicts the data beside it.

Stale pages after a code change, pages of removed coalitions, a failed page
kept silently, two builds at once, orphaned workers after ``kill -9``, a full
disk: each is reproduced here with real files and real processes.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from observatory import build as build_module
from observatory.build import build
from observatory.i18n.formatting import day
from tests.conftest import FIXTURE_ROOT, REPO, break_territory_notebook

QUIET = {"say": lambda _: None}


def _copy_site(built_site: Path, tmp_path: Path) -> Path:
    out = tmp_path / "site"
    shutil.copytree(built_site, out)
    return out


def _state_pages(out: Path) -> dict:
    return json.loads((out / ".build-state.json").read_text())["pages"]


def _command(*args) -> list[str]:
    return [sys.executable, "-m", "observatory", *[str(a) for a in args]]


# --- 1. a page's digest covers everything that shapes it ----------------------------------------

def test_the_digest_covers_the_package_sources_and_the_libraries_that_render_pages(tmp_path):
    package = tmp_path / "observatory"
    shutil.copytree(REPO / "observatory", package, ignore=shutil.ignore_patterns("__pycache__"))
    templates = package / "templates"
    versions = build_module.library_versions()
    for name in ("plotly", "nbconvert", "papermill", "nbformat", "jinja2", "pandas", "ipykernel", "python"):
        assert versions.get(name), name
    files = {p.relative_to(package).as_posix() for p in build_module.package_files(package)}
    assert {"vocabulary.py", "dashboard.py", "templates/observatory/index.html.j2",
            "templates/observatory/conf.json"} <= files
    before = build_module.environment_digest(package, templates, versions)
    assert build_module.environment_digest(package, templates, versions) == before  # stable

    model = package / "vocabulary.py"
    original = model.read_bytes()
    model.write_bytes(original.replace(b"\n", b"\n#\n", 1))  # one changed byte in a label's module
    assert build_module.environment_digest(package, templates, versions) != before
    model.write_bytes(original)
    assert build_module.environment_digest(package, templates, versions) == before

    (templates / "observatory" / "index.html.j2").write_text("changed", encoding="utf-8")
    assert build_module.environment_digest(package, templates, versions) != before
    shutil.rmtree(templates)
    shutil.copytree(REPO / "observatory" / "templates", templates)
    for name in ("plotly", "nbconvert", "python"):
        upgraded = {**versions, name: versions[name] + ".1"}
        assert build_module.environment_digest(package, templates, upgraded) != before, name


def test_a_changed_template_rebuilds_the_pages(tmp_path, monkeypatch):
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "observatory" / "templates", templates)
    monkeypatch.setattr("observatory.execute.TEMPLATES", templates)
    out = tmp_path / "site"
    first = build(FIXTURE_ROOT, out, jobs=1, only=["coalition:alpha"], langs=("fr",), **QUIET)
    assert first.ok and len(first.built) == 1

    page = templates / "observatory" / "index.html.j2"
    page.write_text(page.read_text(encoding="utf-8").replace("<head>", "<head><!-- template v2 -->", 1),
                    encoding="utf-8")
    again = build(FIXTURE_ROOT, out, jobs=1, only=["coalition:alpha"], langs=("fr",), **QUIET)
    assert again.ok and [b.key for b in again.built] == ["coalition:alpha"]
    assert "<!-- template v2 -->" in (out / "coalitions" / "alpha.html").read_text(encoding="utf-8")


# --- 2. what no longer has a page leaves the site --------------------------------------------------

def test_a_removed_coalition_leaves_the_site_and_nothing_else_does(built_site, tmp_path, root_copy):
    out = _copy_site(built_site, tmp_path)
    unknown = [out / "coalitions" / "notes.html", out / "data" / "coalitions" / "beta-extra.csv",
               out / "README.txt"]
    for path in unknown:
        path.write_text("not made by the build")
    beta = [out / "coalitions" / "beta.html", out / "en" / "coalitions" / "beta.html",
            out / "data" / "coalitions" / "beta-targets.csv", out / "data" / "coalitions" / "beta-observations.csv",
            out / "notebooks" / "fr" / "coalitions" / "beta.ipynb",
            out / "notebooks" / "en" / "coalitions" / "beta.ipynb"]
    assert all(p.exists() for p in beta)
    (root_copy / "data" / "coalitions" / "beta.yml").unlink()

    said = []
    partial = build(root_copy, out, jobs=2, only=["coalition:alpha"], langs=("fr",), say=said.append)
    assert partial.ok
    assert all(p.exists() for p in beta), "an --only build removed another page"

    said.clear()
    report = build(root_copy, out, jobs=2, langs=("fr",), say=said.append)
    assert report.ok, report.failed
    assert [p for p in beta if p.exists()] == []
    assert "removed 2 pages of coalitions no longer in the data: beta" in said
    assert all(p.read_text() == "not made by the build" for p in unknown)
    assert not [k for k in _state_pages(out) if "beta" in k]
    package = json.loads((out / "data" / "datapackage.json").read_text())
    assert not [r for r in package["resources"] if "beta" in r["path"]]
    for lang in ("fr", "en"):
        assert "coalitions/beta.html" not in (out / "assets" / f"nav-{lang}.js").read_text(encoding="utf-8")


# --- 3. a failed page is marked out of date on the page itself -----------------------------------

def test_a_page_that_fails_is_marked_out_of_date_until_it_builds_again(built_site, tmp_path, root_copy,
                                                                       monkeypatch, cli):
    out = _copy_site(built_site, tmp_path)
    shown = re.search(r"données du (\d{1,2} \S+ \d{4})", (out / "territories" / "rennes.html").read_text()).group(1)
    monkeypatch.setattr("observatory.build.NOTEBOOKS", break_territory_notebook(tmp_path))
    with (root_copy / "data" / "observations" / "figures.csv").open("a") as f:
        f.write("people-trained,rennes,2023-06-30,600,alpha,Registre,\n")

    code, _, err = cli("build", "--root", root_copy, "--out", out, "--lang", "fr", "--only", "territory:rennes")
    assert code == 1 and "FAILED territory:rennes" in err
    html = (out / "territories" / "rennes.html").read_text(encoding="utf-8")
    assert html.count('role="alert"') == 1
    assert "n'a pas pu être mise à jour" in html
    assert day(time.strftime("%Y-%m-%d"), "fr") in html  # the date of the failed build
    assert f"Ses chiffres sont ceux des données du {shown}" in html  # the date the kept figures state
    assert "2023-06-30" in (out / "data" / "territories" / "rennes-observations.csv").read_text()
    assert 'role="alert"' not in (out / "en" / "territories" / "rennes.html").read_text(encoding="utf-8")

    # failing again does not stack a second banner
    code, _, _ = cli("build", "--root", root_copy, "--out", out, "--lang", "fr", "--only", "territory:rennes")
    assert code == 1
    assert (out / "territories" / "rennes.html").read_text(encoding="utf-8").count('role="alert"') == 1

    monkeypatch.setattr("observatory.build.NOTEBOOKS", REPO / "notebooks")
    code, _, err = cli("build", "--root", root_copy, "--out", out, "--lang", "fr", "--only", "territory:rennes")
    assert code == 0, err
    html = (out / "territories" / "rennes.html").read_text(encoding="utf-8")
    assert 'role="alert"' not in html and "2023-06-30" in html


def test_the_banner_speaks_the_page_language(tmp_path):
    from observatory.site import mark_out_of_date

    page = tmp_path / "page.html"
    page.write_text('<!DOCTYPE html>\n<html lang="en">\n<head></head>\n<body class="x">\n<p>old</p></body></html>')
    mark_out_of_date(page, "en", "2026-11-23", "2023-03-31")
    html = page.read_text(encoding="utf-8")
    assert 'role="alert"' in html and "could not be updated" in html and "23 Nov 2026" in html and "31 Mar 2023" in html
    assert html.index('role="alert"') > html.index("<body") and html.index('role="alert"') < html.index("<p>old")


# --- 4. two builds at once take turns ------------------------------------------------------------

def test_two_builds_of_one_folder_take_turns(tmp_path):
    """A second build of the same folder waits for the first; one that won't wait long says who holds the lock.

    The first build runs here and, once it holds the lock (when it announces its pages), starts the others
    and waits until the second says it is waiting: the order is certain, however slow the machine."""
    import threading

    out = tmp_path / "site"
    args = ("build", "--root", FIXTURE_ROOT, "--out", out, "--only", "coalition:alpha", "--lang", "fr", "--force")
    others: dict = {}

    def inside_the_lock(message: str) -> None:
        if "dashboards:" not in message or others:
            return
        second = subprocess.Popen(_command(*args), stderr=subprocess.PIPE, text=True)
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(second.stderr), daemon=True)
        reader.start()
        deadline = time.monotonic() + 240
        while not any("waiting: observatory build (process" in line for line in lines) \
                and second.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        impatient = subprocess.run(_command(*args), stderr=subprocess.PIPE, text=True,
                                   env={**os.environ, "OBSERVATORY_LOCK_TIMEOUT": "1"})
        others.update(second=second, lines=lines, reader=reader, impatient=impatient)

    first = build(FIXTURE_ROOT, out, jobs=1, only=["coalition:alpha"], langs=("fr",), force=True, say=inside_the_lock)
    assert first.ok and others, "the first build never announced its pages"
    second, impatient = others["second"], others["impatient"]
    second.wait(300)
    others["reader"].join(30)
    second_err = "".join(others["lines"])
    assert second.returncode == 0, second_err
    assert "waiting: observatory build (process" in second_err
    assert impatient.returncode == 1
    assert "still holds the lock" in impatient.stderr and "Traceback" not in impatient.stderr

    # build.log: one build after the other, never interleaved
    marks = [line.split()[1] for line in (out / "build.log").read_text().splitlines() if line.startswith("=== ")]
    assert marks == ["build", "end", "build", "end"], marks


# --- 5. kill -9 of a build leaves no process behind -----------------------------------------------

def test_killing_a_build_kills_its_workers_and_kernels(tmp_path, root_copy):
    out = tmp_path / "site"
    build_process = subprocess.Popen(_command("build", "--root", root_copy, "--out", out, "--lang", "fr",
                                              "--jobs", "2"),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(build_process.pid)
    seen: dict[int, psutil.Process] = {}
    deadline = time.monotonic() + 120
    kernels = []
    while time.monotonic() < deadline and len(kernels) < 2:
        with contextlib.suppress(psutil.Error):
            for child in parent.children(recursive=True):
                seen.setdefault(child.pid, child)
            kernels = [p for p in seen.values() if _is_kernel(p)]
        time.sleep(0.05)
    assert kernels, "no kernel started"
    build_process.send_signal(signal.SIGKILL)
    build_process.wait()
    killed_at = time.time()

    _, alive = psutil.wait_procs(list(seen.values()), timeout=5)
    survivors = [f"{p.pid} {_cmdline(p)}" for p in alive]
    for p in alive:
        with contextlib.suppress(psutil.Error):
            p.kill()
    assert not survivors, f"still running after the build was killed: {survivors}"
    time.sleep(2)
    late = [p for p in out.rglob("*") if p.is_file() and p.stat().st_mtime > killed_at + 0.5]
    assert not late, f"written after the build was killed: {late}"


def _is_kernel(process: psutil.Process) -> bool:
    return "ipykernel" in _cmdline(process)


def _cmdline(process: psutil.Process) -> str:
    with contextlib.suppress(psutil.Error):
        return " ".join(process.cmdline())
    return "?"


# --- 6. a full disk: a plain message, the previous files intact -----------------------------------

@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.skip(f"mounting a small tmpfs is not permitted here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_says_so_and_keeps_the_previous_files(tmp_path, small_disk, cli):
    first = tmp_path / "first"
    assert build(FIXTURE_ROOT, first, jobs=1, only=["coalition:alpha"], langs=("fr",), **QUIET).ok
    out = small_disk / "site"
    shutil.copytree(first, out)
    # an older, smaller plotly.js, as after an upgrade of plotly: the build must replace it
    old_plotly = (out / "assets" / "plotly.min.js").read_bytes()[:2_000_000]
    (out / "assets" / "plotly.min.js").write_bytes(old_plotly)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    free = shutil.disk_usage(small_disk).free
    (small_disk / "filler").write_bytes(b"\0" * (free - 600_000))

    code, _, err = cli("build", "--root", FIXTURE_ROOT, "--out", out, "--only", "coalition:alpha", "--lang", "fr")
    assert code == 1
    assert "error: disk full while writing " in err and "plotly.min.js" in err
    assert "free some space and run the command again; the previous files are intact" in err
    assert "Traceback" not in err and "unexpected error" not in err
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    for name, content in before.items():
        if name.name not in ("build.log", ".build.lock", ".build.lock.holder"):
            assert after.get(name) == content, f"{name} changed"
    assert not [p for p in after if "tmp" in p.name], "temporary files left behind"


def test_a_print_is_one_output_whatever_the_kernels_timing(tmp_path, monkeypatch):
    """A kernel sends what a cell prints in as many messages as its flushes happen: on a loaded machine a text
    and its newline came apart, and the same page was two outputs in one build, one in the next. Pages run
    with the streams of a cell merged, so the executed page does not depend on the kernel's timing."""
    import json

    notebooks = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", notebooks)
    territory = json.loads((notebooks / "territory.ipynb").read_text())
    territory["cells"].append({"cell_type": "code", "execution_count": None, "id": "two-flushes", "metadata": {},
                               "outputs": [], "source": "import sys, time\nprint('first half', end='')\n"
                               "sys.stdout.flush()\ntime.sleep(0.5)\nprint(' second half')"})
    (notebooks / "territory.ipynb").write_text(json.dumps(territory))
    monkeypatch.setattr("observatory.build.NOTEBOOKS", notebooks)
    out = tmp_path / "site"
    assert build(FIXTURE_ROOT, out, jobs=1, only=["territory:rennes"], langs=("fr",), say=lambda _: None).ok
    executed = json.loads((out / "notebooks" / "fr" / "territories" / "rennes.ipynb").read_text())
    cell = next(c for c in executed["cells"] if c.get("id") == "two-flushes")
    streams = [o for o in cell["outputs"] if o["output_type"] == "stream"]
    assert len(streams) == 1 and "".join(streams[0]["text"]) == "first half second half\n", cell["outputs"]
