"""The analysts' workbench: a data root's tables as pandas frames, for a notebook in JupyterLab.

    import observatory
    root = observatory.open(".")          # validated: the same checks and messages as `observatory validate`
    root.progress()                        # every target, its latest figure, progress and status

Every frame is the very table the published pages and CSV files are made from
(:mod:`observatory.results`): nothing is computed here a second time, so an
analyst's figure and a dashboard's can't disagree. The root is validated through
the validation cache, as ``validate`` does; an invalid root raises
:class:`observatory.errors.InvalidDataRoot`, whose ``problems`` are the messages
``validate`` prints. Frames are copies: changing one changes nothing else.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from observatory import results as results_module
from observatory import root_paths, selfdata
from observatory.results.csvfiles import read_table

__all__ = ["AnalysisRoot", "chart", "open_root"]

# What chart() can draw, each from the frame these methods return.
CHART_KINDS = ("timeline", "compass", "ranking", "status_bars", "register_shares")


@dataclass
class AnalysisRoot:
    """A validated data root, read for analysis. Make one with ``observatory.open(path)``."""

    path: Path
    lang: str = "fr"
    _results: results_module.Results | None = field(default=None, repr=False)

    @cached_property
    def results(self) -> results_module.Results:
        """Every results table (what ``observatory build`` publishes under ``reports/data/``)."""
        if self._results is None:
            from observatory.sitedata import computed
            from observatory.validate import validated

            computed_now, _ = computed(validated(self.path))  # the validation cache and its results, as build's
            # Read back from the very CSV bytes the site publishes: the same values and the same types as a
            # page's (and as pandas.read_csv of reports/data/tables/ gives), never a near copy.
            self._results = results_module.Results(**{
                name: read_table(io.BytesIO(content), name)
                for name, content in results_module.tables_csv(computed_now).items()})
        return self._results

    # --- the tables ------------------------------------------------------------------------
    def observations(self, indicator: str | None = None, territory: str | None = None,
                     coalition: str | None = None) -> pd.DataFrame:
        """Every figure with its provenance: data file and row, dataset, whether it is demonstration data,
        and the import that brought it (``submitted``). Roll-ups and the Self Data register's shares are
        included, as the pages show them (their ``file`` says they are computed)."""
        frame = self.results.observations
        for column, wanted in (("indicator", indicator), ("territory", territory), ("coalition", coalition)):
            if wanted is not None:
                frame = frame[frame[column] == wanted]
        return frame.reset_index(drop=True).copy()

    def progress(self, coalition: str | None = None) -> pd.DataFrame:
        """One row per target: baseline, target, latest figure, progress share, pace and status."""
        frame = self.results.progress
        if coalition is not None:
            frame = frame[frame["coalition"] == coalition]
        return frame.reset_index(drop=True).copy()

    def targets(self, coalition: str | None = None) -> pd.DataFrame:
        """The targets as their coalitions state them (the target columns of :meth:`progress`)."""
        columns = ["coalition", "indicator", "quality", "territory", "baseline_date", "baseline_value",
                   "target_date", "target_value", "direction", "unit", "target_file", "target_key", "target_source"]
        return self.progress(coalition)[columns]

    def compass(self) -> pd.DataFrame:
        """Status counts and mean progress per scope (programme, coalition, territory) and quality."""
        return self.results.compass.copy()

    def indicators(self) -> pd.DataFrame:
        return self.results.indicators.copy()

    def territories(self) -> pd.DataFrame:
        return self.results.territories.copy()

    def coalitions(self) -> pd.DataFrame:
        return self.results.coalitions.copy()

    def datasets(self) -> pd.DataFrame:
        """Each observation file: title, licence, source, and whether its values are demonstration data."""
        return self.results.datasets.copy()

    def history(self, indicator: str | None = None, territory: str | None = None) -> pd.DataFrame:
        """Where each figure came from: file and row, the import that brought it, the value it replaced
        (what ``observatory history`` prints)."""
        from observatory.submissions import history

        return history(self.path, indicator, territory)

    def services(self) -> pd.DataFrame:
        """The Self Data register's services (name, URL, sector, country)."""
        return self.results.services.copy()

    def assessments(self) -> pd.DataFrame:
        """Every dated assessment of the register, with its service's name and sector beside it."""
        services = self.results.services[["id", "name", "sector"]].rename(columns={"id": "service"})
        return self.results.assessments.merge(services, on="service", how="left")

    def register_shares(self, by: str | None = None) -> pd.DataFrame:
        """The register's indicators (share of services giving an easy copy, a machine-readable copy, a
        transfer…) at each assessment date, as the Self Data page draws them; ``by="sector"`` computes
        them within each sector (the sector's services only)."""
        assessments = self.assessments()
        if by is None:
            return selfdata.shares(assessments)
        parts = [selfdata.shares(group).assign(**{by: key})
                 for key, group in assessments.groupby(assessments[by].fillna(""), sort=True)]
        columns = [by, "indicator", "date", "value", "count", "assessed"]
        return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)

    # --- charts ----------------------------------------------------------------------------
    def chart(self, kind: str, frame: pd.DataFrame | None = None, **options):
        """A dashboard chart (a plotly figure) drawn from a frame of this root; see :func:`chart`."""
        return chart(kind, frame, root=self, **options)


