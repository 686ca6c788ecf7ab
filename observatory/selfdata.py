"""The Self Data ecosystem register, and the indicators it yields.

``data/self-data/services.csv`` lists the services and actors of the personal-data
ecosystem (name, URL, sector, country); ``data/self-data/assessments.csv`` keeps
every dated assessment of how each one treats personal data: how hard getting
a copy is (``easy`` … ``impossible``), whether the formats are machine-readable,
whether an API or a direct transfer to another service exists, the standards
used. Several assessments of a service over time are kept.

At each assessment date, the state of the ecosystem is every service's most
recent assessment on or before that date; the shares below are computed over
it and become territory-wide observations of the register's territory
(``international``), like any other figure.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from observatory.errors import Problem

# Easiest first; their names: difficulty_names in observatory/i18n/.
DIFFICULTIES = ("easy", "medium", "hard", "limited", "impossible")
ANSWERS = ("yes", "no", "unknown")
SERVICE_COLUMNS = ("id", "name", "url", "sector", "country")
ASSESSMENT_COLUMNS = ("service", "date", "difficulty", "machine_readable", "api", "transfer", "formats",
                      "standards", "notes", "source")
TERRITORY = "international"
DATASET = "self-data-register"

# indicator id -> (what is counted, among which services); shares in %.
INDICATORS = {
    "self-data-easy-copy-share": ("difficulty", ("easy",), "all"),
    "self-data-no-copy-share": ("difficulty", ("limited", "impossible"), "all"),
    "self-data-machine-readable-share": ("machine_readable", ("yes",), "known"),
    "self-data-transfer-share": ("transfer", ("yes",), "known"),
}


def folder(root: Path) -> Path:
    return root / "data" / "self-data"


def load_register(root: Path, problems: list[Problem]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The register's two tables (with file and row), or empty tables when there is no register."""
    from observatory.load import _as_text, _check_header, _read_csv_records, _records_to_rows, rel

    tables = []
    for name, required, optional in (("services.csv", ("id", "name"), ("url", "sector", "country")),
                                     ("assessments.csv", ("service", "date", "difficulty"),
                                      ("machine_readable", "api", "transfer", "formats", "standards", "notes",
                                       "source"))):
        columns = [*required, *optional]
        path = folder(root) / name
        empty = pd.DataFrame(columns=[*columns, "file", "row"])
        if not path.exists():
            tables.append(empty)
            continue
        read = _read_csv_records(path, root, problems)
        if read is None:
            tables.append(empty)
            continue
        header, body = read
        if not _check_header(rel(path, root), header, required, optional, problems):
            tables.append(empty)
            continue
        frame = pd.DataFrame(_records_to_rows(rel(path, root), header, body, problems)).reindex(
            columns=[*columns, "file", "row"])
        tables.append(_as_text(frame, columns + ["file"]))
    return tables[0], tables[1]


def state_at(assessments: pd.DataFrame, date: pd.Timestamp) -> pd.DataFrame:
    """Every service's most recent assessment on or before ``date``."""
    seen = assessments[assessments["date"] <= date]
    return seen.sort_values(["service", "date"]).groupby("service").tail(1)


def shares(assessments: pd.DataFrame) -> pd.DataFrame:
    """Per assessment date and indicator: the share (%) and the counts behind it."""
    rows = []
    for date in sorted(assessments["date"].dropna().unique()):
        state = state_at(assessments, date)
        for indicator, (column, counted, among) in INDICATORS.items():
            values = state[column].fillna("unknown")
            base = values if among == "all" else values[values != "unknown"]
            # A share over a few known answers would speak for the whole register: at least half must be known.
            if len(base) == 0 or len(base) < len(values) / 2:
                continue
            hits = int(base.isin(counted).sum())
            rows.append({"indicator": indicator, "date": pd.Timestamp(date), "value": round(100 * hits / len(base), 2),
                         "count": hits, "assessed": len(base)})
    return pd.DataFrame(rows, columns=["indicator", "date", "value", "count", "assessed"])


def derived_observations(assessments: pd.DataFrame, known_indicators: set[str]) -> pd.DataFrame:
    """The register's shares as observation rows (text, as in a data file), for the indicators defined."""
    typed = assessments.assign(date=pd.to_datetime(assessments["date"], errors="coerce"),
                               difficulty=assessments["difficulty"])
    typed = typed[typed["date"].notna() & typed["difficulty"].isin(DIFFICULTIES)]
    table = shares(typed) if len(typed) else pd.DataFrame(columns=["indicator", "date", "value", "count", "assessed"])
    table = table[table["indicator"].isin(known_indicators)]
    if table.empty:
        return pd.DataFrame(columns=["indicator", "territory", "date_text", "value_text", "coalition", "source",
                                     "comment", "file", "row", "dataset"])
    return pd.DataFrame({
        "indicator": table["indicator"], "territory": TERRITORY,
        "date_text": table["date"].dt.strftime("%Y-%m-%d"), "value_text": table["value"].map(lambda v: f"{v:g}"),
        "coalition": None, "source": "Registre Self Data (data/self-data)",
        "comment": table["count"].astype(str) + " / " + table["assessed"].astype(str) + " services",
        # Computed figures have no row of their own: numbered in order, to be told apart.
        "file": "data/self-data/assessments.csv (computed)", "row": range(1, len(table) + 1), "dataset": DATASET,
    }).astype(object)
