"""The compute step: from a validated root to the results tables, once per build.

First the figures derived from the data (:mod:`observatory.derive`: the Self Data
register's shares), then each target's progress and status
(:func:`observatory.progress.compute_progress`) and the compass, then the public
tables. Contact details (leads' emails) never enter the results.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from observatory import selfdata
from observatory.derive import with_derived_figures
from observatory.import_history import figure_key, live_entries
from observatory.progress import compute_progress, summarise
from observatory.results.schema import Results
from observatory.validate import ValidRoot, validated


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
    """For each figure brought by an import: "<date> — <file as sent>" (from the history of imports), else empty."""
    empty = pd.Series([None] * len(observations), index=observations.index, dtype=object)
    if observations.empty:
        return empty
    history = live_entries(root.path)
    if history.empty:
        return empty
    last = history.groupby("key").tail(1).set_index("key")
    label = last["recorded_at"].str[:10] + " — " + last["file"]
    return figure_key(observations, observations["date"]).map(label).astype(object).where(lambda s: s.notna(), None)


def _typed_territories(frame: pd.DataFrame) -> pd.DataFrame:
    """The territories as published: population as whole numbers (validation checked its digits)."""
    out = frame.drop(columns=["file", "row"]).reset_index(drop=True)
    out["population"] = pd.to_numeric(out["population"]).astype("Int64")
    return out


def compute(root: ValidRoot) -> Results:
    """All results of a validated root."""
    root = with_derived_figures(root)
    progress = compute_progress(root)
    observations = root.observations.drop(columns=["date_text"]).copy()
    observations["submitted"] = _provenance(root, observations)
    # Looked up for the targets' latest figures only: indexing the rows of their files, not millions of others.
    cited = observations["file"].isin(set(progress["latest_file"].dropna()))
    where = observations[cited].set_index(["file", "row"])["submitted"]
    where = where[~where.index.duplicated()]
    progress["latest_submitted"] = [where.get((f, r)) if isinstance(f, str) else None
                                    for f, r in zip(progress["latest_file"], progress["latest_row"])]
    observations["under_review"] = False
    datasets = root.datasets.reset_index(drop=True)
    observations, datasets = _under_review(root, observations, datasets)
    return Results(
        progress=progress,
        compass=summarise(progress),
        observations=observations.reset_index(drop=True),
        indicators=root.indicators.drop(columns=["file"]).reset_index(drop=True),
        coalitions=_public_coalitions(root.coalitions),
        territories=_typed_territories(root.territories),
        datasets=datasets,
        services=(root.services if root.services is not None else pd.DataFrame()).reindex(
            columns=list(selfdata.SERVICE_COLUMNS)).reset_index(drop=True),
        assessments=(root.assessments if root.assessments is not None and len(root.assessments)
                     else pd.DataFrame(columns=list(selfdata.ASSESSMENT_COLUMNS)))
        .reindex(columns=list(selfdata.ASSESSMENT_COLUMNS))
        .sort_values(["date", "service"]).reset_index(drop=True),
        reporting=_reporting(root),
    )


UNDER_REVIEW = "under-review"  # the dataset of figures awaiting review, when the programme shows them


def _under_review(root: ValidRoot, observations: pd.DataFrame, datasets: pd.DataFrame):
    """With the programme's ``show_pending: true``, the figures awaiting the team's review join the observations,
    marked ``under_review`` (and in a dataset of their own): pages show them as « provisoire, en cours de revue »
    and the data package carries them with that mark, as the pages do. They count in no progress, compass or
    completeness: those were computed from the root's own figures, before."""
    from observatory import reporting, review

    if not reporting.load_programme(root.path).show_pending:
        return observations, datasets
    pending = review.pending_figures(root.path)
    if pending.empty:
        return observations, datasets
    rows = pending.drop(columns=["date_text", "submission"]).assign(
        source=None, comment=None, dataset=UNDER_REVIEW, demonstration=False, submitted=None, under_review=True)
    rows["row"] = pd.to_numeric(rows["row"], errors="coerce").astype(observations["row"].dtype, errors="ignore")
    # columns the pending rows lack (a figure's quality and evidence when the file gave none) stay empty
    observations = pd.concat([observations, rows.reindex(columns=observations.columns)], ignore_index=True)
    datasets = pd.concat([datasets, pd.DataFrame([{
        "dataset": UNDER_REVIEW, "file": "data/submissions/pending/",
        "title_fr": "Chiffres envoyés, provisoires : en cours de revue par l'équipe",
        "title_en": "Figures sent, provisional: under review by the team",
        "description_fr": None, "description_en": None, "demonstration": False, "license": None,
        "source": None}]).reindex(columns=datasets.columns)], ignore_index=True)
    return observations, datasets


def _reporting(root: ValidRoot) -> pd.DataFrame:
    """Completeness and timeliness per coalition and period (observatory.reporting; issue 26)."""
    from observatory import reporting

    programme = reporting.load_programme(root.path)
    return reporting.summary(reporting.figures(root, programme), programme)


def from_root(path: Path) -> Results:
    return compute(validated(path))
