"""The results tables: everything a dashboard shows, computed once, sliced per page.

A dashboard notebook never reads the data root: it reads the results written by
``observatory build`` (or computes them from a root when run by hand), and only
its own slice of them, so that the slice's digest says when a page must be
rebuilt. Contact details (leads' emails) never enter the results.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, fields, replace
from pathlib import Path

import pandas as pd

from observatory import __version__, model
from observatory.csvout import restore
from observatory.derive import with_derived_figures
from observatory.progress import compute_progress, summarise, to_csv
from observatory.validate import ValidRoot

# Columns holding lists, stored in CSV as a JSON array in the cell (a name may hold any separator: "A; B").
LIST_COLUMNS = {"coalitions": ["axes", "levers", "leads", "partners", "territories"]}
LIST_DESCRIPTION = 'a list, written as a JSON array of texts, e.g. ["Fing", "Région Bretagne"]'

DATE_COLUMNS = {
    "progress": ["baseline_date", "target_date", "latest_date"],
    "observations": ["date"],
    "assessments": ["date"],
}
SERVICE_COLUMNS = ["id", "name", "url", "sector", "country"]
ASSESSMENT_COLUMNS = ["service", "date", "difficulty", "machine_readable", "api", "transfer", "formats", "standards",
                      "notes", "source"]


@dataclass(frozen=True)
class Results:
    progress: pd.DataFrame  # one row per target (observatory.progress.PROGRESS_COLUMNS)
    compass: pd.DataFrame  # status counts and mean progress per scope and quality
    observations: pd.DataFrame
    indicators: pd.DataFrame
    coalitions: pd.DataFrame
    territories: pd.DataFrame
    datasets: pd.DataFrame
    services: pd.DataFrame  # the Self Data register (empty in slices that don't show it)
    assessments: pd.DataFrame

    @property
    def demonstration(self) -> bool:
        """Does anything shown come from demonstration (made-up) values?"""
        return bool(self.observations["demonstration"].any()) if len(self.observations) else False

    @property
    def data_as_of(self) -> str | None:
        if self.observations.empty:
            return None
        return pd.to_datetime(self.observations["date"]).max().strftime("%Y-%m-%d")

    def tables(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _public_coalitions(frame: pd.DataFrame) -> pd.DataFrame:
    """Coalition profiles without contact details: a lead is published as "name (organisation)", never an email."""

    def public(leads: list[dict]) -> list[str]:
        shown = []
        for lead in leads:
            name, organisation = lead.get("name"), lead.get("organisation")
            shown.append(name if not organisation or organisation == name else f"{name} ({organisation})")
        return shown

    out = frame.drop(columns=["file"]).copy()
    out["leads"] = frame["leads"].map(public)
    return out.reset_index(drop=True)


def _provenance(root: ValidRoot, observations: pd.DataFrame) -> pd.Series:
    """For each figure brought by an import: "<date> — <file as sent>" (from data/history.csv), else empty."""
    path = root.path / "data" / "history.csv"
    empty = pd.Series([None] * len(observations), index=observations.index, dtype=object)
    if not path.exists() or observations.empty:
        return empty
    history = pd.read_csv(path, dtype=str, keep_default_na=False)
    if "action" in history:  # an import taken back by `observatory undo` no longer says where a figure came from
        undone = set(history.loc[history["action"] == "undone", "submission"].str.split("-undo-").str[-1])
        history = history[(history["action"] != "undone") & ~history["submission"].isin(undone)]
    if history.empty:
        return empty
    from observatory.dates import parse_period_end

    def key(frame: pd.DataFrame, dates: pd.Series) -> pd.Series:
        return (frame["indicator"] + "|" + frame["territory"] + "|" + frame["coalition"].fillna("") + "|"
                + dates.dt.strftime("%Y-%m-%d"))

    history["key"] = key(history, parse_period_end(history["date"]))
    last = history.groupby("key").tail(1).set_index("key")
    label = last["recorded_at"].str[:10] + " — " + last["file"]
    return key(observations, observations["date"]).map(label).astype(object).where(lambda s: s.notna(), None)


def compute(root: ValidRoot) -> Results:
    """All results of a validated root."""
    root = with_derived_figures(root)
    progress = compute_progress(root)
    observations = root.observations.drop(columns=["date_text"]).copy()
    observations["submitted"] = _provenance(root, observations)
    where = observations.set_index(["file", "row"])["submitted"]
    where = where[~where.index.duplicated()]
    progress["latest_submitted"] = [where.get((f, r)) if isinstance(f, str) else None
                                    for f, r in zip(progress["latest_file"], progress["latest_row"])]
    return Results(
        progress=progress,
        compass=summarise(progress),
        observations=observations.reset_index(drop=True),
        indicators=root.indicators.drop(columns=["file"]).reset_index(drop=True),
        coalitions=_public_coalitions(root.coalitions),
        territories=root.territories.drop(columns=["file", "row"]).reset_index(drop=True),
        datasets=root.datasets.reset_index(drop=True),
        services=(root.services if root.services is not None else pd.DataFrame()).reindex(
            columns=SERVICE_COLUMNS).reset_index(drop=True),
        assessments=(root.assessments if root.assessments is not None and len(root.assessments)
                     else pd.DataFrame(columns=ASSESSMENT_COLUMNS)).reindex(columns=ASSESSMENT_COLUMNS)
        .sort_values(["date", "service"]).reset_index(drop=True),
    )


def from_root(path: str | Path) -> Results:
    from observatory.validate import validated

    return compute(validated(path))


# --- slices: what each page shows -------------------------------------------------------------

def _limit_to(results: Results, progress: pd.DataFrame, observations: pd.DataFrame,
              compass: pd.DataFrame, coalitions: pd.DataFrame, territories: pd.DataFrame) -> Results:
    used = set(progress["indicator"]) | set(observations["indicator"])
    return replace(
        results,
        progress=progress.reset_index(drop=True),
        compass=compass.reset_index(drop=True),
        observations=observations.reset_index(drop=True),
        indicators=results.indicators[results.indicators["id"].isin(used)].reset_index(drop=True),
        coalitions=coalitions.reset_index(drop=True),
        territories=territories.reset_index(drop=True),
        datasets=results.datasets[results.datasets["dataset"].isin(set(observations["dataset"]))]
        .reset_index(drop=True),
        # Only the Self Data page shows the register: other pages don't change when it does.
        services=results.services.iloc[0:0],
        assessments=results.assessments.iloc[0:0],
    )


def _observations_for_targets(results: Results, progress: pd.DataFrame) -> pd.DataFrame:
    """The observations a set of targets can use: same indicator and territory, own or territory-wide."""
    obs = results.observations
    keys = progress[["indicator", "territory", "coalition"]].drop_duplicates()
    pairs = obs.reset_index().merge(keys[["indicator", "territory"]].drop_duplicates(), on=["indicator", "territory"])
    allowed = pairs["coalition"].isna() | pairs["coalition"].isin(set(keys["coalition"]))
    return obs.loc[sorted(pairs.loc[allowed, "index"])]


def for_coalition(results: Results, coalition: str) -> Results:
    progress = results.progress[results.progress["coalition"] == coalition]
    observations = _observations_for_targets(results, progress)
    own = results.observations[results.observations["coalition"] == coalition]
    observations = pd.concat([observations, own]).drop_duplicates(subset=["file", "row"]).sort_values(["file", "row"])
    compass = results.compass[(results.compass["scope"] == "coalition") & (results.compass["scope_id"] == coalition)]
    coalitions = results.coalitions[results.coalitions["id"] == coalition]
    named = set(progress["territory"]) | set(observations["territory"])
    for territories in coalitions["territories"]:
        named |= set(territories)
    territories = results.territories[results.territories["id"].isin(named)]
    return _limit_to(results, progress, observations, compass, coalitions, territories)


def siblings(territories: pd.DataFrame, territory: str) -> pd.DataFrame:
    """The territories with the same parent and level (the territory included)."""
    row = territories[territories["id"] == territory].iloc[0]
    same_parent = territories["parent"].isna() if row["parent"] is None else territories["parent"] == row["parent"]
    return territories[same_parent & (territories["level"] == row["level"])]


def for_territory(results: Results, territory: str) -> Results:
    progress = results.progress[results.progress["territory"] == territory]
    observations = results.observations[results.observations["territory"] == territory]
    near = siblings(results.territories, territory)
    compass = results.compass[(results.compass["scope"] == "territory") & results.compass["scope_id"].isin(set(near["id"]))]
    coalitions = results.coalitions[
        results.coalitions["id"].isin(set(progress["coalition"]))
        | results.coalitions["territories"].map(lambda ids: territory in ids)
        | results.coalitions["id"].isin(set(observations["coalition"].dropna()))
    ]
    wanted = set(near["id"]) | {territory}
    parent = results.territories.loc[results.territories["id"] == territory, "parent"].iloc[0]
    if parent is not None:
        wanted.add(parent)
    territories = results.territories[results.territories["id"].isin(wanted)]
    return _limit_to(results, progress, observations, compass, coalitions, territories)


def for_programme(results: Results) -> Results:
    """The programme page shows every target, compass and territory (not the Self Data register)."""
    return replace(results, services=results.services.iloc[0:0], assessments=results.assessments.iloc[0:0])


SELF_DATA = "self-data"


def for_self_data(results: Results) -> Results:
    """The Self Data observatory: the coalition's slice and the whole register."""
    if SELF_DATA in set(results.coalitions["id"]):
        part = for_coalition(results, SELF_DATA)
    else:
        part = _limit_to(results, results.progress.iloc[0:0], results.observations.iloc[0:0],
                         results.compass.iloc[0:0], results.coalitions.iloc[0:0], results.territories.iloc[0:0])
    return replace(part, services=results.services, assessments=results.assessments)


