"""The Self Data observatory's page: the state of portability, its change, the services, the coalition's targets."""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from observatory import figures, selfdata
from observatory.i18n import formatting
from observatory import results as results_module
from observatory.pages.base import Page
from observatory.pages.chart import Chart
from observatory.pages.coalition import CoalitionPage
from observatory.pages.markup import Fragment, esc, markdown, safe_url
from observatory.pages.render import asset


class SelfDataPage(Page):
    kind = "self-data"

    def __init__(self, results: results_module.Results, lang: str = "fr", links: str | None = None):
        super().__init__(results, lang, links)
        self.assessments = results.assessments
        has_coalition = results_module.SELF_DATA in set(results.coalitions["id"])
        # The coalition's own fragments, on this page: its charts numbered after this page's.
        self.coalition = (CoalitionPage(results, results_module.SELF_DATA, lang, links, chart_offset=100)
                          if has_coalition else None)

    @property
    def dates(self) -> list[pd.Timestamp]:
        return sorted(pd.to_datetime(self.assessments["date"]).dropna().unique())

    def day(self, date) -> str:
        return formatting.day(date, self.lang)

    def state(self) -> pd.DataFrame:
        """Each service's latest assessment."""
        if self.assessments.empty:
            return self.assessments
        latest = selfdata.state_at(self.assessments.assign(date=pd.to_datetime(self.assessments["date"])),
                                   self.dates[-1])
        return latest.merge(self.results.services, left_on="service", right_on="id", how="left")

    def header(self) -> Fragment:
        dates = ", ".join(self.day(d) for d in self.dates) or "—"
        intro = self.t("self_data_intro", services=len(self.results.services), dates=dates)
        return self.render("title_intro.html.j2", title=self.t("self_data_title"), intro=intro)

    def demonstration_notice(self) -> Fragment:
        if not self.fictitious_values()[0]:
            return Fragment("")
        return self.render("demonstration.html.j2", text=f"{self.fictitious_count()} {self.t('self_data_demonstration')}")

    def key_numbers(self) -> Fragment:
        state = self.state()
        if state.empty:
            return self.render("note.html.j2", text=self.t("register_empty"), class_="demo")
        # Where this assessment is the baseline of the coalition's own target, the target cannot show progress
        # yet: said under the figure, so the "no data" of the target does not contradict it.
        progress = self.results.progress
        baseline = bool(len(progress)) and bool(
            (pd.to_datetime(progress["baseline_date"]) == pd.Timestamp(self.dates[-1])).any())
        return self.render("key_numbers.html.j2", easy=int((state["difficulty"] == "easy").sum()), total=len(state),
                           date=self.dates[-1], baseline=baseline)

    def _counts(self, frame: pd.DataFrame, group: pd.Series) -> pd.DataFrame:
        counts = pd.crosstab(group, frame["difficulty"]).reindex(columns=list(selfdata.DIFFICULTIES), fill_value=0)
        return counts.reset_index().rename(columns={counts.index.name or "row_0": "group"}).rename(
            columns={group.name: "group"})

    def distribution(self) -> Fragment | Chart:
        state = self.state()
        if state.empty:
            return Fragment("")
        group = pd.Series([f"{self.t('assessed_on')} {self.day(self.dates[-1])}"] * len(state),
                          index=state.index, name="group")
        return self.chart(figures.difficulty_bars(self._counts(state, group), self.lang, esc(self.t("difficulty"))))

    def by_sector(self) -> Fragment | Chart:
        state = self.state()
        if state.empty:
            return Fragment("")
        if state["sector"].isna().all():
            return self.render("note.html.j2", title=self.t("sector"), text=self.t("sectors_missing"), class_="small")
        group = state["sector"].fillna("?").rename("group")
        return self.chart(figures.difficulty_bars(self._counts(state, group), self.lang, self.t("by_sector")))

    def change(self) -> list:
        if len(self.dates) < 2:
            only = self.day(self.dates[0]) if self.dates else "—"
            return [self.render("note.html.j2", text=self.t("one_assessment", date=only), class_="small")]
        typed = self.assessments.assign(date=pd.to_datetime(self.assessments["date"]))
        rows = []
        for date in self.dates:
            counts = selfdata.state_at(typed, date)["difficulty"].value_counts()
            rows.append({"group": self.day(date), **{d: int(counts.get(d, 0)) for d in selfdata.DIFFICULTIES}})
        names = {r["id"]: self.name(r) for _, r in self.results.indicators.iterrows()}
        shares = selfdata.shares(typed)
        shares = shares[shares["indicator"].isin(set(self.results.indicators["id"]))]
        return [self.chart(figures.difficulty_bars(pd.DataFrame(rows), self.lang, self.t("difficulty_over_time"))),
                self.chart(figures.shares_over_time(shares, names, self.lang))]

    def coalition_progress(self) -> list:
        """The coalition's compass and targets, when the data has the Self Data coalition; nothing otherwise."""
        return [self.coalition.compass(), self.coalition.targets_table()] if self.coalition else []

    def services_table(self) -> Fragment:
        """Every service with its latest assessment, searchable in the page (no server needed)."""
        state = self.state()
        if state.empty:
            return Fragment("")
        rows = []
        for _, row in state.sort_values("name", key=lambda s: s.str.lower()).iterrows():
            machine = row.get("machine_readable") or "unknown"
            rows.append({"name": row["name"], "url": safe_url(row.get("url")), "sector": row.get("sector") or "—",
                         "difficulty": row["difficulty"], "colour": figures.DIFFICULTY_COLOURS[row["difficulty"]],
                         "machine_readable": machine if machine in selfdata.ANSWERS else "unknown",
                         "notes": Markup(markdown(row.get("notes") or ""))})
        return self.render("services.html.j2", rows=rows, script=asset("service-search.js", compact=True))

    def register_method(self) -> Fragment:
        return self.render("note.html.j2", title=f"{self.t('method')} — {self.t('self_data')}",
                           text=self.t("register_method_text"))
