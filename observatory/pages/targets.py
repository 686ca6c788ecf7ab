"""The targets table every dashboard shows, and beside each target how its status is decided, with the target's
own numbers put in (baseline, target, latest figure and its quality, progress, pace, projection, final value), the
evidence a lead gave and a figure under review. :class:`~observatory.pages.base.Page` has these methods through
:class:`TargetsTable`."""

from __future__ import annotations

import re

import pandas as pd

from observatory import vocabulary
from observatory.i18n import data_lang, data_text, formatting, status_name
from observatory.pages.markup import Fragment


def unit_of(indicator: pd.Series, lang: str) -> str:
    """An indicator's unit in the page's language (its French unit where the data don't translate it)."""
    return data_text(indicator, "unit", lang)


def unit_lang(indicator: pd.Series, lang: str) -> str:
    """The language :func:`unit_of` gives the unit in."""
    return data_lang(indicator, "unit", lang)


class TargetsTable:
    """The targets table's part of a page (a mixin of :class:`~observatory.pages.base.Page`: it uses its ``t``,
    ``name``, ``href``, ``render`` and results)."""

    def targets_table(self, show_coalition: bool = False) -> Fragment:
        progress = self.results.progress
        indicators = self.results.indicators.set_index("id")
        places, coalitions = self.territory_names, self.coalition_names
        head = [self.t("indicator"), self.t("territory"), self.t("baseline"), self.t("target"), self.t("latest"),
                self.t("progress"), self.t("status"), self.t("at_deadline")]
        if show_coalition:
            head.insert(0, self.t("coalition"))
        rows = []
        pending = self._under_review()
        ordered = progress.assign(order=progress["status"].map({s: i for i, s in enumerate(vocabulary.STATUSES)}))
        for _, row in ordered.sort_values(["order", "quality", "indicator"]).iterrows():
            ind = indicators.loc[row["indicator"]]
            rows.append({
                **{k: row[k] for k in ("quality", "baseline_value", "baseline_date", "target_value", "target_date",
                                       "latest_value", "latest_date", "latest_source", "progress", "status")},
                "latest_submitted": row.get("latest_submitted"),
                "demonstration": bool(row.get("demonstration")),
                # said beside the value when the figure is not measured (a demonstration one says so already)
                "figure_quality": self._figure_quality(row),
                "evidence": self._evidence(row),
                "target_source": row.get("target_source") if isinstance(row.get("target_source"), str) else None,
                "indicator": self.name(ind), "indicator_lang": self.name_lang(ind),
                "unit": unit_of(ind, self.lang), "unit_lang": unit_lang(ind, self.lang),
                "decimals": ind["decimals"] if not pd.isna(ind["decimals"]) else None,
                "territory_href": self.href("territory", row["territory"]),
                "territory_name": places.get(row["territory"], row["territory"]),
                "coalition_href": self.href("coalition", row["coalition"]),
                "coalition_name": coalitions.get(row["coalition"], row["coalition"]),
                "ahead": self._ahead(row, ind), "how": self._how_decided(row, ind),
                "under_review": self._under_review_mark(pending, row, ind),
            })
        return self.render("targets.html.j2", head=head, rows=rows, show_coalition=show_coalition,
                           illustrative=self._illustrative_note(rows))

    def _under_review(self) -> pd.DataFrame:
        """The figures awaiting the team's review on this page (only with the programme's show_pending)."""
        obs = self.results.observations
        if "under_review" not in obs:
            return obs.iloc[0:0]
        return obs[obs["under_review"].fillna(False).astype(bool)]

    def _under_review_mark(self, pending: pd.DataFrame, row: pd.Series, ind: pd.Series) -> str | None:
        """A target's newest figure awaiting review, said beside its latest value: « provisoire, en cours de
        revue : 3,9 au 31 déc. 2022 » (it counts in no progress until approved)."""
        if pending.empty:
            return None
        mine = pending[(pending["indicator"] == row["indicator"]) & (pending["territory"] == row["territory"])
                       & (pending["coalition"] == row["coalition"])]
        if mine.empty:
            return None
        newest = mine.sort_values("date").iloc[-1]
        return self.t("under_review_mark", value=f"{self._num(newest['value'], ind)} {unit_of(ind, self.lang)}",
                      date=formatting.day(newest["date"], self.lang))

    def _num(self, value, ind: pd.Series | None = None) -> str:
        decimals = None if ind is None or pd.isna(ind["decimals"]) else int(ind["decimals"])
        if decimals is None and isinstance(value, float) and not pd.isna(value):
            value = round(value, 2)
        return formatting.number(value, self.lang, decimals)

    def _quality_words(self, row: pd.Series) -> str:
        if bool(row.get("demonstration")):
            return self.t("how_quality_demonstration")
        if row.get("latest_quality") == "roll-up" or (
                isinstance(row.get("latest_file"), str) and row["latest_file"].endswith("(computed)")):
            return self.t("how_quality_computed")
        quality = row.get("latest_quality")
        if isinstance(quality, str) and quality in vocabulary.FIGURE_QUALITIES and quality != "measured":
            return self.t(f"figure_qualities.{quality}")
        return self.t("how_quality_measured")

    def _figure_quality(self, row: pd.Series) -> str | None:
        """The latest figure's quality in words where it is neither measured nor demonstration (that has its own
        label), e.g. "Quality: estimated"; None otherwise."""
        quality = row.get("latest_quality")
        if bool(row.get("demonstration")) or not isinstance(quality, str) or quality in ("measured", "demonstration"):
            return None
        return self.t("figure_quality", quality=self.t(f"figure_qualities.{quality}"))

    def _evidence(self, row: pd.Series) -> dict | None:
        """What the lead gave beside the latest figure: a comment, a document (an https link, checked again here:
        never a link otherwise), a contribution claim and its sentence; None when nothing."""
        def text(column: str) -> str | None:
            value = row.get(column)
            return value.strip() if isinstance(value, str) and value.strip() else None

        link, level, note = text("latest_link"), text("latest_contribution"), text("latest_contribution_note")
        link = link if link and re.fullmatch(vocabulary.LINK_PATTERN, link) else None
        if not (link or level in vocabulary.CONTRIBUTIONS or note):
            return None  # a comment alone is no evidence (computed figures carry one): shown as before, nowhere
        return {"comment": text("latest_comment"), "link": link, "note": note,
                "contribution": self.t("evidence_contribution", level=self.t(f"contribution_names.{level}"))
                if level in vocabulary.CONTRIBUTIONS else None}

    def _ahead(self, row: pd.Series, ind: pd.Series) -> dict:
        """The target at its deadline (once passed) or its projection to it, in a few words."""
        unit = unit_of(ind, self.lang)
        out = {"final": None, "projection": None}
        if isinstance(row.get("final_status"), str):
            out["final"] = {"status": row["final_status"], "words": self.t(f"final_statuses.{row['final_status']}"),
                            "value": None if pd.isna(row["final_value"]) else
                            f"{self._num(row['final_value'], ind)} {unit}"}
        if isinstance(row.get("projected_status"), str):
            interval = (self.t("projection_interval", low=self._num(row["projected_low"], ind),
                               high=self._num(row["projected_high"], ind))
                        if not pd.isna(row["projected_low"]) else self.t("projection_two_points"))
            out["projection"] = {"status": row["projected_status"],
                                 "words": self.t(f"projected_statuses.{row['projected_status']}"),
                                 "value": f"{self._num(row['projected_value'], ind)} {unit}", "interval": interval}
            out["projection"]["cell"] = self.t("projection_cell", value=out["projection"]["value"], interval=interval,
                                               status=out["projection"]["words"])
        return out

    def _how_decided(self, row: pd.Series, ind: pd.Series) -> list:
        """How the status was decided, with the target's own numbers put in (the CSV has the same columns)."""
        unit, day = unit_of(ind, self.lang), (lambda d: formatting.day(d, self.lang))
        n = lambda v: self._num(v, ind)  # noqa: E731
        status = status_name(row["status"], self.lang)
        source = row.get("target_source") if isinstance(row.get("target_source"), str) else None
        lines = [self.t("how_baseline", value=n(row["baseline_value"]), unit=unit, date=day(row["baseline_date"])),
                 self.t("how_target", value=n(row["target_value"]), unit=unit, date=day(row["target_date"]),
                        who=self.t("how_target_stated", source=source) if source else
                        self.t("how_target_illustrative"))]
        if pd.isna(row["latest_value"]):
            lines.append(self.t("how_latest_none"))
        else:
            # The source is a data text, in the data's language: the template marks it so (lang="fr").
            demo = bool(row.get("demonstration"))
            lines.append({"text": self.t("how_latest", value=n(row["latest_value"]), unit=unit,
                                         date=day(row["latest_date"]), quality=self._quality_words(row)),
                          # a demonstration value's source: the catalogue's label, in the page's language
                          "data": self.t("demonstration_source") if demo else
                          row["latest_source"] if isinstance(row["latest_source"], str) else "—",
                          "data_lang": self.lang if demo else "fr"})
            numbers = {"latest": n(row["latest_value"]), "baseline": n(row["baseline_value"])}
            lines.append(self.t("how_progress", target=n(row["target_value"]),
                                progress=formatting.percent(row["progress"], self.lang), **numbers))
            if row["status"] == "achieved":
                lines.append(self.t("how_achieved", status=status))
            else:
                lines.append(self.t("how_time", elapsed=formatting.percent(row["time_elapsed"], self.lang),
                                    expected=n(row["expected_value"]), unit=unit))
                pace = formatting.number(round(float(row["pace_ratio"]), 2), self.lang)
                lines.append(self.t("how_pace", expected=n(row["expected_value"]), pace=pace, **numbers))
                lines.append(self.t("how_threshold", pace=pace, status=status))
        ahead = self._ahead(row, ind)
        if ahead["projection"]:
            p = ahead["projection"]
            lines.append(self.t("how_projection", date=day(row["target_date"]), value=n(row["projected_value"]), unit=unit,
                                interval=p["interval"], status=p["words"]))
        else:
            lines.append(self.t("projection_none").capitalize() + ".")
        if ahead["final"]:
            f = ahead["final"]
            if f["value"] is None:
                lines.append(self.t("how_final_none", date=day(row["target_date"]), status=f["words"]))
            else:
                method = row["final_method"]
                words = self.t(f"final_methods.{method}", date=day(row["final_date"]),
                               **(self._around(row) if method == "interpolated" else {}))
                lines.append(self.t("how_final", date=day(row["target_date"]), value=n(row["final_value"]),
                                    unit=unit, method=words, status=f["words"]))
        return [line if isinstance(line, dict) else {"text": line, "data": None} for line in lines]

    def _around(self, row: pd.Series) -> dict:
        """The dates of the figures just before and after a target's deadline (an interpolated final value)."""
        from observatory import projection

        points = projection.target_points(pd.DataFrame([row]).reset_index(drop=True), self.results.observations)
        dates = points.loc[~points["baseline"], "date"]
        day = lambda d: formatting.day(d, self.lang)  # noqa: E731
        return {"before": day(dates[dates < row["target_date"]].max()),
                "after": day(dates[dates > row["target_date"]].min())}

    def _illustrative_note(self, rows: list[dict]) -> str | None:
        """Says how many of the page's targets no source states (None when every target has its source)."""
        count, total = sum(1 for r in rows if not r["target_source"]), len(rows)
        if not count:
            return None
        if count == total:
            return self.t("target_alone_illustrative") if total == 1 else self.t("targets_all_illustrative")
        if count == 1:
            return self.t("targets_illustrative_one", total=total)
        return self.t("targets_illustrative", count=count, total=total)
