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
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import plotly
import psutil
from tqdm import tqdm

from observatory import atomic, bundled, execute, fingerprint, site
from observatory import results as results_module
from observatory.i18n import LANGS
from observatory.fingerprint import PACKAGE, hash_tree, package_files  # noqa: F401 - package_files: tests
from observatory.locking import build_lock
from observatory.pages import kinds
from observatory.sitedata import SiteData, computed, site_data
from observatory.validate import validated

NOTEBOOKS = bundled.notebooks()  # tests point it at a modified copy
STATE_FILE = ".build-state.json"
STATE_VERSION = 2
LOG_FILE = "build.log"
# The libraries whose output ends up in a page: an upgrade of any of them rebuilds every page.
LIBRARIES = ("plotly", "nbconvert", "nbclient", "papermill", "nbformat", "jinja2", "pandas", "numpy", "ipykernel",
             "jupyter_client", "traitlets", "mistune", "pygments")


@dataclass
class BuildReport:
    out: Path
    built: list[execute.PageOutcome] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[execute.PageOutcome] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


# --- what shapes a page ------------------------------------------------------------------------

def library_versions() -> dict[str, str]:
    """The versions of Python and of the libraries that render the pages."""
    return fingerprint.library_versions(LIBRARIES)


def environment_digest(package: Path = PACKAGE, templates: Path | None = None,
                       versions: dict[str, str] | None = None) -> str:
    """One fingerprint of everything a page depends on besides its notebook and its data.

    Computed once per build: the package's files, the templates (which may live outside
    the package) and the libraries' versions.
    """
    templates = Path(templates) if templates is not None else Path(execute.TEMPLATES)
    sha = hashlib.sha256(b"observatory-page-environment\0")
    hash_tree(sha, Path(package), package_files(package))
    sha.update(b"\0templates\0")
    hash_tree(sha, templates, package_files(templates))
    sha.update(json.dumps(versions if versions is not None else library_versions(), sort_keys=True).encode())
    return sha.hexdigest()


def _digest_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


PLOTLY_LOCALE_FR = "plotly-locale-fr.js"


def _plotly_js() -> Path:
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


# --- the record of what the build made ----------------------------------------------------------

def _load_state(path: Path, say) -> dict:
    empty = {"version": STATE_VERSION, "pages": {}, "files": []}
    if not path.exists():
        return empty
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        say(f"warning: {path} is unreadable ({exc}); every page is built again")
        return empty
    if not isinstance(raw, dict):
        return empty
    if "version" not in raw:  # the first format: {page key: digest}
        return {**empty, "pages": {k: {"digest": v} for k, v in raw.items() if isinstance(v, str)}}
    return {**empty, **raw}


def _save_state(path: Path, state: dict) -> None:
    site.write_if_changed(path, json.dumps(state, indent=1, sort_keys=True).encode() + b"\n")


def _page_files(key: str, entry: dict) -> list[str]:
    spec = site.PageSpec.from_key(key)
    return [entry.get("html") or spec.html_path(), entry.get("notebook") or spec.executed_path()]


# --- writing the data and the assets -------------------------------------------------------------

def _write_data(results: results_module.Results, out: Path, pages: list[site.PageSpec],
                data: SiteData | None = None) -> list[str]:
    """Write the tables behind the site (see :mod:`observatory.sitedata`). Returns the files written, relative
    to ``out``."""
    data = data if data is not None else site_data(results, pages)
    for relative, content in data.files.items():
        site.write_if_changed(out / relative, content)
    return list(data.files)


def _write_assets(results: results_module.Results, out: Path, pages: list[site.PageSpec],
                  langs: tuple[str, ...], root: Path) -> None:
    assets = out / "assets"
    settings = site.site_settings(root)
    source = _plotly_js()
    target = assets / "plotly.min.js"
    if not target.exists() or target.stat().st_size != source.stat().st_size or \
            _digest_file(target) != _digest_file(source):
        site.copy_atomic(source, target)
    for lang in langs:
        site.write_if_changed(assets / f"nav-{lang}.js", site.nav_script(results, pages, lang).encode("utf-8"))
        site.write_if_changed(out / ("404.html" if lang == "fr" else f"{lang}/404.html"),
                              site.not_found_html(lang, langs).encode("utf-8"))
        statement = site.PageSpec("accessibility", None, lang).html_path()
        site.write_if_changed(out / statement, site.accessibility_html(lang, langs, settings).encode("utf-8"))
        method = site.PageSpec("method", None, lang).html_path()
        site.write_if_changed(out / method, site.method_html(lang, langs).encode("utf-8"))
    site.write_if_changed(assets / "favicon.svg", bundled.asset("favicon.svg"))
    # plotly.js's French locale (months, days, the mode bar's words): French pages' charts say « janv. 2020 ».
    site.write_if_changed(assets / PLOTLY_LOCALE_FR, bundled.asset(PLOTLY_LOCALE_FR))
    statements = [site.PageSpec(kind, None, lang) for kind in ("accessibility", "method") for lang in langs]
    site.write_if_changed(out / "sitemap.xml", site.sitemap_xml(pages + statements).encode("utf-8"))


