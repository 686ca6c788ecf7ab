"""What every dashboard page shows: targets (:mod:`observatory.pages.targets`), missing data, method and sources,
footer, charts.

A page method gathers the figures to show (pandas, no HTML) and hands them to a
template of ``observatory/templates/``; the template writes the HTML, escaping every value.
"""

from __future__ import annotations

import pandas as pd

from observatory import figures, i18n, vocabulary
from observatory import results as results_module
from observatory.pages import contrast, kinds
from observatory.pages.chart import Chart, chart
from observatory.pages.markup import Fragment, safe_url
from observatory.pages.render import asset, render
from observatory.pages.targets import TargetsTable, unit_lang, unit_of


def style() -> Fragment:
    """The dashboards' stylesheet, emitted once at the top of every notebook."""
    return Fragment(str(render("style.html.j2", css=asset("dashboard.css"), statuses=vocabulary.STATUS_TABLE,
                                  badge_colours=contrast.badge)))


class Page(TargetsTable):
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
        return i18n.data_text(frame_row, key, self.lang)

    def name_lang(self, frame_row: pd.Series, key: str = "name") -> str:
        """The language :meth:`name` gives the text in (French where no translation is given)."""
        return i18n.data_lang(frame_row, key, self.lang)

    @property
    def coalition_names(self) -> dict[str, str]:
        return {r["id"]: self.name(r) for _, r in self.results.coalitions.iterrows()}

    @property
    def territory_names(self) -> dict[str, str]:
        return {r["id"]: i18n.place_name(r, self.lang) for _, r in self.results.territories.iterrows()}

    def has_page(self, kind: str, ident: str) -> bool:
        """Does the site have a page of this kind for ``ident``, as far as this page's results tell? Its kind's
        declaration says (pages/kinds: the pages the site lists; territories: only those with data)."""
        known = self.__dict__.setdefault("_pages_of", {})  # kind -> its idents: asked once per page, not per link
        if kind not in known:
            known[kind] = set(kinds.named(kind).idents(self.results))
        return ident in known[kind]

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
             "method": self.name(ind, "method"), "method_lang": self.name_lang(ind, "method"),
             "source": ind["source_name"], "url": safe_url(ind["source_url"]),
             "demonstration": demo.get(ind["id"], "")}
            for _, ind in self.results.indicators.sort_values(["quality", "id"]).iterrows()]
        datasets = [
            {"title": self.name(ds, "title") or ds["dataset"], "title_lang": self.name_lang(ds, "title"),
             "license": ds.get("license"), "demonstration": ds["demonstration"]}
            for _, ds in self.results.datasets.iterrows()]
        return self.render("method.html.j2", indicators=indicators, datasets=datasets)

    def licences(self) -> list[dict]:
        """The licence of each dataset the page shows figures from (the code's is stated beside them)."""
        return [{"title": self.name(ds, "title") or ds["dataset"], "license": ds["license"]}
                for _, ds in self.results.datasets.iterrows() if isinstance(ds.get("license"), str)]

    def footer(self, download: str | None = None) -> Fragment:
        return self.render("footer.html.j2", as_of=self.results.data_as_of, download=download,
                           licences=self.licences())

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
        return self.render("profile_header.html.j2", kicker=self.t(self.kind), title=self.title(),
                           show_intention=self.kind == "coalition", intention=self.name(self.profile, "intention"),
                           intention_lang=self.name_lang(self.profile, "intention"), facts=self.facts())

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
