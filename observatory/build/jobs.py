"""The pages to run and their record: a job for each page whose digest changed, run by the local workers (or a Dask
cluster's, :mod:`observatory.distributed`), each one recorded as it finishes; a page that fails keeps its previous
version, marked out of date on the page itself."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
from concurrent.futures import as_completed
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from observatory import atomic, execute, site
from observatory.build.assets import PLOTLY_LOCALE_FR
from observatory.build.digest import _digest_file
from observatory.build.state import _save_state
from observatory.build.workers import _Workers


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


def _page_jobs(pages: list[site.PageSpec], results, slices, state: dict, environment: str, notebooks_dir: Path,
               root: Path, out: Path, langs: tuple[str, ...], force: bool,
               report: BuildReport) -> list[execute.PageJob]:
    """A job for each page whose digest (environment, notebook, slice of the results, editions) changed; the others
    are counted as skipped in ``report``."""
    jobs_to_run = []
    notebooks: dict[str, str] = {}
    for spec in pages:
        piece = slices[(spec.kind, spec.ident)]
        notebook = notebooks_dir / spec.notebook
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
            cwd=str(notebooks_dir),
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
    return jobs_to_run


def _progress_bar(total: int):
    """A progress bar on a terminal; plain lines in CI logs."""
    return tqdm(total=total, unit="page", file=sys.stderr, disable=None, dynamic_ncols=True,
                desc="dashboards")



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
