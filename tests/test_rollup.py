"""Figures rolled up from communes to their EPCI, département, région: only where the parts make up the whole."""

from __future__ import annotations

import pandas as pd
import pytest

from observatory.rollup import roll_up
from tests.conftest import FIXTURE_ROOT

# An EPCI of three communes in a département that holds it alone, in a région holding that département alone.
TERRITORIES = pd.DataFrame([
    ("bzh", "region", None, "600"), ("d35", "departement", "bzh", "600"), ("epci", "epci", "d35", "600"),
    ("a", "commune", "epci", "100"), ("b", "commune", "epci", "200"), ("c", "commune", "epci", "300"),
], columns=["id", "level", "parent", "population"])
INDICATORS = pd.DataFrame([("trained", "sum"), ("rate", "weighted-mean"), ("score", "mean"), ("best", "max"),
                           ("plain", None)], columns=["id", "aggregation"])
COLUMNS = ["indicator", "territory", "coalition", "date_text", "date", "value", "source", "comment", "file", "row",
           "dataset", "demonstration"]


def observations(*rows, date="2021-12-31", file="data/observations/communes.csv", demonstration=False):
    return pd.DataFrame([{
        "indicator": indicator, "territory": territory, "coalition": coalition, "date_text": date,
        "date": pd.Timestamp(date), "value": float(value), "source": "relevé", "comment": None, "file": file,
        "row": i + 2, "dataset": file.rsplit("/", 1)[-1][:-4], "demonstration": demonstration}
        for i, (indicator, territory, value, *rest) in enumerate(rows) for coalition in [rest[0] if rest else None]],
        columns=COLUMNS)


def computed(frame, territories=TERRITORIES) -> dict:
    out = roll_up(frame, territories, INDICATORS)
    return {(r.indicator, r.territory): r.value for r in out.itertuples()}


def test_a_sum_rolls_up_level_by_level_to_the_whole():
    frame = observations(("trained", "a", 10), ("trained", "b", 20), ("trained", "c", 30))
    assert computed(frame) == {("trained", "epci"): 60, ("trained", "d35"): 60, ("trained", "bzh"): 60}
    out = roll_up(frame, TERRITORIES, INDICATORS)
    assert set(out["file"]) == {"data/observations/communes.csv (roll-up)"}  # flagged as computed, not doubled
    assert sorted(out["row"]) == [1, 2, 3]  # the package's key (file, row) stays unique
    assert out.iloc[0]["source"] == "somme de 3 territoires"


def test_a_rate_is_weighted_by_population_and_a_mean_is_not():
    frame = observations(("rate", "a", 10), ("rate", "b", 40), ("rate", "c", 70),
                         ("score", "a", 10), ("score", "b", 40), ("score", "c", 70),
                         ("best", "a", 10), ("best", "b", 40), ("best", "c", 70))
    figures = computed(frame)
    assert figures[("rate", "epci")] == pytest.approx((10 * 100 + 40 * 200 + 70 * 300) / 600)  # 50
    assert figures[("score", "epci")] == pytest.approx(40)
    assert figures[("best", "epci")] == 70


def test_a_whole_missing_a_part_gets_nothing():
    """Two communes of three are not the EPCI: no figure rather than a wrong one."""
    assert computed(observations(("trained", "a", 10), ("trained", "b", 20))) == {}


def test_a_territorys_own_figure_is_kept():
    frame = observations(("trained", "a", 10), ("trained", "b", 20), ("trained", "c", 30), ("trained", "epci", 99))
    assert computed(frame) == {("trained", "d35"): 99, ("trained", "bzh"): 99}  # rolled up from the EPCI's own


