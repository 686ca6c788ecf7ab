"""The reporting cycle (issue 26): the programme file, and per coalition and period the figures expected,
received on time, late, missing — in `observatory status`, on the programme's and the coalition's pages."""

from __future__ import annotations

import datetime as dt

import pytest

from observatory import reporting
from tests.helpers import write_csv

UTC = dt.timezone.utc


def programme(root, text: str) -> None:
    (root / "data" / "programme.yml").write_text(text, encoding="utf-8")


def test_a_wrong_programme_file_is_named_key_by_key(root_copy, cli):
    programme(root_copy, "reporting:\n  frequency: monthly\n  due_days: -3\n  periods:\n    '2025-S1': {due: 2025-05-01}\n"
                         "review: perhaps\nsubmission_url: ftp://x\nmail: {host: smtp.example.org, user: me}\n"
                         "colour: blue\n")
    code, _, err = cli("validate", "--root", root_copy, "--no-cache")
    assert code == 1
    for expected in [
        "data/programme.yml, key 'reporting.frequency': found 'monthly', expected one of yearly, half-yearly",
        "data/programme.yml, key 'reporting.due_days': found '-3', expected a whole number of days",
        "data/programme.yml, key 'reporting.periods.2025-S1': found '2025-S1', expected a period",
        "data/programme.yml, key 'review': found 'perhaps', expected true or false",
        "data/programme.yml, key 'submission_url': found 'ftp://x', expected the address of the submission page",
        "data/programme.yml, key 'mail.sender': found (empty), expected this required key",
        "data/programme.yml, key 'mail.password_env': found (empty), expected the name of the environment variable",
        "data/programme.yml, key 'colour': found 'colour', expected one of the known keys",
    ]:
        assert expected in err, (expected, err)


def test_periods_and_due_dates():
    yearly = reporting.Programme(due_days=90, closing_days=180, overrides={"2024": {"due": dt.date(2025, 2, 1)}})
    p = yearly.period("2025")
    assert (p.start, p.end, p.due, p.closes) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31), dt.date(2026, 3, 31),
                                                 dt.date(2026, 6, 29))
    assert yearly.period("2024").due == dt.date(2025, 2, 1)
    assert [x.id for x in yearly.periods_between(dt.date(2019, 12, 31), dt.date(2022, 6, 30))] == \
        ["2020", "2021", "2022"]
    halves = reporting.Programme(frequency="half-yearly")
    assert [x.id for x in halves.periods_between(dt.date(2020, 6, 30), dt.date(2021, 12, 31))] == \
        ["2020-S2", "2021-S1", "2021-S2"]
    with pytest.raises(ValueError, match="expected a half-year"):
        halves.period("2025")


def test_completeness_and_timeliness_per_coalition_and_period(root_copy, cli):
    """alpha's 2022 figures: one imported before the due date (on time), one after (late); the rest missing."""
    from observatory.submissions import import_file

    programme(root_copy, "reporting: {frequency: yearly, due_days: 90}\n")
    before = reporting.status(root_copy, "2022")[0].set_index("coalition").loc["alpha"]
    assert (before.expected, before.received, before.missing) == (6, 2, 4)  # six targets span 2022
    on_time = write_csv(root_copy.parent / "on-time.csv", [["indicator", "territory", "date", "value"],
                                                            ["device-lifetime", "bretagne", "2022", "3.9"]])
    import_file(root_copy, on_time, "alpha", now=dt.datetime(2023, 3, 31, 23, 0, tzinfo=UTC))  # the due date
    late = write_csv(root_copy.parent / "late.csv", [["indicator", "territory", "date", "value"],
                                                     ["illectronism-rate", "bretagne", "2022-12-31", "13"]])
    import_file(root_copy, late, "alpha", now=dt.datetime(2023, 4, 1, 8, 0, tzinfo=UTC))
    summary, figures, _ = reporting.status(root_copy, "2022")
    row = summary.set_index("coalition").loc["alpha"]
    assert (row.expected, row.received, row.on_time, row.late, row.missing) == (6, 4, 3, 1, 2)
    assert row.due.date() == dt.date(2023, 3, 31)
    states = figures.set_index(["indicator", "territory"])["state"]
    assert states[("device-lifetime", "bretagne")] == "on_time"
    assert states[("illectronism-rate", "bretagne")] == "late"
    # the baseline's own figure (device-lifetime × rennes, dated at the baseline) is not 2020's report
    assert reporting.status(root_copy, "2020")[1].set_index(["coalition", "indicator", "territory"])["state"][
        ("alpha", "device-lifetime", "rennes")] == "missing"

    code, out, _ = cli("status", "--root", root_copy, "--period", "2022")
    assert code == 0
    assert "alpha      2022    2023-03-31" in out
    assert "late: alpha — illectronism-rate × bretagne (received 2023-04-01T08:00:00+00:00)" in out
    assert "missing: alpha — people-trained × rennes" not in out  # 2022-06-30 is alpha's 2022 figure
    code, _, err = cli("status", "--root", root_copy, "--period", "2022-S1")
    assert code == 1 and "--period: found '2022-S1', expected a year" in err


def test_the_pages_show_the_table(root_copy):
    from observatory import dashboard

    page = dashboard.programme_page("en", root=str(root_copy), links="")
    html = page.reporting()._repr_html_()
    assert "Reporting by period" in html and "Alpha coalition" in html and "Beta coalition" in html
    coalition = dashboard.coalition_page("alpha", "fr", root=str(root_copy))
    html = coalition.reporting()._repr_html_()
    assert "Déclarations par période" in html and "Manquants" in html and "Bêta" not in html


def test_a_target_says_whether_it_expects_figures_each_period(root_copy, cli):
    alpha = root_copy / "data" / "coalitions" / "alpha.yml"
    text = alpha.read_text(encoding="utf-8")
    # the territory-wide rate comes from Insee: nothing to ask the coalition for
    alpha.write_text(text.replace("  - indicator: illectronism-rate\n    territory: bretagne\n",
                                  "  - indicator: illectronism-rate\n    territory: bretagne\n    reporting: none\n"),
                     encoding="utf-8")
    row = reporting.status(root_copy, "2022")[0].set_index("coalition").loc["alpha"]
    assert (row.expected, row.missing) == (5, 3)
    alpha.write_text(text.replace("    territory: rennes\n", "    territory: rennes\n    reporting: sometimes\n", 1),
                     encoding="utf-8")
    code, _, err = cli("validate", "--root", root_copy, "--no-cache")
    assert code == 1 and "data/coalitions/alpha.yml, key 'targets[0].reporting': found 'sometimes', expected " \
                         "one of each-period, none" in err
