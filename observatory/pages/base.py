"""What every dashboard page shows: targets, missing data, method and sources, footer, charts.

A page method gathers the figures to show (pandas, no HTML) and hands them to a
template of ``observatory/templates/``; the template writes the HTML, escaping every value.
"""

from __future__ import annotations

import re

import pandas as pd

from observatory import figures, i18n, vocabulary
from observatory.i18n import formatting, status_name
from observatory import results as results_module
from observatory.pages import contrast, kinds
from observatory.pages.chart import Chart, chart
from observatory.pages.markup import Fragment, safe_url
from observatory.pages.render import asset, render


def unit_of(indicator: pd.Series, lang: str) -> str:
    """An indicator's unit in the page's language (its French unit where no English one is given)."""
    english = indicator.get("unit_en")
    return english if lang == "en" and isinstance(english, str) and english else indicator["unit"]


def unit_lang(indicator: pd.Series, lang: str) -> str:
    """The language :func:`unit_of` gives the unit in."""
    english = indicator.get("unit_en")
    return "en" if lang == "en" and isinstance(english, str) and english else "fr"


def style() -> Fragment:
    """The dashboards' stylesheet, emitted once at the top of every notebook."""
    return Fragment(str(render("style.html.j2", css=asset("dashboard.css"), statuses=vocabulary.STATUS_TABLE,
                                  badge_colours=contrast.badge)))