def open_root(path: str | Path = ".", lang: str = "fr") -> AnalysisRoot:  # a boundary: analysts type a str
    """Open a data root for analysis; it is validated now, as ``observatory validate`` would
    (:class:`observatory.errors.InvalidDataRoot` lists every problem)."""
    root = AnalysisRoot(root_paths.data_root(path).resolve(), lang)
    root.results  # noqa: B018 — validate now, not at the first frame asked for
    return root


def chart(kind: str, frame: pd.DataFrame | None = None, root: AnalysisRoot | None = None, lang: str | None = None,
          **options):
    """Draw one of the dashboards' charts from a frame, as the pages draw it.

    - ``timeline``: ``frame`` = observations of one indicator on one territory (``root.observations(...)``);
      the targets on them are taken from ``root``;
    - ``compass``: ``frame`` = rows of ``root.compass()`` for one scope;
    - ``ranking``: ``frame`` = ``root.progress()`` (or part of it);
    - ``status_bars``: ``frame`` = rows of ``root.compass()`` with a column per status, ``by="quality"``
      (one scope's rows) or ``by="scope_id"`` (the coalitions' rows of one quality);
    - ``register_shares``: ``frame`` = ``root.register_shares()``.
    """
    from observatory import figures
    from observatory.i18n import data_texts, quality_name

    lang = lang or (root.lang if root else "fr")
    if kind not in CHART_KINDS:
        raise ValueError(f"chart kind {kind!r}: expected one of {', '.join(CHART_KINDS)}")
    if kind == "compass":
        return figures.compass(frame, lang, **options)
    if root is None:
        raise ValueError(f"chart kind {kind!r} needs the root its frame came from (root.chart(...))")
    results = root.results
    if kind == "timeline":
        indicators = set(frame["indicator"])
        territories = set(frame["territory"])
        if len(indicators) != 1 or len(territories) != 1:
            raise ValueError("a timeline draws one indicator on one territory: filter the observations first, "
                             "e.g. root.observations(indicator=..., territory=...)")
        indicator, territory = indicators.pop(), territories.pop()
        targets = results.progress[(results.progress["indicator"] == indicator)
                                   & (results.progress["territory"] == territory)]
        names = dict(zip(results.territories["id"], results.territories["name"]))
        coalitions = dict(zip(results.coalitions["id"], data_texts(results.coalitions, "name", lang)))
        row = results.indicators.set_index("id").loc[indicator]
        row["id"] = indicator
        return figures.timeline(frame, targets, row, names.get(territory, territory), lang, coalitions)
    if kind == "ranking":
        names = dict(zip(results.coalitions["id"], data_texts(results.coalitions, "name", lang)))
        return figures.ranking(frame, names, lang)
    if kind == "status_bars":
        by = options.pop("by", "quality")
        labels = (dict(zip(results.coalitions["id"], data_texts(results.coalitions, "name", lang)))
                  if by in ("coalition", "scope_id")
                  else {q: quality_name(q, lang) for q in frame[by].dropna().unique()})
        return figures.status_bars(frame, by, labels, lang, **options)
    names = dict(zip(results.indicators["id"], data_texts(results.indicators, "name", lang)))
    return figures.shares_over_time(frame, names, lang)
