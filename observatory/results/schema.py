"""The results tables and their declared schema: every column of every table, with its type.

One schema serves the writer (which cells hold lists), the reader (what each
column is read back as) and the Frictionless descriptor (the ``type`` of each
field): the files published, the tables a notebook reads and their description
can't disagree. Types are Frictionless' own: string, number, integer, boolean,
date, and array (a list, written as a JSON array in the cell).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

from observatory import vocabulary, selfdata

S, N, I, B, D, A = "string", "number", "integer", "boolean", "date", "array"

SCHEMA: dict[str, dict[str, str]] = {
    # One row per target (observatory.progress), with the import that brought its latest figure.
    "progress": {
        "coalition": S, "indicator": S, "quality": S, "territory": S, "baseline_date": D, "baseline_value": N,
        "target_date": D, "target_value": N, "latest_date": D, "latest_value": N, "progress": N, "status": S,
        "pace_ratio": N, "expected_value": N, "direction": S, "unit": S, "latest_source": S, "latest_file": S,
        "latest_row": N,  # empty when the target has no figure yet
        "demonstration": B,
        # the latest figure's quality (measured, estimated… roll-up) and the evidence its lead gave beside it
        "latest_quality": S, "latest_comment": S, "latest_link": S, "latest_contribution": S,
        "latest_contribution_note": S,
        "target_file": S, "target_key": S, "target_source": S,
        # observatory.projection: the share of the time elapsed at the latest figure, the straight line to the
        # target date (80 % interval from 3 points on), and, once the deadline has passed, the value then.
        "time_elapsed": N, "points": I, "projected_value": N, "projected_low": N, "projected_high": N,
        "projected_status": S, "deadline_passed": B, "final_value": N, "final_date": D, "final_method": S,
        "final_status": S,
        "latest_submitted": S,
    },
    # Status counts and mean progress per scope and quality.
    "compass": {"scope": S, "scope_id": S, "quality": S, "targets": I, **{status: I for status in vocabulary.STATUSES},
                "mean_progress": N},
    "observations": {
        "indicator": S, "territory": S, "coalition": S, "date": D, "value": N, "source": S, "comment": S, "file": S,
        "row": I, "dataset": S, "demonstration": B,
        # how the figure was obtained, and the evidence beside it: a document (https), a contribution claim
        "quality": S, "link": S, "contribution": S, "contribution_note": S,
        "submitted": S,
        # A figure sent and awaiting the team's review (issue 26), shown only with the programme's show_pending:
        # a review state, apart from the figure's quality.
        "under_review": B,
    },
    "indicators": {
        "id": S, "name_fr": S, "name_en": S, "quality": S, "unit": S, "unit_en": S, "direction": S,
        "description_fr": S,
        "description_en": S, "method_fr": S, "method_en": S, "source_name": S, "source_url": S, "limit": N,
        "aggregation": S, "lever": S,
        "decimals": N,  # empty when not given
        "frequency": S, "license": S,
    },
    "coalitions": {
        "id": S, "name_fr": S, "name_en": S, "axes": A, "maturity": S, "levers": A,
        "leads": A,  # "name (organisation)": never an email
        "partners": A, "territories": A, "intention": S, "intention_en": S,
    },
    "territories": {"id": S, "name": S, "level": S, "parent": S, "code_insee": S, "siren": S, "iso_3166": S,
                    "name_en": S,
                    "population": I},  # people (INSEE's figure where a source gave it), empty when not known
    "datasets": {
        "dataset": S, "file": S, "title_fr": S, "title_en": S, "description_fr": S, "description_en": S,
        "demonstration": B, "license": S, "source": S,
    },
    # The Self Data register (empty in the slices of pages that don't show it).
    "services": {column: S for column in selfdata.SERVICE_COLUMNS},
    "assessments": {column: (D if column == "date" else S) for column in selfdata.ASSESSMENT_COLUMNS},
    # The reporting cycle (observatory.reporting): per coalition and period, the figures expected, received
    # (on time: imported on or before the due date; late) and missing.
    "reporting": {"coalition": S, "period": S, "start": D, "end": D, "due": D, "closes": D, "expected": I,
                  "received": I, "on_time": I, "late": I, "missing": I},
}

LIST_DESCRIPTION = 'a list, written as a JSON array of texts, e.g. ["Fing", "Région Bretagne"]'


def columns_of(table: str, kind: str) -> list[str]:
    """The columns of ``table`` declared of type ``kind``."""
    return [column for column, declared in SCHEMA[table].items() if declared == kind]


# Columns holding lists, stored in CSV as a JSON array in the cell (a name may hold any separator: "A; B").
LIST_COLUMNS = {table: columns_of(table, A) for table in SCHEMA if columns_of(table, A)}


@dataclass(frozen=True)
class Results:
    """Everything a dashboard shows: one frame per table of :data:`SCHEMA`, its columns in that order."""

    progress: pd.DataFrame
    compass: pd.DataFrame
    observations: pd.DataFrame
    indicators: pd.DataFrame
    coalitions: pd.DataFrame
    territories: pd.DataFrame
    datasets: pd.DataFrame
    services: pd.DataFrame
    assessments: pd.DataFrame
    reporting: pd.DataFrame

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


assert [f.name for f in fields(Results)] == list(SCHEMA), "Results and SCHEMA list the same tables"
