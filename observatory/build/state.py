"""The record of what the build made (``OUT/.build-state.json``): every page with its digest, every data file;
only what it records is ever removed, and files a killed build left half-written are swept."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from observatory import site
from observatory.pages import kinds

STATE_FILE = ".build-state.json"
STATE_VERSION = 2


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