def test_nothing_rolls_up_without_populations_or_an_aggregation_or_across_dates_or_datasets():
    frame = observations(("trained", "a", 10), ("trained", "b", 20), ("trained", "c", 30))
    assert computed(frame, TERRITORIES.assign(population=None)) == {}
    assert computed(frame, TERRITORIES.drop(columns="population")) == {}
    # a hand-written table: the parts listed don't make up the whole
    assert computed(frame, TERRITORIES.assign(population=TERRITORIES["population"].replace({"600": "900"}))) == {}
    assert computed(observations(("plain", "a", 1), ("plain", "b", 2), ("plain", "c", 3))) == {}
    other_date = pd.concat([observations(("trained", "a", 10), ("trained", "b", 20)),
                            observations(("trained", "c", 30), date="2022-12-31")])
    assert computed(other_date) == {}
    two_files = pd.concat([observations(("trained", "a", 10), ("trained", "b", 20)),
                           observations(("trained", "c", 30), file="data/observations/other.csv")])
    assert computed(two_files) == {}


def test_coalitions_roll_up_apart_and_demonstration_values_stay_flagged():
    frame = pd.concat([observations(("trained", "a", 1, "alpha"), ("trained", "b", 2, "alpha"),
                                    ("trained", "c", 3, "alpha")),
                       observations(("trained", "a", 10), ("trained", "b", 20), ("trained", "c", 30),
                                    demonstration=True)])
    out = roll_up(frame, TERRITORIES, INDICATORS)
    epci = out[out["territory"] == "epci"].set_index(out[out["territory"] == "epci"]["coalition"].fillna("-"))
    assert epci.loc["alpha", "value"] == 6 and not epci.loc["alpha", "demonstration"]
    assert epci.loc["-", "value"] == 60 and epci.loc["-", "demonstration"]


def test_an_epci_over_two_departements_leaves_no_departement_without_its_figure():
    """An EPCI's parent is one département, yet its communes may lie in two: each département then gets the sum of
    its own communes (found by their INSEE code), and the région and France get theirs."""
    territories = pd.DataFrame([
        ("fr", "country", None, "", "500"), ("r", "region", "fr", "", "500"),
        ("d1", "departement", "r", "01", "300"), ("d2", "departement", "r", "02", "200"),
        ("e", "epci", "d1", "", "200"),  # its communes: one in d1, one in d2
        ("c1", "commune", "e", "01001", "100"), ("c2", "commune", "e", "02001", "100"),
        ("c3", "commune", "d1", "01002", "200"), ("c4", "commune", "d2", "02002", "100"),
    ], columns=["id", "level", "parent", "code_insee", "population"])
    frame = observations(("trained", "c1", 10), ("trained", "c2", 20), ("trained", "c3", 30), ("trained", "c4", 40),
                         ("rate", "c1", 10), ("rate", "c2", 20), ("rate", "c3", 30), ("rate", "c4", 40))
    figures = computed(frame, territories)
    assert {t: v for (i, t), v in figures.items() if i == "trained"} == \
        {"e": 30, "d1": 40, "d2": 60, "r": 100, "fr": 100}
    assert figures[("rate", "d1")] == pytest.approx((10 * 100 + 30 * 200) / 300)
    assert figures[("rate", "fr")] == pytest.approx((10 * 100 + 20 * 100 + 30 * 200 + 40 * 100) / 500)
    out = roll_up(frame, territories, INDICATORS)
    assert sorted(out["row"]) == list(range(1, len(out) + 1))  # one file, rows numbered once
    # Without the INSEE codes nothing says where the communes lie: no département gets a figure.
    assert {t for (i, t) in computed(frame, territories.drop(columns="code_insee"))} == {"e"}


def _rolled_up_root(root_copy):
    """The fixture root with populations, and two communes' figures that roll up to Rennes Métropole."""
    data = root_copy / "data"
    territories = (data / "territories.csv").read_text(encoding="utf-8").splitlines()
    territories[0] += ",population"
    populations = {"rennes-metropole": "400", "rennes": "300"}
    territories = [territories[0]] + [line + "," + populations.get(line.split(",")[0], "") for line in territories[1:]]
    territories.append("cesson,Cesson-Sévigné,commune,rennes-metropole,35051,,,100")
    (data / "territories.csv").write_text("\n".join(territories) + "\n", encoding="utf-8")
    (data / "observations" / "communes.csv").write_text(
        "indicator,territory,date,value,source\n"
        "people-trained,rennes,2021-12-31,30,relevé\npeople-trained,cesson,2021-12-31,12,relevé\n", encoding="utf-8")
    assert "aggregation: sum" in (FIXTURE_ROOT / "indicators" / "capacitant" / "people-trained.yml").read_text()
    return root_copy


