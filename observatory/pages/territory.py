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

    def more_key_figures(self) -> str:
        return f", {len(self.results.observations)} figures"

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
        """Figures about the territory itself (no coalition), one chart per indicator."""
        obs = self.results.observations
        wide = obs[obs["coalition"].isna()]
        indicators = self.results.indicators.set_index("id")
        out = []
        for indicator, series in wide.groupby("indicator", sort=True):
            fig = figures.timeline(series, self.results.progress.iloc[0:0], indicators.loc[indicator],
                                   i18n.place_name(self.profile, self.lang), self.lang)
            out.append(self.chart(fig))
        return out or [self.render("note.html.j2", text="—", class_="small")]

    def siblings(self) -> Fragment:
        c = self.results.compass
        near = results_module.siblings(self.results.territories, self.ident)
        stats = c[(c["scope"] == "territory") & (c["quality"] == "all")].set_index("scope_id")
        rows = []
        for _, place in near.iterrows():
            if place["id"] in stats.index:
                s = stats.loc[place["id"]]
                rows.append({"name": i18n.place_name(place, self.lang), "targets": int(s["targets"]),
                             "good": int(s["achieved"] + s["on_track"]), "mean": s["mean_progress"]})
            else:
                rows.append({"name": i18n.place_name(place, self.lang), "targets": 0, "good": 0, "mean": float("nan")})
            rows[-1]["here"] = place["id"] == self.ident
        rows.sort(key=lambda r: (-(r["mean"] if not math.isnan(r["mean"]) else -1), i18n.sort_key(r["name"])))
        return self.render("siblings.html.j2", rows=rows)
