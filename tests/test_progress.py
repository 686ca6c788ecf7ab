"""Progress toward targets: every status and the edge cases of the method."""

from __future__ import annotations

import pandas as pd
import pytest

from observatory.progress import compute_progress, summarise
from observatory.validate import validated
from tests.conftest import FIXTURE_ROOT


@pytest.fixture(scope="module")
def progress() -> pd.DataFrame:
    return compute_progress(validated(FIXTURE_ROOT))


def target(progress: pd.DataFrame, coalition: str, indicator: str, territory: str) -> pd.Series:
    rows = progress[(progress.coalition == coalition) & (progress.indicator == indicator)
                    & (progress.territory == territory)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_achieved_when_latest_meets_target(progress):
    row = target(progress, "alpha", "people-trained", "rennes")
    assert row.status == "achieved"
    assert row.latest_value == 520
    assert row.latest_date == pd.Timestamp("2022-06-30")
    assert row.progress == pytest.approx((520 - 100) / (500 - 100))


def test_on_track_from_a_year_only_date(progress):
    # "2021" counts as 2021-12-31: 731 of 1096 days elapsed, expected 3.667, moved 0.7 → R = 1.05
    row = target(progress, "alpha", "device-lifetime", "bretagne")
    assert row.latest_date == pd.Timestamp("2021-12-31")
    assert row.expected_value == pytest.approx(3.0 + 1.0 * 731 / 1096)
    assert row.pace_ratio == pytest.approx(0.7 / (731 / 1096))
    assert row.status == "on_track"


def test_moderate_for_a_decrease_indicator_from_territory_wide_rows(progress):
    row = target(progress, "alpha", "illectronism-rate", "bretagne")
    assert row.direction == "decrease"
    assert row.latest_value == 14.5  # the territory-wide row, no coalition
    assert row.progress == pytest.approx((14.5 - 17) / (11 - 17))
    assert row.pace_ratio == pytest.approx(-2.5 / (-6 * 731 / 1096))
    assert row.status == "moderate"


def test_limited_from_a_zero_baseline(progress):
    row = target(progress, "alpha", "easy-data-copy-share", "fr")
    assert row.baseline_value == 0
    assert row.progress == pytest.approx(0.2)
    # measured on the target date itself: expected is the target
    assert row.expected_value == pytest.approx(50)
    assert row.status == "limited"


def test_deterioration_when_measured_past_the_target_date(progress):
    row = target(progress, "alpha", "people-trained", "bretagne")
    assert row.latest_date == pd.Timestamp("2023-03-31")
    assert row.expected_value == pytest.approx(400)  # past the target date: the target itself
    assert row.pace_ratio == pytest.approx(-20 / 200)
    assert row.status == "deterioration"


def test_an_observation_dated_at_the_baseline_is_not_progress(progress):
    row = target(progress, "alpha", "device-lifetime", "rennes")
    assert row.status == "no_data"
    assert pd.isna(row.latest_value) and pd.isna(row.progress)


def test_another_coalitions_figures_are_not_used(progress):
    row = target(progress, "beta", "people-trained", "rennes")
    assert row.status == "no_data"


def test_own_figure_wins_over_territory_wide_on_the_same_date(root_copy):
    obs = root_copy / "data" / "observations" / "figures.csv"
    with obs.open("a") as f:
        f.write("illectronism-rate,bretagne,2021-12-31,12,alpha,Coalition,own figure\n")
    row = target(compute_progress(validated(root_copy)), "alpha", "illectronism-rate", "bretagne")
    assert row.latest_value == 12


@pytest.mark.parametrize("pace,expected", [(0.95, "on_track"), (0.949, "moderate"), (0.6, "moderate"),
                                           (0.599, "limited"), (0.0, "limited"), (-0.01, "deterioration")])
def test_status_thresholds(root_copy, pace, expected):
    # baseline 0 → target 100 over 2020-01-01..2021-01-01 (366 days), measured at the midpoint
    (root_copy / "data" / "coalitions" / "beta.yml").write_text(
        "id: beta\nname: {fr: B, en: B}\naxes: []\nmaturity: promo-1\nlevers: []\nleads: []\npartners: []\n"
        "territories: []\nintention: x\ntargets:\n  - {indicator: people-trained, territory: fr, "
        "baseline: {date: 2020-01-01, value: 0}, target: {date: 2021-01-01, value: 100}}\n")
    value = 100 * 183 / 366 * pace
    with (root_copy / "data" / "observations" / "figures.csv").open("a") as f:
        f.write(f"people-trained,fr,2020-07-02,{value!r},beta,,\n")
    row = target(compute_progress(validated(root_copy)), "beta", "people-trained", "fr")
    assert row.pace_ratio == pytest.approx(pace)
    assert row.status == expected


def test_summary_counts_and_clipped_mean(progress):
    summary = summarise(progress)
    programme = summary[(summary.scope == "programme") & (summary.quality == "all")].iloc[0]
    assert programme.targets == 7
    assert (programme.achieved, programme.on_track, programme.moderate, programme.limited,
            programme.deterioration, programme.no_data) == (1, 1, 1, 1, 1, 2)
    capacitant = summary[(summary.scope == "coalition") & (summary.scope_id == "alpha")
                         & (summary.quality == "capacitant")].iloc[0]
    # progress 1.05 and -0.1, clipped to 1 and 0
    assert capacitant.mean_progress == pytest.approx(0.5)
    rennes = summary[(summary.scope == "territory") & (summary.scope_id == "rennes") & (summary.quality == "all")]
    assert rennes.iloc[0].targets == 3