def _update_other_menus(results: results_module.Results, out: Path, langs: tuple[str, ...], state: dict) -> None:
    """Menus of editions not built this time: list only the pages that still exist."""
    for lang in LANGS:
        path = out / "assets" / f"nav-{lang}.js"
        if lang in langs or not path.exists():
            continue
        kept = [spec for spec in site.all_pages(results, (lang,)) if spec.key in state["pages"]]
        site.write_if_changed(path, site.nav_script(results, kept, lang).encode("utf-8"))


def _remove_gone(out: Path, state: dict, present: set[str], written: list[str], say) -> list[str]:
    """Remove the pages (both editions) and data files the build made for what is no longer in the data.

    Only files recorded in the state file are touched: anything else in ``out`` is not ours.
    """
    gone: dict[str, list[str]] = {}
    removed = []
    for key in sorted(state["pages"]):
        if key.split("@")[0] in present:
            continue
        entry = state["pages"].pop(key)
        spec = site.PageSpec.from_key(key)
        for relative in _page_files(key, entry):
            path = out / relative
            if path.is_file():
                path.unlink()
                if relative.endswith(".html"):
                    gone.setdefault(spec.kind, []).append(spec.ident or spec.kind)
        # (a kind no longer declared, its package gone: its data files are left, their path unknown)
        if key.split("@")[0] not in [r.split("@")[0] for r in removed] and kinds.find(spec.kind):
            for suffix in ("targets", "observations"):  # the data behind the page, shared by both editions
                path = out / f"{spec.data_base()}-{suffix}.csv"
                if path.is_file():
                    path.unlink()
        removed.append(key)
    for relative in sorted(set(state.get("files", [])) - set(written)):
        path = out / relative
        if path.is_file():
            path.unlink()
    for kind, idents in sorted(gone.items()):
        plural = getattr(kinds.find(kind), "folder", None) or kind  # a kind no longer declared: its name
        say(f"removed {len(idents)} page{'s' if len(idents) > 1 else ''} of {plural} no longer in the data: "
            f"{', '.join(sorted(set(idents)))}")
    return removed


def _sweep_temporary_files(out: Path) -> None:
    """Files a killed build left half-written: ours by their name, and no other build runs (we hold the lock)."""
    for path in out.rglob(f"*{site.TMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            path.unlink()


# --- the worker processes ---------------------------------------------------------------------

def _worker_init(log_path: str, parent: int, engine: str | None = None, start_kernel: bool = False) -> None:
    """Set up a worker: its stderr to the build log, and death with its parent; with ``start_kernel``, its warm
    kernel started at once (the build computes meanwhile).

    Kernels inherit the worker's stderr: their chatter goes to the build log, not the
    user's terminal. If the build dies (even by ``kill -9``), Linux sends the worker
    SIGTERM, and the worker kills its kernels before exiting: no page is written after
    the build is gone.
    """
    if engine:
        execute.ENGINE = engine
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 2)
    os.close(log)
    signal.signal(signal.SIGTERM, _die_with_children)
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
    if os.getppid() != parent:  # the build died before prctl took effect
        _die_with_children(signal.SIGTERM, None)
    if start_kernel:
        with contextlib.suppress(Exception):  # what fails here fails the first page, which says why
            if execute.ENGINE == "warm":
                from observatory import warm_engine

                warm_engine.POOL.prestart("python3", str(NOTEBOOKS))
            execute.prepare()


def _die_with_children(signum, frame) -> None:  # noqa: ARG001 - a signal handler's signature
    with contextlib.suppress(psutil.Error):
        children = psutil.Process().children(recursive=True)
        for child in children:
            with contextlib.suppress(psutil.Error):
                child.kill()
        psutil.wait_procs(children, timeout=3)
    execute.remove_temporary_files()
    os._exit(128 + signum)


def _progress_bar(total: int):
    """A progress bar on a terminal; plain lines in CI logs."""
    return tqdm(total=total, unit="page", file=sys.stderr, disable=None, dynamic_ncols=True,
                desc="dashboards")


def _log(out: Path, line: str) -> None:
    with contextlib.suppress(OSError), open(out / LOG_FILE, "a", encoding="utf-8") as log:
        log.write(line + "\n")


def _now() -> str:
    return dt.datetime.now().astimezone().replace(microsecond=0).isoformat()


# --- the build ------------------------------------------------------------------------------

