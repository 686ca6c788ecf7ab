"""``observatory build``: validate, compute once, run every dashboard, publish the static site.

Steps: validate the root; take the output folder's lock (a second build waits);
compute the results (once); write the data (``OUT/progress.csv``, ``OUT/data/``,
a Frictionless ``datapackage.json``); run the notebooks with papermill in
parallel worker processes, skipping pages whose inputs did not change; render
each page without code; write the shared assets; remove the pages of
coalitions and territories no longer in the data.

Nothing published contradicts the data beside it:

- a page's digest covers its notebook, its slice of the results, the
  package's own files (code, templates, assets) and the versions of the
  libraries that render it, so a code change or an upgrade rebuilds it;
- the state file (``.build-state.json``) records every page and data file the
  build made; only those are ever removed;
- a page that fails keeps its previous version, marked out of date on the page
  itself, and the command then exits non-zero;
- every file is written aside and renamed, so a full disk or a ``kill -9``
  never leaves a truncated file; workers and their kernels die with the build.

The package, one job a module: :mod:`~observatory.build.digest` (what shapes a page besides its data),
:mod:`~observatory.build.state` (the record of what the build made), :mod:`~observatory.build.assets` (the data
and asset files beside the pages), :mod:`~observatory.build.workers` (the worker processes and the build log),
:mod:`~observatory.build.jobs` (the pages to run and their record); here, the build's steps in order.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from observatory import bundled, execute, site
from observatory import results as results_module
from observatory.build.assets import PLOTLY_LOCALE_FR, _update_other_menus, _write_assets, _write_data  # noqa: F401
from observatory.build.digest import LIBRARIES, environment_digest, library_versions  # noqa: F401
from observatory.build.jobs import BuildReport, _page_jobs, _record_all, _run
from observatory.build.state import STATE_FILE, _load_state, _remove_gone, _save_state, _sweep_temporary_files
from observatory.build.workers import LOG_FILE, _log, _now, _Workers  # noqa: F401
from observatory.fingerprint import PACKAGE, package_files  # noqa: F401 - package_files: tests
from observatory.i18n import LANGS
from observatory.locking import build_lock
from observatory.pages import kinds
from observatory.sitedata import computed
from observatory.validate import validated

NOTEBOOKS = bundled.notebooks()  # tests point it at a modified copy


# --- the build ------------------------------------------------------------------------------

def build(root: Path = Path("."), out: Path = Path("reports"), jobs: int | None = None,
          only: list[str] | None = None, langs: tuple[str, ...] = LANGS, force: bool = False,
          say=print, engine: str | None = None, scheduler: str | None = None) -> BuildReport:
    """Build the site. Raises :class:`~observatory.errors.InvalidDataRoot` before writing anything.

    One build at a time per output folder: a second one waits for the first (saying so).
    ``engine``: "warm" (kernels reused, see :mod:`observatory.warm_engine`) or "default" (papermill's,
    a new kernel per page); None: ``$OBSERVATORY_ENGINE``, else "warm".
    ``scheduler``: the address of a Dask scheduler whose workers run the pages (:mod:`observatory.distributed`);
    None: ``$DASK_SCHEDULER_ADDRESS``, else local worker processes.
    """
    if engine is not None and engine not in execute.ENGINES:
        raise ValueError(f"engine {engine!r}: expected one of {', '.join(execute.ENGINES)}")
    _check_scheduler(scheduler)
    started = time.perf_counter()
    root, out = root.resolve(), out.resolve()
    valid = validated(root)  # an invalid root writes nothing, not even the lock
    waited = []

    def say_waiting(message: str) -> None:
        waited.append(message)
        say(message)

    with build_lock(out, say=say_waiting):
        if waited:  # the root may have changed while the other build ran
            valid = validated(root)
        _log(out, f"=== build started {_now()} by process {os.getpid()} (root {root})")
        outcome = "failed"
        try:
            report = _build(valid, root, out, jobs, only, langs, force, say, started, engine, scheduler)
            outcome = "ok" if report.ok else f"{len(report.failed)} page(s) failed"
            return report
        finally:
            _log(out, f"=== end of build {_now()} by process {os.getpid()}: {outcome}")


def _build(valid, root: Path, out: Path, jobs: int | None, only: list[str] | None, langs: tuple[str, ...],
           force: bool, say, started: float, engine: str | None = None,
           scheduler: str | None = None) -> BuildReport:
    workers = _Workers(out, jobs, engine, NOTEBOOKS)
    try:
        # The root or the code changed, so pages will run: the workers start their kernels (3-4 s) while the
        # results are computed.
        results, data = computed(valid, before_computing=workers.start if not _scheduler(scheduler) else _nothing)
        return _build_pages(results, data, workers, root, out, only, langs, force, say, started, scheduler)
    finally:
        workers.close()


def _nothing() -> None:
    pass


def _scheduler(scheduler: str | None) -> str | None:
    return scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None


def _check_scheduler(scheduler: str | None) -> None:
    """A scheduler address of the wrong form is refused before anything is validated or computed."""
    from observatory.dask_address import parse
    from observatory.errors import ObservatoryError

    address = _scheduler(scheduler)
    if address:
        try:
            parse(address)
        except ValueError as exc:
            raise ObservatoryError(f"{'--scheduler' if scheduler else 'DASK_SCHEDULER_ADDRESS'}: {exc}") from None


def _build_pages(results, data, workers: _Workers, root: Path, out: Path, only: list[str] | None,
                 langs: tuple[str, ...], force: bool, say, started: float, scheduler: str | None) -> BuildReport:
    _sweep_temporary_files(out)
    for skipped in kinds.skipped():  # a faulty plug-in's kind: its pages are not built, the others are
        say(skipped)
    every_page = site.all_pages(results, langs)
    pages = site.select(every_page, only)
    state_path = out / STATE_FILE
    state = _load_state(state_path, say)
    slices = data.slices
    written = _write_data(results, out, site.all_pages(results, LANGS), data)
    _write_assets(results, out, every_page, langs, root)

    report = BuildReport(out)
    present = {spec.key for spec in site.all_pages(results, ("fr",))}
    if only:
        gone = sorted({k.split("@")[0] for k in state["pages"]} - present)
        if gone:
            say(f"kept {len(gone)} page(s) no longer in the data ({', '.join(gone)}): a build without --only "
                "removes them")
        state["files"] = sorted(set(state["files"]) | set(written))
    else:
        report.removed = _remove_gone(out, state, present, written, say)
        state["files"] = sorted(written)
    _update_other_menus(results, out, langs, state)
    _save_state(state_path, state)

    environment = environment_digest(PACKAGE, Path(execute.TEMPLATES))
    jobs_to_run = _page_jobs(pages, results, slices, state, environment, NOTEBOOKS, root, out, langs, force, report)

    say(f"{len(pages)} dashboards: {len(jobs_to_run)} to run, {len(report.skipped)} unchanged")
    address = _scheduler(scheduler)
    if jobs_to_run and address:
        from observatory.distributed import run_pages

        _record_all(run_pages(address, jobs_to_run, results_module.tables_csv(results), say),
                    len(jobs_to_run), out, state, state_path, report)
    elif jobs_to_run:
        _run(jobs_to_run, workers, state, state_path, report)
    report.seconds = time.perf_counter() - started
    return report
