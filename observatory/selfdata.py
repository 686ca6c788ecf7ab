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
(``international``), like any other figure: :mod:`observatory.derive` adds them
in the compute step. The register is read by :func:`observatory.load.load_register`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from observatory import root_paths

# Easiest first; their names: difficulty_names in observatory/i18n/.
DIFFICULTIES = ("easy", "medium", "hard", "limited", "impossible")
ANSWERS = ("yes", "no", "unknown")
SERVICE_COLUMNS = ("id", "name", "url", "sector", "country")
ASSESSMENT_COLUMNS = ("service", "date", "difficulty", "machine_readable", "api", "transfer", "formats",
                      "standards", "notes", "source")
TERRITORY = "international"
DATASET = "self-data-register"
# The columns a register file must have (the others may be left out).
SERVICE_REQUIRED = SERVICE_COLUMNS[:2]
ASSESSMENT_REQUIRED = ASSESSMENT_COLUMNS[:3]
# The register's figures are computed, not read: they name the file they come from so.
COMPUTED_FILE = f"{root_paths.ASSESSMENTS} (computed)"
DATASET_TITLES = {"fr": "Registre de l'écosystème Self Data", "en": "Self Data ecosystem register"}

# indicator id -> (what is counted, among which services); shares in %.
INDICATORS = {
    "self-data-easy-copy-share": ("difficulty", ("easy",), "all"),
    "self-data-no-copy-share": ("difficulty", ("limited", "impossible"), "all"),
    "self-data-machine-readable-share": ("machine_readable", ("yes",), "known"),
    "self-data-transfer-share": ("transfer", ("yes",), "known"),
}


def folder(root: Path) -> Path:
    return root_paths.at(root, root_paths.SELF_DATA)


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