class Page:
    """One dashboard's data (a results slice) and the fragments it shows."""

    kind = "page"

    def __init__(self, results: results_module.Results, lang: str = "fr", links: str | None = None,
                 chart_offset: int = 0):
        self.results = results
        self.lang = i18n.check_lang(lang)
        self.links = links  # relative path to the site's root; None: no links (live pages)
        # Pages shown together (the Self Data page holds a coalition's) number their charts apart.
        self._charts = chart_offset

    # -- helpers ---------------------------------------------------------------------------
    def t(self, key: str, **values: object) -> str:
        return i18n.t(key, self.lang, **values)

    def render(self, template: str, **values: object) -> Fragment:
        """A template of observatory/templates/, given the page's language and helpers."""
        lang = self.lang
        return Fragment(str(render(
            template, lang=lang, t=self.t, status_name=lambda s: i18n.status_name(s, lang),
            badge_colours=contrast.badge,
            quality_name=lambda q: i18n.quality_name(q, lang),
            name_of=lambda group, key: i18n.name_of(group, key, lang), **values)))

    def name(self, frame_row: pd.Series, key: str = "name") -> str:
        return frame_row.get(f"{key}_{self.lang}") or frame_row.get(f"{key}_fr") or ""

    def name_lang(self, frame_row: pd.Series, key: str = "name") -> str:
        """The language :meth:`name` gives the text in (French where no translation is given)."""
        return self.lang if frame_row.get(f"{key}_{self.lang}") else "fr"

    @property
    def coalition_names(self) -> dict[str, str]:
        return {r["id"]: self.name(r) for _, r in self.results.coalitions.iterrows()}

    @property
    def territory_names(self) -> dict[str, str]:
        return {r["id"]: i18n.place_name(r, self.lang) for _, r in self.results.territories.iterrows()}

    def has_page(self, kind: str, ident: str) -> bool:
        """Does the site have a page for this coalition or territory? (territories: only those with data)"""
        if kind == "coalition":
            return ident in set(self.results.coalitions["id"])
        return ident in set(self.results.progress["territory"]) | set(self.results.observations["territory"])

    def href(self, kind: str, ident: str, has_page: bool | None = None) -> str | None:
        """The link to the page of ``ident``, or None when the site has none (or pages are not linked);
        ``has_page``: what the caller knows that this page's slice of the results does not."""
        if self.links is None or not (self.has_page(kind, ident) if has_page is None else has_page):
            return None
        return f"{self.links}{kinds.named(kind).folder}/{ident}.html"

    def method_href(self) -> str | None:
        """The method page (how statuses and projections are computed), relative to this page (site.PageSpec's
        path: methode.html, en/method.html); None on live pages, which have no links."""
        if self.links is None:
            return None
        return f"{self.links}{'methode.html' if self.lang == 'fr' else f'{self.lang}/method.html'}"

    def chart(self, fig, note: str = "") -> Chart:
        self._charts += 1
        return chart(fig, f"{self.kind}-chart-{self._charts}", self.lang, note)

    def provenance(self, progress: pd.DataFrame | None = None) -> str:
        """What a summary of targets (compass, ranking, map) is computed from, said under it: how many of its
        targets have a demonstration latest value, how many no source states ("" when neither)."""
        progress = self.results.progress if progress is None else progress
        if progress.empty:
            return ""
        demo = int(progress["demonstration"].astype(bool).sum())
        sources = progress["target_source"] if "target_source" in progress else pd.Series([None] * len(progress))
        illustrative = int(sum(1 for s in sources if not (isinstance(s, str) and s.strip())))
        if not demo and not illustrative:
            return ""
        return self.t("provenance", targets=len(progress), demo=demo, illustrative=illustrative)

    def compass_rows(self, scope: str, scope_id: str) -> pd.DataFrame:
        c = self.results.compass
        return c[(c["scope"] == scope) & (c["scope_id"] == scope_id) & (c["quality"] != "all")]

    # -- fragments shared by every page ----------------------------------------------------
    def style(self) -> Fragment:
        return style()

    def fictitious_values(self) -> tuple[int, int, list[str]]:
        """How many of the values this page shows are fictitious, out of how many, and from which files."""
        shown = self.results.observations
        fictitious = shown[shown["demonstration"].astype(bool)]
        return len(fictitious), len(shown), sorted(set(fictitious["file"]))

    def fictitious_count(self) -> str:
        """The banner's sentence: the figure, out of what, and the file (one value or several)."""
        count, total, files = self.fictitious_values()
        if count == 1:
            return self.t("demonstration_one", total=total, files=", ".join(files))
        return self.t("demonstration_count", count=count, total=total, files=", ".join(files))

    def demonstration_notice(self) -> Fragment:
        """A banner only where the page shows fictitious values: it counts them and names their file."""
        if not self.fictitious_values()[0]:
            return Fragment("")
        return self.render("demonstration.html.j2", text=self.fictitious_count())

    def method(self) -> Fragment:
        lang = self.lang
        # An indicator whose figures on this page are demonstration values: its named source says they were not
        # taken from it (all of them, or some).
        obs = self.results.observations
        flags = obs.groupby("indicator")["demonstration"].agg(lambda s: (bool(s.astype(bool).all()),
                                                                         bool(s.astype(bool).any())))
        demo = {ident: self.t("source_not_used_all") if every else self.t("source_not_used_some")
                for ident, (every, some) in flags.items() if some}
        indicators = [
            {"name": self.name(ind), "name_lang": self.name_lang(ind), "quality": ind["quality"],
             "unit": unit_of(ind, lang), "unit_lang": unit_lang(ind, lang),
             "method": ind.get(f"method_{lang}") or ind.get("method_fr"), "method_lang": self.name_lang(ind, "method"),
             "source": ind["source_name"], "url": safe_url(ind["source_url"]),
             "demonstration": demo.get(ind["id"], "")}
            for _, ind in self.results.indicators.sort_values(["quality", "id"]).iterrows()]
        datasets = [
            {"title": ds.get(f"title_{lang}") or ds.get("title_fr") or ds["dataset"],
             "title_lang": lang if ds.get(f"title_{lang}") else "fr",
             "license": ds.get("license"), "demonstration": ds["demonstration"]}
            for _, ds in self.results.datasets.iterrows()]
        return self.render("method.html.j2", indicators=indicators, datasets=datasets)

    def licences(self) -> list[dict]:
        """The licence of each dataset the page shows figures from (the code's is stated beside them)."""
        lang = self.lang
        return [{"title": ds.get(f"title_{lang}") or ds.get("title_fr") or ds["dataset"], "license": ds["license"]}
                for _, ds in self.results.datasets.iterrows() if isinstance(ds.get("license"), str)]

    def footer(self, download: str | None = None) -> Fragment:
        return self.render("footer.html.j2", as_of=self.results.data_as_of, download=download,
                           licences=self.licences())

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

    def missing(self) -> Fragment:
        progress = self.results.progress
        indicators = self.results.indicators.set_index("id")
        gaps = [{"indicator": self.name(indicators.loc[r["indicator"]]),
                 "territory": self.territory_names.get(r["territory"], r["territory"]),
                 "coalition": self.coalition_names.get(r["coalition"], r["coalition"]),
                 "baseline_date": r["baseline_date"]}
                for _, r in progress[progress["status"] == "no_data"].iterrows()]
        return self.render("missing.html.j2", gaps=gaps, any_targets=len(progress) > 0)

    def section(self, title: str, intro: str | None = None) -> Fragment:
        """A heading over a run of charts (they would otherwise follow one another with none)."""
        return self.render("section.html.j2", title=title, intro=intro)

    def timelines(self) -> list:
        """Under a heading, one chart per indicator and territory with targets: figures, baseline, path, target
        date (nothing without targets)."""
        out = [self.section(self.t("timelines"), self.t("timelines_intro"))] if len(self.results.progress) else []
        progress, obs = self.results.progress, self.results.observations
        indicators = self.results.indicators.set_index("id")
        for (indicator, territory), targets in progress.groupby(["indicator", "territory"], sort=True):
            series = obs[(obs["indicator"] == indicator) & (obs["territory"] == territory)
                         & (obs["coalition"].isna() | obs["coalition"].isin(set(targets["coalition"])))]
            fig = figures.timeline(series, targets, indicators.loc[indicator],
                                   self.territory_names.get(territory, territory), self.lang, self.coalition_names)
            out.append(self.chart(fig))
        return out


