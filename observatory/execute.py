"""Run one dashboard notebook with papermill and render it as a site page.

This runs in a worker process of the build. Files are written aside and
renamed only once both the executed notebook and the page are complete, so a
failed run leaves the previous version of the page in place.
"""

from __future__ import annotations

import contextlib
import functools
import os
import time
import traceback
from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"
_writing: list[Path] = []  # the current page's temporary files, removed if the worker is killed
ENGINES = ("warm", "default")
# "warm": observatory.engine's warm kernels (one per worker, reused page after page);
# "default": papermill's own engine, a new kernel per page. Set per worker by the build.
ENGINE = os.environ.get("OBSERVATORY_ENGINE", "warm")


def remove_temporary_files() -> None:
    for tmp in _writing:
        with contextlib.suppress(OSError):
            tmp.unlink()


@functools.lru_cache(maxsize=4)  # one per worker process: building it costs more than some pages
def _exporter(templates: Path = TEMPLATES):
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TemplateExporter.extra_template_basedirs = [str(templates)]
    config.TemplateExporter.exclude_input = True
    config.TemplateExporter.exclude_input_prompt = True
    config.TemplateExporter.exclude_output_prompt = True
    config.HTMLExporter.exclude_anchor_links = True
    # Outputs are our own fragments (data text already escaped) and must keep their chart scripts.
    config.HTMLExporter.sanitize_html = False
    config.HTMLExporter.template_name = "observatory"
    return HTMLExporter(config=config)


def _fixed_ids(nb, path: Path) -> None:
    """papermill gives its injected cell a random id: a fixed one, so that the same inputs give the same files."""
    import nbformat

    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    if injected and injected[0].get("id") != "injected-parameters":
        injected[0]["id"] = "injected-parameters"
        nbformat.write(nb, str(path))


def run_page(job: dict) -> dict:
    """Execute ``job['notebook']`` with ``job['parameters']``; write the notebook and the page.

    Returns a report: key, ok, error (a short text), seconds, page size.
    """
    started = time.perf_counter()
    key = job["key"]
    executed = Path(job["executed"])
    page = Path(job["page"])
    from observatory.site import DISK_FULL, temporary_path

    tmp_nb, tmp_page = temporary_path(executed), temporary_path(page)
    _writing[:] = [tmp_nb, tmp_page]
    writing = executed
    try:
        import nbformat
        import papermill
        from papermill.exceptions import PapermillExecutionError

        engine_name = None
        if ENGINE == "warm":
            from observatory import engine

            engine.register()
            engine_name = engine.NAME

        executed.parent.mkdir(parents=True, exist_ok=True)
        page.parent.mkdir(parents=True, exist_ok=True)
        try:
            papermill.execute_notebook(
                job["notebook"], str(tmp_nb), parameters=job["parameters"], kernel_name="python3",
                progress_bar=False, log_output=False, cwd=job["cwd"], request_save_on_cell_execute=False,
                execution_timeout=job.get("timeout", 600), engine_name=engine_name,
            )
        except PapermillExecutionError as exc:
            return {"key": key, "ok": False, "seconds": time.perf_counter() - started,
                    "error": f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}"}
        nb = nbformat.read(str(tmp_nb), as_version=4)
        _fixed_ids(nb, tmp_nb)
        resources = {"metadata": {"name": job["title"]}, **job["resources"]}
        body, _ = _exporter(Path(job.get("templates", TEMPLATES))).from_notebook_node(nb, resources=resources)
        writing = page
        with open(tmp_page, "w", encoding="utf-8") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        tmp_nb.replace(executed)
        tmp_page.replace(page)
        return {"key": key, "ok": True, "seconds": time.perf_counter() - started, "bytes": len(body.encode())}
    except Exception as exc:  # noqa: BLE001 - a failed page is reported, the others still publish
        if isinstance(exc, OSError) and exc.errno in DISK_FULL:  # the build stops and says so
            return {"key": key, "ok": False, "seconds": time.perf_counter() - started, "errno": exc.errno,
                    "path": str(writing), "error": f"disk full while writing {writing}"}
        last = traceback.extract_tb(exc.__traceback__)[-1:] or []
        where = f" ({os.path.basename(last[0].filename)}:{last[0].lineno})" if last else ""
        return {"key": key, "ok": False, "seconds": time.perf_counter() - started,
                "error": f"{type(exc).__name__}: {exc}{where}"}
    finally:
        remove_temporary_files()
        _writing.clear()