def test_a_rolled_up_figure_reaches_the_territorys_page(root_copy):
    """End to end: populations in territories.csv, communes' figures in a file; the EPCI's page shows the sum,
    and says it was computed."""
    from observatory import dashboard

    page = dashboard.territory_page("rennes-metropole", "fr", root=str(_rolled_up_root(root_copy)))
    rows = page.results.observations
    rolled = rows[rows["file"] == "data/observations/communes.csv (roll-up)"]
    assert list(rolled["value"]) == [42] and list(rolled["territory"]) == ["rennes-metropole"]
    assert "somme de 2 territoires" in "".join(str(chart) for chart in page.territory_wide())


DAY_MS = 86_400_000


def finest_tick_ms(xaxis: dict) -> float:
    """The smallest step between two ticks of a plotly date axis as the figure sets it (infinite for one
    tick); an axis left to plotly's autorange may tick anything, down to fractions of a millisecond."""
    if xaxis.get("tickmode") == "array":
        ticks = sorted(pd.Timestamp(v) for v in xaxis["tickvals"])
        assert all(tick == tick.normalize() for tick in ticks)  # each tick a day, at midnight
        steps = [(b - a).total_seconds() * 1000 for a, b in zip(ticks, ticks[1:])]
        return min(steps, default=float("inf"))
    assert "dtick" in xaxis, f"ticks left to plotly: {xaxis}"
    return float(xaxis["dtick"])


def test_a_page_with_one_rolled_up_figure_ticks_its_date_and_nothing_finer_than_a_day(root_copy):
    """A territory with a single figure (one date): plotly, left to itself, ticked "23:59:59.9995"."""
    from observatory import dashboard, figures

    page = dashboard.territory_page("rennes-metropole", "fr", root=str(_rolled_up_root(root_copy)))
    [chart] = [part for part in page.territory_wide() if hasattr(part, "spec")]
    xaxis = chart.spec["layout"]["xaxis"]
    assert xaxis["tickvals"] == ["2021-12-31"] and xaxis["ticktext"] == ["2021-12-31"]
    assert finest_tick_ms(xaxis) >= DAY_MS
    first, last = (pd.Timestamp(v) for v in xaxis["range"])
    assert first < pd.Timestamp("2021-12-31") < last and last - first >= pd.Timedelta(days=2)
    # Two dates two days apart: a tick a day, not hours.
    frame = observations(("trained", "a", 1), ("trained", "a", 2), date="2021-12-29")
    frame.loc[1, "date"] = pd.Timestamp("2021-12-31")
    indicator = pd.Series({"unit": "personnes", "name_fr": "Formés", "name_en": "Trained"})
    near = figures.timeline(frame, frame.iloc[0:0], indicator, "A").to_plotly_json()["layout"]["xaxis"]
    assert finest_tick_ms(near) == DAY_MS and near["tickformat"] == "%Y-%m-%d"
    # Years apart: plotly's own ticks (months or years) are kept.
    frame.loc[1, "date"] = pd.Timestamp("2024-12-31")
    assert "dtick" not in figures.timeline(frame, frame.iloc[0:0], indicator, "A").to_plotly_json()["layout"].get(
        "xaxis", {})


def test_a_timeline_draws_figures_without_the_demonstration_column():
    from observatory import figures

    # A workbench user may chart a selection of the observations' columns (root.chart("timeline", frame)).
    frame = observations(("trained", "a", 1), ("trained", "a", 2), date="2021-12-29").drop(columns=["demonstration"])
    frame.loc[1, "date"] = pd.Timestamp("2021-12-31")
    indicator = pd.Series({"unit": "personnes", "name_fr": "Formés", "name_en": "Trained"})
    [line] = figures.timeline(frame, frame.iloc[0:0], indicator, "A").data
    assert list(line.y) == [1.0, 2.0] and line.line.dash is None  # measured figures: one plain line
