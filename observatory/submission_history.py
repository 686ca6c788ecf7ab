"""What the history says: ``observatory undo`` takes a coalition's last import back (its figures leave, those it
replaced come back, recorded in the history and the log), and ``observatory history`` tells where each figure came
from (file and row, submission, what it replaced, its review steps)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from observatory import journal, locking, root_paths
from observatory.dates import parse_period_end
from observatory.errors import ObservatoryError, Text
from observatory.import_history import REVIEW_ACTIONS
from observatory.load import load_root
from observatory.submission_files import (HISTORY_COLUMNS, LOG_COLUMNS, _Change, _key, _known_coalition,
                                          _observation_file, _read_csv_dicts, _record_cells, _undo_record)


@dataclass
class UndoReport:
    undone: str  # the submission taken back
    original_name: str
    received_at: str
    removed: int
    restored: int
    submission: str  # the undo's own entry in the log


def undo_last(root: Path, coalition: str, now: dt.datetime | None = None, say=None,
              timeout: float | None = None) -> UndoReport:
    """Take back the coalition's last import: its figures leave, the ones it replaced come back."""
    with locking.root_lock(root, f"observatory undo --coalition {coalition}", timeout, say):
        journal.recover(root)
        existing = load_root(root)
        _known_coalition(existing, coalition)
        now = now or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        log = _read_csv_dicts(root_paths.at(root, root_paths.SUBMISSION_LOG))
        undone = {entry.get("undoes") for entry in log if entry.get("undoes")}
        imports = [entry for entry in log if entry.get("coalition") == coalition and not entry.get("undoes")
                   and entry.get("submission") not in undone]
        if not imports:
            raise ObservatoryError(Text("nothing_to_undo", coalition=coalition, log=root_paths.SUBMISSION_LOG))
        last = imports[-1]
        record_path = _undo_record(coalition, last["submission"])
        if not (root / record_path).exists():
            raise ObservatoryError(Text("no_undo_record", path=record_path, name=last["original_name"],
                                        at=last["received_at"]))
        record = json.loads((root / record_path).read_text(encoding="utf-8"))
        change = _Change()
        tables: dict[str, tuple[list[str], list[list[str]]]] = {}

        def table_of(name: str) -> tuple[list[str], list[list[str]]]:
            if name not in tables:
                header, body = _observation_file(root, name)
                tables[name] = (header, [cells for _, cells in body])
            return tables[name]

        history = []
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        submission = f"{stamp}-undo-{last['submission']}"
        restored_by_key = {}
        for item in record["replaced"]:
            old = item["record"]
            restored_by_key[(old.get("indicator"), old.get("territory"), old.get("coalition") or "")] = old
        for item in record["added"]:
            new = item["record"]
            header, rows = table_of(item["file"])
            wanted = _record_cells(header, new)
            match = next((i for i, cells in enumerate(rows)
                          if [c.strip() for c in (cells + [""] * len(header))[:len(header)]] == wanted), None)
            if match is None:
                raise ObservatoryError(
                    f"{item['file']}: found no row {', '.join(f'{k}={v}' for k, v in new.items() if v)}, expected "
                    f"the figure as {last['original_name']} brought it (was it edited since?); nothing was written")
            del rows[match]
        for item in record["replaced"]:
            header, rows = table_of(item["file"])
            rows.append(_record_cells(header, item["record"]))
        for name, (header, rows) in tables.items():
            change.table(name, header, rows)
        recorded = now.isoformat()
        for item in record["added"]:
            new = item["record"]
            old = next((r["record"] for r in record["replaced"] if _same_key(r["record"], new)), None)
            history.append({
                "recorded_at": recorded, "submission": submission, "action": "undone",
                "indicator": new.get("indicator"), "territory": new.get("territory"), "coalition": coalition,
                "date": (old or new).get("date"), "value": old.get("value") if old else None,
                "previous_value": new.get("value"), "previous_source": new.get("source"),
                "source": old.get("source") if old else None, "file": last["original_name"], "row": None,
            })
        change.add_records(root, root_paths.HISTORY, HISTORY_COLUMNS, history)
        change.add_records(root, root_paths.SUBMISSION_LOG, LOG_COLUMNS, [{
            "submission": submission, "received_at": recorded, "coalition": coalition,
            "original_name": last["original_name"], "stored_as": last["stored_as"], "sha256": last["sha256"],
            "rows": 0, "added": 0, "replaced": 0, "unchanged": 0, "undoes": last["submission"]}])
        change.commit(root)
        removed = len(record["added"]) - len(record["replaced"])
        return UndoReport(last["submission"], last["original_name"], last["received_at"], removed,
                          len(record["replaced"]), submission)