class ProfilePage(Page):
    """A page about one coalition or one territory: its row of the table, its header and its compass."""

    table = ""  # the results table holding the profile

    def __init__(self, results: results_module.Results, ident: str, lang: str = "fr", links: str | None = None,
                 chart_offset: int = 0):
        super().__init__(results, lang, links, chart_offset)
        self.ident = ident
        frame = getattr(results, self.table)
        self.profile = frame[frame["id"] == ident].iloc[0]

    def title(self) -> str:
        raise NotImplementedError

    def facts(self) -> list[dict]:
        """The header's facts: label, items (text and link, None: no link), separator."""
        raise NotImplementedError

    def header(self) -> Fragment:
        # The intention in the page's language where the data give it (intention_en), else in French, marked so.
        english = self.profile.get("intention_en") if self.lang == "en" else None
        has_english = isinstance(english, str) and bool(english.strip())
        intention = english if has_english else self.profile.get("intention")
        return self.render("profile_header.html.j2", kicker=self.t(self.kind), title=self.title(),
                           show_intention=self.kind == "coalition", intention=intention,
                           intention_lang="en" if has_english else "fr", facts=self.facts())

    def compass(self) -> Chart | Fragment:
        """The compass, or a sentence where the coalition or territory has no target (an empty compass reads as
        zero progress)."""
        if self.results.progress.empty:
            text = self.t("no_targets_coalition") if self.kind == "coalition" else self.t("no_targets_territory")
            return self.render("note.html.j2", title=self.t("compass"), text=text)
        return self.chart(figures.compass(self.compass_rows(self.kind, self.ident), self.lang), self.provenance())

    @staticmethod
    def fact(label: str, items: list, sep: str = ", ") -> dict:
        """One fact: ``items`` are texts or (link, text) pairs."""
        items = [{"href": i[0], "text": i[1]} if isinstance(i, tuple) else {"href": None, "text": i} for i in items]
        return {"label": label, "items": items, "sep": sep}
