"""``observatory build``: validate, compute once, run every dashboard, publish the static site.

Steps: validate the root and compute the results (once); write the data
(``OUT/progress.csv``, ``OUT/data/``, a Frictionless ``datapackage.json``); run
the notebooks with papermill in parallel worker processes, skipping pages whose
inputs did not change; render each page without code; write the shared assets.
A page that fails is reported and keeps its previous version; the others
still publish, and the command then exits non-zero.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from observatory import __version__, site
from observatory import results as results_module
from observatory.execute import TEMPLATES, run_page
from observatory.i18n import LANGS
from observatory.progress import to_csv

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
STATE_FILE = ".build-state.json"


@dataclass
class BuildReport:
    out: Path
    built: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


def _digest_files(paths: list[Path]) -> str:
    sha = hashlib.sha256()
    for path in paths:
        sha.update(path.name.encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()


def _plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _write_data(results: results_module.Results, out: Path, pages: list[site.PageSpec]) -> None:
    """The tables behind the site: whole results, each page's slice, and their descriptor."""
    data = out / "data"
    results_module.write(results, data / "tables")
    to_csv(results.progress, out / "progress.csv")
    resources = {name: f"tables/{name}.csv" for name in results.tables()}
    package = results_module.datapackage(results, resources, "Observatoire d'impact #Reset — #Reset impact observatory")
    for spec in pages:
        if spec.lang != "fr":
            continue
        part = results_module.slice_for(results, spec.kind, spec.ident)
        base = out / spec.data_base()
        for name in ("progress", "observations"):
            suffix = "targets" if name == "progress" else "observations"
            path = base.parent / f"{base.name}-{suffix}.csv"
            site.write_if_changed(path, results_module.table_csv(name, part.tables()[name]))
            described = results_module.datapackage(part, {name: path.relative_to(data).as_posix()}, "")["resources"][0]
            described["name"] = f"{spec.key.replace(':', '-')}-{suffix}"
            package["resources"].append(described)
    package["resources"].insert(0, {**package["resources"][0], "name": "progress-all",
                                    "path": "../progress.csv"})
    site.write_if_changed(data / "datapackage.json",
                          json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8") + b"\n")


def _write_assets(results: results_module.Results, out: Path, pages: list[site.PageSpec],
                  langs: tuple[str, ...]) -> None:
    assets = out / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    source = _plotly_js()
    target = assets / "plotly.min.js"
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        shutil.copyfile(source, target)
    for lang in langs:
        site.write_if_changed(assets / f"nav-{lang}.js", site.nav_script(results, pages, lang).encode("utf-8"))


def _quiet_worker(log_path: str) -> None:
    """Kernels inherit the worker's stderr: send their chatter to the build log, not the user's terminal."""
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 2)
    os.close(log)


def _progress_bar(total: int):
    """A progress bar on a terminal; plain lines in CI logs."""
    from tqdm import tqdm

    return tqdm(total=total, unit="page", file=sys.stderr, disable=None, dynamic_ncols=True,
                desc="dashboards")


def build(root: str | Path = ".", out: str | Path = "reports", jobs: int | None = None,
          only: list[str] | None = None, langs: tuple[str, ...] = LANGS, force: bool = False,
          say=print) -> BuildReport:
    """Build the site. Raises :class:`~observatory.errors.InvalidDataRoot` before running anything."""
    from observatory.validate import validated

    started = time.perf_counter()
    root, out = Path(root).resolve(), Path(out).resolve()
    results = results_module.compute(validated(root))
    out.mkdir(parents=True, exist_ok=True)
    every_page = site.all_pages(results, langs)
    pages = site.select(every_page, only)
    _write_data(results, out, every_page)
    _write_assets(results, out, every_page, langs)

    state_path = out / STATE_FILE
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    template_digest = _digest_files(sorted((TEMPLATES / "observatory").iterdir()))
    report = BuildReport(out)
    jobs_to_run = []
    slices: dict[tuple, str] = {}
    for spec in pages:
        slice_key = (spec.kind, spec.ident)
        if slice_key not in slices:
            slices[slice_key] = results_module.digest(results_module.slice_for(results, spec.kind, spec.ident))
        notebook = NOTEBOOKS / spec.notebook
        digest = hashlib.sha256("|".join([
            __version__, template_digest, _digest_files([notebook]), slices[slice_key], spec.lang, ",".join(langs),
        ]).encode()).hexdigest()
        page_path = out / spec.html_path()
        if not force and state.get(spec.key) == digest and page_path.exists():
            report.skipped.append(spec.key)
            continue
        here = spec.html_path()
        jobs_to_run.append({
            "key": spec.key,
            "digest": digest,
            "notebook": str(notebook),
            "executed": str(out / spec.executed_path()),
            "page": str(page_path),
            "cwd": str(NOTEBOOKS),
            "title": site.title_of(spec, results),
            "parameters": {**spec.parameters(), "results_dir": str(out / "data" / "tables"), "root": str(root),
                           "download": site.link(here, spec.data_base()),
                           "links": site.prefix(here)},
            "resources": {"page_lang": spec.lang, "page_title": site.title_of(spec, results),
                          "plotly_js": site.link(here, "assets/plotly.min.js"),
                          "nav_html": site.nav_html(spec, langs), "footer_html": site.footer_html(spec)},
        })

    say(f"{len(pages)} dashboards: {len(jobs_to_run)} to run, {len(report.skipped)} unchanged")
    if jobs_to_run:
        workers = max(1, min(jobs or os.cpu_count() or 1, len(jobs_to_run)))
        bar = _progress_bar(len(jobs_to_run))
        log_path = out / "build.log"
        with ProcessPoolExecutor(max_workers=workers, initializer=_quiet_worker,
                                 initargs=(str(log_path),)) as pool:
            futures = {pool.submit(run_page, job): job for job in jobs_to_run}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001 - a dead worker fails its page, not the build
                    outcome = {"key": job["key"], "ok": False, "error": f"{type(exc).__name__}: {exc}"}
                if outcome["ok"]:
                    state[job["key"]] = job["digest"]
                    report.built.append(outcome)
                else:
                    state.pop(job["key"], None)
                    report.failed.append(outcome)
                    bar.write(f"FAILED {outcome['key']}: {outcome['error']}", file=sys.stderr)
                # Saved as we go: an interrupted build keeps what it finished.
                site.write_if_changed(state_path, json.dumps(state, indent=1, sort_keys=True).encode())
                bar.update(1)
        bar.close()
    report.seconds = time.perf_counter() - started
    return report