def pages(results: Results) -> list[tuple[str, str | None]]:
    """Every dashboard to build: the programme, each coalition, each territory with targets or figures,
    and the Self Data observatory."""
    wanted = [("programme", None)]
    if SELF_DATA in set(results.coalitions["id"]) or len(results.services):
        wanted.append(("self-data", None))
    wanted += [("coalition", c) for c in sorted(results.coalitions["id"])]
    with_data = set(results.progress["territory"]) | set(results.observations["territory"])
    wanted += [("territory", t) for t in sorted(results.territories["id"]) if t in with_data]
    return wanted


def slice_for(results: Results, kind: str, ident: str | None) -> Results:
    if kind == "programme":
        return for_programme(results)
    if kind == "self-data":
        return for_self_data(results)
    if kind == "coalition":
        if ident not in set(results.coalitions["id"]):
            raise KeyError(f"coalition '{ident}': expected one of {', '.join(sorted(results.coalitions['id']))}")
        return for_coalition(results, ident)
    if kind == "territory":
        if ident not in set(results.territories["id"]):
            raise KeyError(f"territory '{ident}': expected one of {', '.join(sorted(results.territories['id']))}")
        return for_territory(results, ident)
    raise ValueError(f"page kind {kind!r}: expected programme, coalition or territory")