def build(root: str | Path = ".", out: str | Path = "reports", jobs: int | None = None,
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
    root, out = Path(root).resolve(), Path(out).resolve()
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
    workers = _Workers(out, jobs, engine)
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
    jobs_to_run = []
    notebooks: dict[str, str] = {}
    for spec in pages:
        piece = slices[(spec.kind, spec.ident)]
        notebook = NOTEBOOKS / spec.notebook
        if spec.notebook not in notebooks:
            notebooks[spec.notebook] = _digest_file(notebook)
        digest = hashlib.sha256("|".join([
            environment, notebooks[spec.notebook], piece.digest, spec.lang, ",".join(langs),
        ]).encode()).hexdigest()
        page_path = out / spec.html_path()
        if not force and state["pages"].get(spec.key, {}).get("digest") == digest and page_path.exists():
            report.skipped.append(spec.key)
            continue
        here = spec.html_path()
        jobs_to_run.append(execute.PageJob(
            key=spec.key,
            digest=digest,
            data_as_of=piece.data_as_of,
            lang=spec.lang,
            notebook=str(notebook),
            executed=str(out / spec.executed_path()),
            page=str(page_path),
            cwd=str(NOTEBOOKS),
            templates=str(execute.TEMPLATES),
            title=site.title_of(spec, results),
            parameters={**spec.parameters(), "results_dir": str(out / "data" / "tables"), "root": str(root),
                        "download": site.link(here, spec.data_base()),
                        "links": site.prefix(here)},
            resources={"page_lang": spec.lang, "page_title": site.title_of(spec, results),
                       "plotly_js": site.link(here, "assets/plotly.min.js"),
                       "plotly_locale": site.link(here, f"assets/{PLOTLY_LOCALE_FR}") if spec.lang == "fr" else "",
                       "nav_html": site.nav_html(spec, langs), "footer_html": site.footer_html(spec),
                       "head_html": site.head_html(spec, site.title_of(spec, results).rsplit(" — ", 1)[0], langs),
                       "skip_html": site.skip_html(spec.lang)},
        ))

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


class _Workers:
    """The build's worker processes: started when pages must run, or earlier, by :meth:`start`, so that their
    kernels start while the build computes the results."""

    def __init__(self, out: Path, jobs: int | None, engine: str | None) -> None:
        self.out, self.jobs, self.engine = out, jobs, engine
        self.pool: ProcessPoolExecutor | None = None

    def start(self, pages: int | None = None, start_kernel: bool = True) -> ProcessPoolExecutor:
        if self.pool is None:
            count = max(1, min(self.jobs or os.cpu_count() or 1, pages or os.cpu_count() or 1))
            # Forked from this thread, so that PR_SET_PDEATHSIG ties each worker to the build itself
            # (with a fork server, the parent would be the server).
            context = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
            self.pool = ProcessPoolExecutor(
                max_workers=count, initializer=_worker_init, mp_context=context,
                initargs=(str(self.out / LOG_FILE), os.getpid(), self.engine, start_kernel))
            if start_kernel:
                self.pool.submit(os.getpid)  # forks every worker now (fork context: all at the first task)
        return self.pool

    def close(self, cancel: bool = False) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=not cancel, cancel_futures=cancel)
            if cancel:
                return
            self.pool = None


def _run(jobs_to_run: list[execute.PageJob], workers: _Workers, state: dict, state_path: Path,
         report: BuildReport) -> None:
    """The pages run by local worker processes."""
    pool = workers.start(pages=len(jobs_to_run), start_kernel=False)
    futures = {pool.submit(execute.run_page, job): job for job in jobs_to_run}

    def finished():
        for future in as_completed(futures):
            job = futures[future]
            try:
                yield job, future.result()
            except Exception as exc:  # noqa: BLE001 - a dead worker fails its page, not the build
                yield job, execute.PageOutcome(job.key, ok=False, error=f"{type(exc).__name__}: {exc}")

    _record_all(finished(), len(jobs_to_run), workers.out, state, state_path, report,
                stop=lambda: workers.close(cancel=True))


def _record_all(finished, total: int, out: Path, state: dict, state_path: Path, report: BuildReport,
                stop=lambda: None) -> None:
    """Record each page as it finishes (wherever it ran): in the state file, the report, the progress bar."""
    bar = _progress_bar(total)
    today = dt.date.today().isoformat()
    disk_full = None
    for job, outcome in finished:
        entry = state["pages"].setdefault(job.key, {})
        if outcome.ok:
            entry.update(digest=job.digest, data_as_of=job.data_as_of, built=today,
                         html=Path(job.page).relative_to(out).as_posix(),
                         notebook=Path(job.executed).relative_to(out).as_posix())
            entry.pop("failed", None)
            report.built.append(outcome)
        else:
            report.failed.append(outcome)
            bar.write(f"FAILED {outcome.key}: {outcome.error}", file=sys.stderr)
            if outcome.errno in atomic.DISK_FULL:
                disk_full = disk_full or outcome
                stop()
            entry.update(digest=None, failed=today)  # so that the next build tries it again
            page = Path(job.page)
            if page.exists() and disk_full is None:
                # The previous page stays, saying on itself that it is out of date.
                site.mark_out_of_date(page, job.lang, today, entry.get("data_as_of"))
            if not page.exists():
                state["pages"].pop(job.key, None)
        # Saved as we go: an interrupted build keeps the record of what it finished.
        _save_state(state_path, state)
        bar.update(1)
    bar.close()
    if disk_full is not None:
        raise OSError(disk_full.errno, os.strerror(disk_full.errno), disk_full.path)
