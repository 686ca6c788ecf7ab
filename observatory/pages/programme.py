"""The programme's page: every coalition and territory at once."""

from __future__ import annotations

from observatory import figures, i18n, vocabulary
from observatory.pages.base import Page
from observatory.pages.chart import Chart
from observatory.pages.france_map import france_map
from observatory.pages.markup import Fragment
from observatory.pages.render import asset


FOLDED_AFTER = 30  # a group of more territories than this is folded; the directory gets a search box


class ProgrammePage(Page):
    kind = "programme"

    def header(self) -> Fragment:
        p = self.results.progress
        intro = self.t("programme_intro", coalitions=len(self.results.coalitions),
                       with_targets=p["coalition"].nunique(), targets=len(p), territories=p["territory"].nunique())
        return self.render("title_intro.html.j2", title=self.t("site_title"), intro=intro)

    def compass(self) -> Chart:
        return self.chart(figures.compass(self.compass_rows("programme", "reset"), self.lang), self.provenance())

    def ranking(self) -> Chart:
        return self.chart(figures.ranking(self.results.progress, self.coalition_names, self.lang), self.provenance())

    def status_by_quality(self) -> Chart:
        c = self.results.compass
        rows = c[(c["scope"] == "programme") & (c["quality"] != "all")]
        labels = {q: i18n.quality_name(q, self.lang) for q in vocabulary.QUALITIES}
        return self.chart(figures.status_bars(rows, "quality", labels, self.lang, self.t("status_by_quality")))

    def status_by_coalition(self) -> Chart:
        c = self.results.compass
        rows = c[(c["scope"] == "coalition") & (c["quality"] == "all")]
        return self.chart(figures.status_bars(rows, "scope_id", self.coalition_names, self.lang,
                                              self.t("status_by_coalition")))

    def deadlines(self) -> list:
        """How the targets stand at their deadlines and where the others are heading: counts per quality and per
        coalition (a table), and the targets whose deadline has passed, per coalition (a chart)."""
        from observatory.projection import FINAL_STATUSES, PROJECTED_STATUSES

        p = self.results.progress
        if p.empty:
            return []
        groups = [("quality", {q: i18n.quality_name(q, self.lang) for q in vocabulary.QUALITIES}),
                  ("coalition", self.coalition_names)]
        tables = []
        for by, labels in groups:
            rows = []
            for key, part in sorted(p.groupby(by), key=lambda kv: i18n.sort_key(labels.get(kv[0], kv[0]))):
                rows.append({"name": labels.get(key, key),
                             "href": self.href("coalition", key) if by == "coalition" else None,
                             "targets": len(part),
                             "final": [int((part["final_status"] == f).sum()) for f in FINAL_STATUSES],
                             "pending": int((~part["deadline_passed"].astype(bool)).sum()),
                             "projected": [int((part["projected_status"] == s).sum()) for s in PROJECTED_STATUSES],
                             "no_projection": int(part["projected_status"].isna().sum())})
            tables.append({"by": by, "rows": rows,
                           "caption": self.t("deadlines_by_quality") if by == "quality" else
                           self.t("deadlines_by_coalition")})
        passed = p["deadline_passed"].astype(bool)
        totals = {f: int((p["final_status"] == f).sum()) for f in FINAL_STATUSES}
        chart = self.chart(figures.deadline_bars(p, "coalition", self.coalition_names, self.lang,
                                                 self.t("deadline_chart_title")))
        return [self.render("deadlines.html.j2", tables=tables, totals=totals, passed=int(passed.sum()),
                            total=len(p), final_statuses=FINAL_STATUSES, projected_statuses=PROJECTED_STATUSES,
                            method_href=self.method_href()),
                chart]

    def territory_map(self) -> Fragment:
        c = self.results.compass
        return Fragment(france_map(self.results.territories, c[(c["scope"] == "territory") & (c["quality"] == "all")],
                                   self.lang, lambda ident: self.href("territory", ident), self.provenance()))

    def coverage(self) -> Fragment:
        p = self.results.progress
        table = p.assign(missing=p["status"] == "no_data").groupby("coalition").agg(
            targets=("status", "size"), missing=("missing", "sum")).reset_index()
        names = self.coalition_names
        rows = [{"href": self.href("coalition", r.coalition), "name": names.get(r.coalition, r.coalition),
                 "targets": r.targets, "missing": r.missing} for r in table.itertuples()]
        without = [names.get(c, c) for c in sorted(set(self.results.coalitions["id"]) - set(p["coalition"]))]
        return self.render("coverage.html.j2", rows=rows, without=without)

    def reporting(self) -> Fragment:
        """Completeness and timeliness per period and coalition (issue 26)."""
        from observatory.pages.reporting import reporting_table

        return reporting_table(self, by_coalition=True)

    def directory(self) -> Fragment:
        """Every coalition (by maturity) and every territory with data, linked to its page."""
        coalitions = self.results.coalitions
        maturities = []
        for maturity in vocabulary.MATURITIES:
            group = coalitions[coalitions["maturity"] == maturity]
            if not group.empty:
                maturities.append({"maturity": maturity, "coalitions": [
                    {"href": self.href("coalition", r["id"]), "name": self.name(r)}
                    for _, r in group.sort_values("id").iterrows()]})
        places = self.results.territories
        with_data = places[places["id"].isin(set(self.results.progress["territory"])
                                             | set(self.results.observations["territory"]))]
        # Grouped by level (country, régions… communes); a long group is folded, and a search box filters all
        # of them: the national site has hundreds of territories with figures.
        levels = []
        for level in vocabulary.TERRITORY_LEVELS:
            group = with_data[with_data["level"] == level]
            if group.empty:
                continue
            names = sorted(((i18n.place_name(r, self.lang), r["id"]) for _, r in group.iterrows()),
                           key=lambda pair: i18n.sort_key(pair[0]))
            levels.append({"title": i18n.name_of("level_plurals", level, self.lang),
                           "folded": len(names) > FOLDED_AFTER,
                           "places": [{"href": self.href("territory", ident, has_page=True), "name": name}
                                      for name, ident in names]})
        searchable = len(with_data) > FOLDED_AFTER
        return self.render("directory.html.j2", maturities=maturities, levels=levels, searchable=searchable,
                           script=asset("territory-search.js", compact=True) if searchable else "")
