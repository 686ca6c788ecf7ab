"""The warm-kernel engine (observatory/warm_engine.py): same pages as papermill's own engine, pages kept apart,
kernels replaced after a failure or a number of pages, and no kernel outliving its process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import nbformat
import papermill
import psutil
import pytest
from papermill.exceptions import PapermillExecutionError

from observatory import warm_engine, execute
from observatory.build import build
from tests.conftest import FIXTURE_ROOT, dashboard_pages


def _comparable(path: Path) -> dict:
    """An executed notebook without what differs between any two runs: timings."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        cell["metadata"].pop("execution", None)
        cell["metadata"].pop("papermill", None)
    nb["metadata"].pop("papermill", None)
    return nb


def test_the_warm_engine_builds_the_same_site_as_papermills_engine(tmp_path):
    warm, default = tmp_path / "site", tmp_path / "default"
    # Built in the same folder (its path is one of the pages' parameters), one after the other.
    # (French pages: the English ones run the same cells and the same exporter)
    report = build(FIXTURE_ROOT, warm, jobs=2, engine="default", langs=("fr",), say=lambda _: None)
    assert report.ok, report.failed
    warm.rename(default)
    # One worker: every page of the warm build goes through the same kernel, one after the other.
    report = build(FIXTURE_ROOT, warm, jobs=1, engine="warm", langs=("fr",), say=lambda _: None)
    assert report.ok, report.failed

    pages = dashboard_pages(default)
    notebooks = sorted(p.relative_to(default) for p in default.rglob("*.ipynb"))
    assert len(pages) > 5 and len(notebooks) == len(pages)  # every page has its executed notebook
    assert dashboard_pages(warm) == pages
    for page in pages:
        assert (warm / page).read_bytes() == (default / page).read_bytes(), page
    for notebook in notebooks:
        warm_nb, default_nb = _comparable(warm / notebook), _comparable(default / notebook)
        assert warm_nb == default_nb, notebook
        counts = [c["execution_count"] for c in warm_nb["cells"] if c["cell_type"] == "code"]
        assert counts == list(range(1, len(counts) + 1)), notebook
    # The page rendered by the exporter kept by the worker is the one a new exporter renders.
    notebook = notebooks[0]
    nb = nbformat.read(str(warm / notebook), as_version=4)
    again = execute._exporter.__wrapped__().from_notebook_node(nb, resources={"metadata": {"name": "x"}})[0]
    first = execute._exporter().from_notebook_node(nb, resources={"metadata": {"name": "x"}})[0]
    assert again == first


def _notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("step = 0"), *(nbformat.v4.new_code_cell(textwrap.dedent(c)) for c in cells)]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nbformat.write(nb, str(path))
    return path


def _run(notebook: Path, out: Path, engine_name: str | None, **parameters) -> dict:
    # coalesce_streams, as observatory.execute runs pages: how a kernel splits a print in messages is timing
    papermill.execute_notebook(str(notebook), str(out), parameters=parameters, kernel_name="python3",
                               progress_bar=False, cwd=str(notebook.parent), engine_name=engine_name,
                               coalesce_streams=True)
    return _comparable(out)


MEDDLER = [  # what the page sees first (a new kernel's state), a warning, then changes a page could make
    """
    import os, warnings, pandas as pd, plotly.io as pio
    print(sorted(k for k in dir() if not k.startswith("_")))
    print(pd.get_option("display.max_rows"), pio.templates.default, os.environ.get("OBSERVATORY_LEAK"),
          os.getcwd(), len(Out), len(In))
    """,
    """
    warnings.warn_explicit("shown on every page", UserWarning, "dashboard.py", 7, module="dashboard",
                           registry=warnings.__dict__.setdefault("_test_registry", {}))
    pd.DataFrame({"n": range(3)})
    """,
    """
    leaked = "from the page before"
    pd.set_option("display.max_rows", 3)
    pio.templates.default = "plotly_dark"
    os.environ["OBSERVATORY_LEAK"] = "1"
    warnings.simplefilter("ignore")
    os.chdir("/")
    1 + 1
    """,
]


