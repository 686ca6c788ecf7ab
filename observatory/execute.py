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
from dataclasses import dataclass
from pathlib import Path

from observatory import atomic, bundled
from observatory.site import temporary_path

TEMPLATES = bundled.templates()
_writing: list[Path] = []  # the current page's temporary files, removed if the worker is killed
ENGINES = ("warm", "default")
# "warm": observatory.warm_engine's warm kernels (one per worker, reused page after page);
# "default": papermill's own engine, a new kernel per page. Set per worker by the build.
ENGINE = os.environ.get("OBSERVATORY_ENGINE", "warm")


def remove_temporary_files() -> None:
    for tmp in _writing:
        with contextlib.suppress(OSError):
            tmp.unlink()


@functools.lru_cache(maxsize=4)  # one per worker process: building it costs more than some pages
def _exporter(templates: Path = TEMPLATES):
    # Here, not at the top: costly to import, and only the workers need them.
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


def prepare(templates: Path = TEMPLATES) -> None:
    """What a worker's first page would do before its own work: import papermill and nbconvert, register the
    warm engine, make the exporter (a build's workers do it while the build computes)."""
    import nbformat  # noqa: F401
    import papermill  # noqa: F401

    if ENGINE == "warm":
        from observatory import warm_engine

        warm_engine.register()
    _exporter(Path(templates))


def _settled(nb, executed: Path):
    """The executed notebook as published: the same inputs give the same file.

    papermill gives its injected cell a random id (a fixed one instead), and records the path it wrote to
    (it writes nothing here: the notebook is written once, by :func:`run_page`, at ``executed``).
    """
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    if injected:
        injected[0]["id"] = "injected-parameters"
    nb.metadata.setdefault("papermill", {})["output_path"] = str(executed)
    return nb


@dataclass(frozen=True)
class PageJob:
    """One page to build, sent to a worker process (so: plain, picklable values)."""

    key: str  # the page's key: kind[:ident]@lang
    digest: str  # what the page depends on; recorded once it is built
    data_as_of: str | None
    lang: str
    notebook: str  # the dashboard notebook to run
    executed: str  # where the executed notebook goes
    page: str  # where the HTML page goes
    cwd: str  # the notebook's working folder
    title: str
    parameters: dict  # the notebook's papermill parameters
    resources: dict  # what the page template shows besides the notebook (nav, footer, plotly's path...)
    templates: str = str(TEMPLATES)
    timeout: int = 600  # seconds a cell may run


@dataclass(frozen=True)
class PageOutcome:
    """What became of a :class:`PageJob`."""

    key: str
    ok: bool
    seconds: float = 0.0
    error: str | None = None  # a short text, when not ok
    size: int | None = None  # the page's size in bytes, when ok
    errno: int | None = None  # when the disk was full
    path: str | None = None  # the file being written when the disk was full


def run_page(job: PageJob) -> PageOutcome:
    """Execute the job's notebook with its parameters; write the executed notebook and the page."""
    started = time.perf_counter()
    key = job.key
    executed = Path(job.executed)
    page = Path(job.page)

    def outcome(**what) -> PageOutcome:
        return PageOutcome(key, seconds=time.perf_counter() - started, **what)

    tmp_nb, tmp_page = temporary_path(executed), temporary_path(page)
    _writing[:] = [tmp_nb, tmp_page]
    writing = executed
    try:
        # Here, not at the top: costly to import, and only the workers need them.
        import nbformat
        import papermill
        from papermill.engines import papermill_engines
        from papermill.exceptions import PapermillExecutionError
        from papermill.execute import raise_for_execution_errors
        from papermill.utils import chdir

        engine_name = None
        if ENGINE == "warm":
            from observatory import warm_engine

            warm_engine.register()
            engine_name = warm_engine.NAME

        executed.parent.mkdir(parents=True, exist_ok=True)
        page.parent.mkdir(parents=True, exist_ok=True)
        try:
            # papermill prepares the notebook (reads it, injects the parameters, records them in its metadata),
            # then its engine runs it, as papermill.execute_notebook does; the executed notebook is then written
            # once, below. (execute_notebook itself would serialise the whole executed notebook once more, to
            # write it nowhere when given no output path: 0.02 s a page.)
            nb = papermill.execute_notebook(job.notebook, None, parameters=job.parameters, kernel_name="python3",
                                            progress_bar=False, prepare_only=True, engine_name=engine_name)
            with chdir(job.cwd):
                nb = papermill_engines.execute_notebook_with_engine(
                    engine_name, nb, input_path=job.notebook, output_path=None, kernel_name="python3",
                    progress_bar=False, log_output=False, start_timeout=60, execution_timeout=job.timeout,
                    # One stream output per cell whatever the kernel's flush timing: under load a print's text
                    # and its newline came as two outputs, and the same page differed from build to build.
                    coalesce_streams=True,
                )
            raise_for_execution_errors(nb, None)
        except PapermillExecutionError as exc:
            return outcome(ok=False, error=f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}")
        nb = _settled(nb, executed)
        nbformat.write(nb, str(tmp_nb))
        resources = {"metadata": {"name": job.title}, **job.resources}
        body, _ = _exporter(Path(job.templates)).from_notebook_node(nb, resources=resources)
        writing = page
        atomic.write_file(tmp_page, body.encode("utf-8"))
        tmp_nb.replace(executed)
        tmp_page.replace(page)
        return outcome(ok=True, size=len(body.encode()))
    except Exception as exc:  # noqa: BLE001 - a failed page is reported, the others still publish
        if isinstance(exc, OSError) and exc.errno in atomic.DISK_FULL:  # the build stops and says so
            return outcome(ok=False, errno=exc.errno, path=str(writing), error=f"disk full while writing {writing}")
        last = traceback.extract_tb(exc.__traceback__)[-1:] or []
        where = f" ({os.path.basename(last[0].filename)}:{last[0].lineno})" if last else ""
        return outcome(ok=False, error=f"{type(exc).__name__}: {exc}{where}")
    finally:
        remove_temporary_files()
        _writing.clear()
