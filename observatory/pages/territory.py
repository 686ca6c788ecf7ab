"""A territory's page: its profile, compass, targets, its own figures and its place among its siblings."""

from __future__ import annotations

import math

from observatory import figures, i18n
from observatory import results as results_module
from observatory.pages.base import ProfilePage
from observatory.pages.markup import Fragment

CODES = (("code_insee", "INSEE"), ("siren", "SIREN"), ("iso_3166", "ISO 3166"))


class TerritoryPage(ProfilePage):
    kind = "territory"
    table = "territories"

    def title(self) -> str:
        return i18n.place_name(self.profile, self.lang)

    def facts(self) -> list[dict]:
        p = self.profile
        names = self.coalition_names
        facts = [
            self.fact(self.t("territory"), [i18n.name_of("level_names", p["level"], self.lang)]),
            self.fact(self.t("codes"), [f"{label} {p[c]}" for c, label in CODES if p.get(c)], sep=" · "),
            self.fact(self.t("coalitions"), [(self.href("coalition", c), names[c])
                                             for c in sorted(names, key=lambda c: i18n.sort_key(names[c]))]),
        ]
        if p.get("parent"):
            # A link to the parent's page where the site has one; "part of" in words, not a bare "⊂".
            facts.insert(1, self.fact(self.t("part_of"), [(self.href("territory", p["parent"]),
                                                           self.territory_names.get(p["parent"], p["parent"]))]))
        return facts

    def territory_wide(self) -> list:
        """Under a heading, figures about the territory itself (no coalition), one chart per indicator."""
        obs = self.results.observations
        wide = obs[obs["coalition"].isna()]
        indicators = self.results.indicators.set_index("id")
        out = [self.section(self.t("territory_figures"), self.t("territory_figures_intro"))]
        for indicator, series in wide.groupby("indicator", sort=True):
            fig = figures.timeline(series, self.results.progress.iloc[0:0], indicators.loc[indicator],
                                   i18n.place_name(self.profile, self.lang), self.lang)
            out.append(self.chart(fig))
        if len(out) == 1:
            out.append(self.render("note.html.j2", text=self.t("no_territory_figures"), class_="small"))
        return out

    def siblings(self) -> Fragment:
        """How the territory compares with the others of its level and parent that have targets (those without
        are counted, not listed: a région's page would otherwise list every région)."""
        c = self.results.compass
        near = results_module.siblings(self.results.territories, self.ident)
        stats = c[(c["scope"] == "territory") & (c["quality"] == "all")].set_index("scope_id")
        rows, without = [], 0
        for _, place in near.iterrows():
            targets = int(stats.loc[place["id"], "targets"]) if place["id"] in stats.index else 0
            here = place["id"] == self.ident
            if not targets and not here:
                without += 1
                continue
            s = stats.loc[place["id"]] if targets else None
            good = int(s["achieved"] + s["on_track"]) if targets else 0
            rows.append({"name": i18n.place_name(place, self.lang), "targets": targets,
                         # a territory with targets has a page
                         "href": None if here else self.href("territory", place["id"], has_page=True),
                         "share": good / targets if targets else float("nan"),
                         "mean": s["mean_progress"] if targets else float("nan"), "here": here})
        rows.sort(key=lambda r: (-(r["mean"] if not math.isnan(r["mean"]) else -1), i18n.sort_key(r["name"])))
        note = (self.t("siblings_none") if len(rows) == 1 else None,
                self.t("siblings_without_one") if without == 1 else
                self.t("siblings_without", count=without) if without else None)
        return self.render("siblings.html.j2", rows=rows if len(rows) > 1 else [], notes=[n for n in note if n])