def test_a_page_sees_nothing_of_the_pages_before_it(tmp_path):
    warm_engine.register()
    notebook = _notebook(tmp_path / "meddler.ipynb", *MEDDLER)
    expected = _run(notebook, tmp_path / "default.ipynb", None)
    started = warm_engine.POOL.started
    for turn in range(3):
        got = _run(notebook, tmp_path / f"warm{turn}.ipynb", warm_engine.NAME)
        assert got == expected, f"page {turn + 1} in the same kernel"
    assert warm_engine.POOL.started == started + 1, "the three pages ran in one kernel"
    assert [c["execution_count"] for c in expected["cells"]] == [1, 2, 3, 4]
    assert "shown on every page" in json.dumps(expected)
    warm_engine.POOL.close()


def _kernel_pid(notebook: Path, out: Path, **parameters) -> int:
    nb = _run(notebook, out, warm_engine.NAME, **parameters)
    return int("".join(nb["cells"][-1]["outputs"][0]["text"]))


def test_a_kernel_is_replaced_after_a_failure_and_after_its_quota_of_pages(tmp_path, monkeypatch):
    warm_engine.register()
    warm_engine.POOL.close()
    monkeypatch.setenv("OBSERVATORY_WARM_PAGES", "3")
    notebook = _notebook(tmp_path / "pid.ipynb", "if step == 99: raise ValueError('broken page')",
                         "import os; print(os.getpid())")
    first = [_kernel_pid(notebook, tmp_path / f"a{i}.ipynb") for i in range(3)]
    assert len(set(first)) == 1
    after_quota = _kernel_pid(notebook, tmp_path / "b.ipynb")
    assert after_quota != first[0]
    assert not psutil.pid_exists(first[0]) or psutil.Process(first[0]).status() == psutil.STATUS_ZOMBIE
    with pytest.raises(PapermillExecutionError, match="broken page"):
        _run(notebook, tmp_path / "c.ipynb", warm_engine.NAME, step=99)
    after_failure = _kernel_pid(notebook, tmp_path / "d.ipynb")
    assert after_failure != after_quota
    warm_engine.POOL.close()


def _kernels_marked(mark: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            if "ipykernel" in " ".join(process.info["cmdline"] or []) and \
                    process.environ().get("OBSERVATORY_TEST_MARK") == mark:
                found.append(process)
        except psutil.Error:
            continue
    return found


def test_no_warm_kernel_outlives_a_finished_build(tmp_path, monkeypatch):
    mark = uuid.uuid4().hex
    monkeypatch.setenv("OBSERVATORY_TEST_MARK", mark)  # inherited by the workers and their kernels
    report = build(FIXTURE_ROOT, tmp_path / "site", jobs=2, only=["programme"], engine="warm",
                   say=lambda _: None)
    assert report.ok, report.failed
    _, alive = psutil.wait_procs(_kernels_marked(mark), timeout=5)
    assert not alive, [" ".join(p.cmdline()) for p in alive]


@pytest.mark.parametrize("ending", ["exits", "is killed"])
def test_a_warm_kernel_dies_with_its_process(tmp_path, ending):
    """Run from the papermill command line (the entry point), then the process ends: its kernel too."""
    notebook = _notebook(tmp_path / "pid.ipynb", "import os; print(os.getpid(), flush=True)")
    script = textwrap.dedent(f"""
        import os, signal, sys, papermill
        nb = papermill.execute_notebook({str(notebook)!r}, {str(tmp_path / 'out.ipynb')!r},
                                        engine_name="observatory-warm", progress_bar=False, kernel_name="python3")
        print(nb.cells[-1].outputs[0].text, flush=True)
        if {ending == "is killed"}:
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180)
    assert done.stdout.strip(), done.stderr[-2000:]
    kernel = int(done.stdout.split()[0])
    deadline = time.monotonic() + 10  # after a kill -9, ipykernel notices its parent is gone within a second
    while time.monotonic() < deadline and psutil.pid_exists(kernel) and \
            psutil.Process(kernel).status() != psutil.STATUS_ZOMBIE:
        time.sleep(0.2)
    if psutil.pid_exists(kernel) and psutil.Process(kernel).status() != psutil.STATUS_ZOMBIE:
        os.kill(kernel, signal.SIGKILL)
        pytest.fail(f"kernel {kernel} still running after its process {ending.split()[-1]}")


def test_the_engine_is_found_by_papermill_whatever_is_imported_first():
    """papermill loads its engines' entry points while it is being imported: no circular import either way."""
    for first in ("observatory.warm_engine", "papermill"):
        code = (f"import {first}, observatory.warm_engine, papermill; from papermill.engines import papermill_engines; "
                "print(papermill_engines.get_engine('observatory-warm').__name__)")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert done.stdout.strip() == "WarmEngine", done.stderr[-2000:]