# --- files ------------------------------------------------------------------------------------

def _to_frame_for_csv(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in LIST_COLUMNS.get(name, []):
        out[column] = out[column].map(lambda items: json.dumps(list(items), ensure_ascii=False))
    return out


def _list(text: str | None) -> list[str]:
    if not text:
        return []
    if not text.startswith("["):  # tables written before lists were JSON: "a;b"
        return text.split(";")
    return json.loads(text)


def table_csv(name: str, frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    to_csv(_to_frame_for_csv(name, frame), buffer)
    return buffer.getvalue().encode("utf-8")


def digest(results: Results) -> str:
    """A fingerprint of a slice: equal digests mean a page would show the same thing."""
    sha = hashlib.sha256(__version__.encode())
    for name, frame in results.tables().items():
        sha.update(name.encode())
        sha.update(table_csv(name, frame))
    return sha.hexdigest()


def write(results: Results, folder: str | Path) -> list[Path]:
    """Write every table as CSV (UTF-8, ISO dates) into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in results.tables().items():
        path = folder / f"{name}.csv"
        path.write_bytes(table_csv(name, frame))
        written.append(path)
    return written


def _restored(frame: pd.DataFrame) -> pd.DataFrame:
    """The texts of the data, where write() made them inert for spreadsheets (see observatory.csvout)."""
    for column in frame.columns:
        maybe = frame[column].astype("string").str.startswith("'").fillna(False).astype(bool)
        if maybe.any():
            frame.loc[maybe, column] = frame.loc[maybe, column].map(restore)
    return frame


def read(folder: str | Path) -> Results:
    """Read the tables written by :func:`write`, with their types."""
    folder = Path(folder)
    tables = {}
    for f in fields(Results):
        frame = pd.read_csv(folder / f"{f.name}.csv", dtype=str, keep_default_na=False, na_values=[""])
        frame = frame.astype(object).where(frame.notna(), None)
        frame = _restored(frame)
        for column in LIST_COLUMNS.get(f.name, []):
            frame[column] = frame[column].map(_list)
        for column in DATE_COLUMNS.get(f.name, []):
            frame[column] = pd.to_datetime(frame[column])
        tables[f.name] = frame
    numeric = {
        "progress": ["baseline_value", "target_value", "latest_value", "progress", "pace_ratio", "expected_value"],
        "observations": ["value"],
        "indicators": ["limit", "decimals"],
        "compass": ["targets", *model.STATUSES, "mean_progress"],
    }
    for name, columns in numeric.items():
        for column in columns:
            tables[name][column] = pd.to_numeric(tables[name][column]).astype("float64")
    for name, column in (("progress", "demonstration"), ("observations", "demonstration"),
                         ("datasets", "demonstration")):
        tables[name][column] = tables[name][column].map({"True": True, "False": False}).fillna(False).astype(bool)
    for column in ("targets", *model.STATUSES):
        tables["compass"][column] = tables["compass"][column].astype("int64")
    return Results(**tables)


def load(results_dir: str | Path | None = None, root: str | Path | None = None) -> Results:
    """Results for a notebook: read from ``results_dir`` when given, else computed from ``root``."""
    if results_dir:
        return read(results_dir)
    return from_root(root or ".")


# --- Frictionless descriptor ------------------------------------------------------------------

_TYPES = {"b": "boolean", "i": "integer", "f": "number", "M": "date"}


def datapackage(results: Results, resources: dict[str, str], title: str) -> dict:
    """A Frictionless Data Package descriptor for the CSV files written from ``results``."""
    described = []
    for name, path in resources.items():
        frame = results.tables()[name]
        schema = []
        for column in frame.columns:
            kind = _TYPES.get(frame[column].dtype.kind, "string")
            field = {"name": column, "type": kind}
            if column in LIST_COLUMNS.get(name, []):
                field = {"name": column, "type": "array", "description": LIST_DESCRIPTION}
            schema.append(field)
        described.append({
            "name": name.replace("_", "-"),
            "path": path,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {"fields": schema},
        })
    licences = sorted({lic for lic in results.datasets.get("license", pd.Series(dtype=object)).dropna()})
    package = {
        "profile": "tabular-data-package",
        "name": "reset-observatory",
        "title": title,
        "version": __version__,
        "resources": described,
    }
    if licences:
        package["licenses"] = [{"name": lic} for lic in licences]
    return json.loads(json.dumps(package))
