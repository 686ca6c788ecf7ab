"""Where a target is heading and where it stood at its deadline: checked against values computed by hand."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pandas as pd
import pytest

from observatory import projection
from observatory.results import compute
from observatory.validate import validated
from tests.conftest import FIXTURE_ROOT

START = pd.Timestamp("2020-01-01")


def day(n: int) -> pd.Timestamp:
    return START + pd.Timedelta(days=n)


def target(baseline: float, value: float, deadline: int, coalition: str = "c") -> pd.DataFrame:
    return pd.DataFrame({"coalition": [coalition], "indicator": ["i"], "territory": ["t"], "baseline_date": [START],
                         "baseline_value": [baseline], "target_date": [day(deadline)], "target_value": [value]})


def figures(*points: tuple[int, float], coalition=None) -> pd.DataFrame:
    return pd.DataFrame({"indicator": "i", "territory": "t", "coalition": coalition,
                         "date": pd.to_datetime([day(n) for n, _ in points]),
                         "value": pd.Series([float(v) for _, v in points], dtype="float64")})


def test_three_points_give_the_least_squares_line_and_its_80_percent_interval():
    # By hand: x = 0, 100, 200 days; y = 10, 14, 17. x̄ = 100, ȳ = 41/3, Sxx = 20000, Sxy = 700: slope 0.035,
    # intercept 41/3 − 3.5; at x0 = 400: 24.1667. Residuals −1/6, 1/3, −1/6: SSE = 1/6, s = √(1/6).
    # t(0.90; 1) = 3.0777 (tables); half-width = 3.0777 · s · √(1 + 1/3 + 300²/20000) = 3.0346.
    out = projection.projections(target(10, 30, 400), figures((100, 14), (200, 17)), pd.Series(["increase"]),
                                 today=dt.date(2020, 1, 2)).iloc[0]
    assert out["points"] == 3
    assert out["projected_value"] == pytest.approx(24.1667, abs=1e-4)
    assert out["projected_low"] == pytest.approx(24.1667 - 3.0346, abs=2e-3)
    assert out["projected_high"] == pytest.approx(24.1667 + 3.0346, abs=2e-3)
    assert out["projected_status"] == "likely_missed"  # the whole interval under 30, on a rising indicator
    assert not out["deadline_passed"] and out["final_status"] is None


def test_the_interval_holding_the_target_is_uncertain_and_a_falling_indicator_is_read_downwards():
    rising = projection.projections(target(10, 25, 400), figures((100, 14), (200, 17)), pd.Series(["increase"]),
                                    today=dt.date(2020, 1, 2)).iloc[0]
    assert rising["projected_status"] == "uncertain"  # 21.1–27.2 holds 25
    # The same figures, the other way round: y = 20 − (y − 10): the line falls to 5.8333, interval 2.8–8.9.
    falling = projection.projections(target(20, 10, 400), figures((100, 16), (200, 13)), pd.Series(["decrease"]),
                                     today=dt.date(2020, 1, 2)).iloc[0]
    assert falling["projected_value"] == pytest.approx(20 - 14.1667, abs=1e-4)
    assert falling["projected_status"] == "likely_reached"  # the whole interval under 10: better, downwards


def test_two_points_give_the_line_through_them_and_no_interval():
    # Falling: 100 at day 0, 80 at day 100: −0.2 a day; at day 300: 40, under the target 50: reached at this pace.
    out = projection.projections(target(100, 50, 300), figures((100, 80)), pd.Series(["decrease"]),
                                 today=dt.date(2020, 1, 2)).iloc[0]
    assert out["points"] == 2 and out["projected_value"] == pytest.approx(40.0)
    assert pd.isna(out["projected_low"]) and pd.isna(out["projected_high"])
    assert out["projected_status"] == "reached"
    rising = projection.projections(target(100, 50, 300), figures((100, 80)), pd.Series(["increase"]),
                                    today=dt.date(2020, 1, 2)).iloc[0]
    assert rising["projected_status"] == "missed"


def test_one_point_gives_no_projection():
    out = projection.projections(target(10, 30, 400), figures(), pd.Series(["increase"]),
                                 today=dt.date(2020, 1, 2)).iloc[0]
    assert out["points"] == 1 and pd.isna(out["projected_value"]) and out["projected_status"] is None


def test_a_figure_of_another_coalition_is_not_a_point_and_the_coalitions_own_wins_on_a_date():
    obs = pd.concat([figures((100, 14)), figures((100, 99), coalition="other"), figures((200, 17), coalition="c"),
                     figures((200, 50))], ignore_index=True)
    out = projection.projections(target(10, 30, 400), obs, pd.Series(["increase"]), today=dt.date(2020, 1, 2))
    assert out.iloc[0]["projected_value"] == pytest.approx(24.1667, abs=1e-4)


def test_a_passed_deadline_is_read_on_its_date_between_the_figures_around_it_or_from_the_last_one():
    today = dt.date(2030, 1, 1)
    on = projection.projections(target(10, 20, 300), figures((100, 12), (300, 21)), pd.Series(["increase"]), today)
    assert on.iloc[0][["final_value", "final_method", "final_status"]].tolist() == [21.0, "on_deadline", "reached"]
    # Between day 200 (16) and day 400 (24), the deadline at day 300: 20, which meets the target 20.
    between = projection.projections(target(10, 20, 300), figures((200, 16), (400, 24)), pd.Series(["increase"]),
                                     today).iloc[0]
    assert between["final_value"] == pytest.approx(20.0) and between["final_method"] == "interpolated"
    assert between["final_date"] == day(300) and between["final_status"] == "reached"
    before = projection.projections(target(10, 20, 300), figures((100, 12), (250, 18)), pd.Series(["increase"]),
                                    today).iloc[0]
    assert before[["final_value", "final_method", "final_status"]].tolist() == [18.0, "last_before", "missed"]
    assert before["final_date"] == day(250)
    none = projection.projections(target(10, 20, 300), figures(), pd.Series(["increase"]), today).iloc[0]
    assert none["final_status"] == "not_assessable" and pd.isna(none["final_value"])
    ahead = projection.projections(target(10, 20, 300), figures((100, 12)), pd.Series(["increase"]),
                                   dt.date(2020, 6, 1)).iloc[0]
    assert not ahead["deadline_passed"] and ahead["final_status"] is None


@pytest.fixture(scope="module")
def fixture_results():
    return compute(validated(FIXTURE_ROOT))


def test_the_disclosure_gives_the_numbers_of_the_targets_csv(fixture_results):
    from observatory.dashboard import coalition_page
    from observatory.i18n import formatting
    from observatory.results import table_csv
    from observatory.results.csvfiles import read_table
    import io

    published = read_table(io.BytesIO(table_csv("progress", fixture_results.progress)), "progress")
    row = published.dropna(subset=["pace_ratio"]).query("status != 'achieved'").iloc[0]
    page = coalition_page(row["coalition"], "en", root=str(FIXTURE_ROOT))
    html = page.targets_table()._repr_html_()
    assert "How this status is decided" in html
    pace = formatting.number(round(float(row["pace_ratio"]), 2), "en")
    assert f"= {pace}" in html, pace
    assert formatting.percent(row["progress"], "en") in html
    assert formatting.percent(row["time_elapsed"], "en") in html
    if isinstance(row["projected_status"], str):
        assert re.search(r"Projection to [^<]*: ", html)


def test_the_chart_draws_the_projection_dashed_with_its_band_and_says_it(fixture_results):
    from observatory.dashboard import coalition_page

    progress = fixture_results.progress
    with_interval = progress.dropna(subset=["projected_low"])
    if with_interval.empty:
        pytest.skip("no target of the fixture root has three points")
    row = with_interval.iloc[0]
    page = coalition_page(row["coalition"], "en", root=str(FIXTURE_ROOT))
    charts = [c for c in page.timelines() if hasattr(c, "spec")]
    spec = next(c for c in charts if any("Projection to" in str(tr.get("name")) for tr in c.spec["data"]))
    dashed = [tr for tr in spec.spec["data"] if "Projection to" in str(tr.get("name"))]
    assert dashed[0]["line"]["dash"] == "dash"
    assert any(tr.get("fill") == "toself" and "80 % prediction interval" in tr["name"] for tr in spec.spec["data"])
    assert "Projection to" in spec.summary and "80 % prediction interval" in spec.summary


def test_the_method_page_works_its_example_with_the_projections_own_numbers(built_site):
    """The site's method page (both languages, linked from every page's footer) gives the worked example's
    numbers as observatory.projection computes them: 10, 14, 17 at days 0, 100, 200 → 24.17 at day 400,
    80 % interval 21.13 to 27.2 (by hand: see the first test), the target 25 inside it: uncertain."""
    french = (built_site / "methode.html").read_text(encoding="utf-8")
    english = (built_site / "en" / "method.html").read_text(encoding="utf-8")
    assert "ŷ = 24,17" in french and "21,13 à 27,2" in french and "« Incertaine »" in french
    assert "ŷ = 24.17" in english and "21.13 to 27.2" in english and "“Uncertain”" in english
    assert 't(0.90; 1) = 3.078' in english
    dashboard = (built_site / "en" / "coalitions" / "alpha.html").read_text(encoding="utf-8")
    assert 'href="../method.html">Method</a>' in dashboard
    assert 'href="methode.html">Méthode</a>' in (built_site / "index.html").read_text(encoding="utf-8")


def test_the_cached_results_are_computed_again_the_day_after(root_copy, tmp_path, monkeypatch):
    """A target's assessment at its deadline appears once the deadline has passed (by today's date): the results
    kept in the cache for an unchanged root are not those of another day."""
    import observatory.projection
    import observatory.sitedata as sitedata
    from observatory.validate import validated

    monkeypatch.setenv("OBSERVATORY_CACHE_DIR", str(tmp_path / "cache"))

    def on(day: dt.date):
        # datetime as the cache key and the projection see it, on a day of our choosing
        clock = SimpleNamespace(date=SimpleNamespace(today=lambda: day))
        monkeypatch.setattr(sitedata, "_dt", clock)
        monkeypatch.setattr(observatory.projection, "_dt", clock)
        computed = []
        results, _ = sitedata.computed(validated(root_copy), before_computing=lambda: computed.append(day))
        return computed, results.progress

    first, before = on(dt.date(2022, 6, 1))
    again, _ = on(dt.date(2022, 6, 1))
    later, after = on(dt.date(2030, 1, 1))
    assert first and not again, "an unchanged root on the same day comes from the cache"
    assert later, "the next day's results are computed again"
    assert before["deadline_passed"].sum() < after["deadline_passed"].sum()