def _looked_up(keys: pd.Series, values: pd.Series) -> pd.Series:
    """``values`` by key, "" where a key has none: as objects, since a lookup that finds nothing gives float NaN,
    which pandas will no longer fill with a str (Pandas4Warning)."""
    return keys.map(values).astype(object).fillna("")


def _same_key(a: dict, b: dict) -> bool:
    """Two observation records about the same figure (dates compared as the loader reads them)."""
    if (a.get("indicator"), a.get("territory"), a.get("coalition") or "") != \
            (b.get("indicator"), b.get("territory"), b.get("coalition") or ""):
        return False
    dates = parse_period_end(pd.Series([a.get("date"), b.get("date")]))
    return dates[0] == dates[1] if not dates.isna().any() else a.get("date") == b.get("date")


# --- history ---------------------------------------------------------------------------------

def history(root: Path, indicator: str | None = None, territory: str | None = None,
            coalition: str | None = None) -> pd.DataFrame:
    """Where each figure came from: the data file and row, the submission that brought it, what it replaced, and
    its review steps (``steps``: sent, returned with a comment, approved; by which role, when). A figure under
    review or returned, not published, has a row too, with no value and no ``stored_in``."""
    loaded = load_root(root)  # completes an interrupted import, if any, under the root's lock
    obs = loaded.observations.copy()
    content = journal.read_settled(root, root_paths.HISTORY)  # appended to in place: never read mid-append
    entries = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""))) if content else []
    log = pd.DataFrame([{k: (v if v != "" else None) for k, v in e.items()} for e in entries], columns=HISTORY_COLUMNS)
    log["coalition"] = log["coalition"].fillna("")
    undone = set(log.loc[log["action"] == "undone", "submission"].str.split("-undo-").str[-1])
    log = log[(log["action"] != "undone") & ~log["submission"].isin(undone)]  # as if the undone import never was
    for column, wanted in (("indicator", indicator), ("territory", territory), ("coalition", coalition)):
        if wanted:
            obs = obs[obs[column] == wanted]
            log = log[log[column] == wanted]
    steps = log[log["action"].isin(REVIEW_ACTIONS)]
    log = log[~log["action"].isin(REVIEW_ACTIONS)]  # review steps are shown beside the figures, not as them
    obs["key"] = _key(obs) if len(obs) else pd.Series(dtype=str)
    if len(log):
        log = log.rename(columns={"date": "date_text", "value": "value_text"})
        log["key"] = _key(log)
        last = log.groupby("key").tail(1).set_index("key")
    else:
        last = pd.DataFrame(columns=["submission", "recorded_at", "action", "previous_value", "file"])
    out = pd.DataFrame({
        "indicator": obs["indicator"], "territory": obs["territory"], "coalition": obs["coalition"].fillna(""),
        "date": obs["date_text"], "value": obs["value_text"], "source": obs["source"].fillna(""),
        "stored_in": obs["file"] + ":" + obs["row"].astype(str),
        "submission": _looked_up(obs["key"], last["submission"]),
        "recorded_at": _looked_up(obs["key"], last["recorded_at"]),
        "replacing": _looked_up(obs["key"], last["previous_value"]),
        "key": obs["key"],
    })
    by_key: dict[str, list[dict]] = {}
    if len(steps):
        steps = steps.rename(columns={"date": "date_text"})
        steps = steps.assign(key=_key(steps))
        for step in steps.to_dict("records"):
            by_key.setdefault(step["key"], []).append(
                {k: step[k] for k in ("recorded_at", "submission", "action", "by", "value", "comment", "file")})
        unpublished = steps[~steps["key"].isin(set(out["key"]))].groupby("key").tail(1)
        out = pd.concat([out, pd.DataFrame({
            "indicator": unpublished["indicator"], "territory": unpublished["territory"],
            "coalition": unpublished["coalition"], "date": unpublished["date_text"], "value": "", "source": "",
            "stored_in": "", "submission": "", "recorded_at": "", "replacing": "", "key": unpublished["key"]})],
            ignore_index=True)
    out["steps"] = [by_key.get(key, []) for key in out["key"]]
    return out.drop(columns=["key"]).sort_values(["indicator", "territory", "coalition", "date"]).reset_index(
        drop=True)
