"""A coalition's page: its profile, compass, targets and their timelines."""

from __future__ import annotations

from observatory import i18n
from observatory.pages.base import ProfilePage


class CoalitionPage(ProfilePage):
    kind = "coalition"
    table = "coalitions"

    def title(self) -> str:
        return self.name(self.profile)

    def reporting(self):
        """Completeness and timeliness of this coalition per period (issue 26)."""
        from observatory.pages.reporting import reporting_table

        return reporting_table(self, by_coalition=False)

    def facts(self) -> list[dict]:
        p, lang = self.profile, self.lang
        places = self.territory_names
        return [
            self.fact(self.t("maturity"),
                      [i18n.name_of("maturity_names", p["maturity"], lang)] if p["maturity"] else []),
            self.fact(self.t("axes"), [i18n.name_of("axis_names", a, lang) for a in p["axes"]]),
            self.fact(self.t("levers"), [i18n.name_of("lever_names", lv, lang) for lv in p["levers"]]),
            self.fact(self.t("leads"), list(p["leads"])),
            self.fact(self.t("partners"), list(p["partners"])),
            self.fact(self.t("territories"), [(self.href("territory", x), places.get(x, x)) for x in p["territories"]]),
        ]
