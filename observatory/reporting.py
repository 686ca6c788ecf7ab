"""The reporting cycle: the programme's periods and due dates, and who has sent what (issue 26).

The programme file (``data/programme.yml``, optional) says how often coalitions report and when::

    reporting:
      frequency: yearly        # or half-yearly (periods 2025-S1, 2025-S2)
      due_days: 90             # a period's figures are due this many days after its end (default 90)
      closing_days: 180        # optional: after this many days the period is closed (late entry: reviewed)
      periods:                 # optional: one period's own dates
        "2025": {due: 2026-03-31, closes: 2026-06-30}
    review: false              # true: a lead's submission waits for the team's approval (observatory.review)
    show_pending: false        # true: pages show figures awaiting review, marked « provisoire, en cours de revue »
    submission_url: https://observatoire.example.org/live/voila/render/submit.ipynb
    mail: {host: smtp.example.org, port: 587, starttls: true, user: observatoire, password_env: SMTP_PASSWORD,
           sender: observatoire@example.org}

Every target expects one figure of its indicator and territory per period between its baseline and its
deadline. A figure is *received* when the coalition (or a territory-wide source) has one dated inside the
period; *on time* when it was imported (``data/history.csv``'s ``recorded_at``, the time the lead sent it) on
or before the due date — a figure put in the files by hand has no import time and counts as on time; *late*
otherwise; *missing* when there is none. Nothing here depends on today's date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from observatory import root_paths
from observatory.errors import InvalidDataRoot, Problem, Text
from observatory.import_history import live_entries

PROGRAMME = root_paths.PROGRAMME
FREQUENCIES = ("yearly", "half-yearly")
KEYS = ("reporting", "review", "show_pending", "submission_url", "mail")
REPORTING_KEYS = ("frequency", "due_days", "closing_days", "periods")
PERIOD_KEYS = ("due", "closes")
MAIL_KEYS = ("host", "port", "starttls", "user", "password_env", "sender")
PERIOD_EXPECTED = Text("period")
# The summary of each coalition and period, as pages and `observatory status` show it.
SUMMARY_COLUMNS = ["coalition", "period", "start", "end", "due", "closes", "expected", "received", "on_time",
                   "late", "missing"]
FIGURE_COLUMNS = ["coalition", "period", "indicator", "territory", "due", "closes", "state", "received_at"]


@dataclass(frozen=True)
class Period:
    id: str
    start: dt.date
    end: dt.date
    due: dt.date
    closes: dt.date | None

    def closed(self, today: dt.date) -> bool:
        return self.closes is not None and today > self.closes


@dataclass
class Programme:
    frequency: str = "yearly"
    due_days: int = 90
    closing_days: int | None = None
    overrides: dict[str, dict] = field(default_factory=dict)
    review: bool = False
    # A review state, not a figure's quality (measured, estimated, provisional…): a figure the team has not
    # approved yet, shown (marked) only when the programme chooses so.
    show_pending: bool = False
    submission_url: str | None = None
    mail: dict = field(default_factory=dict)

    def period(self, ident: str) -> Period:
        """The period named ``ident`` (raises ValueError when it is not one of this frequency's)."""
        start, end = _bounds(ident, self.frequency)
        own = self.overrides.get(ident, {})
        closes = own.get("closes") or (end + dt.timedelta(days=self.closing_days)
                                       if self.closing_days is not None else None)
        return Period(ident, start, end, own.get("due") or end + dt.timedelta(days=self.due_days), closes)

    def period_of(self, day: dt.date) -> Period:
        if self.frequency == "yearly":
            return self.period(str(day.year))
        return self.period(f"{day.year}-S{1 if day.month <= 6 else 2}")

    def periods_between(self, after: dt.date, until: dt.date) -> list[Period]:
        """The periods that end after ``after`` (a baseline) and start on or before ``until`` (a deadline)."""
        found, day = [], after + dt.timedelta(days=1)
        while day <= until:
            period = self.period_of(day)
            found.append(period)
            day = period.end + dt.timedelta(days=1)
        return found


def _bounds(ident: str, frequency: str) -> tuple[dt.date, dt.date]:
    import re

    if frequency == "yearly":
        match = re.fullmatch(r"(\d{4})", ident)
        if not match:
            raise ValueError(Text("period_not_year", ident=repr(ident)))
        year = int(match.group(1))
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    match = re.fullmatch(r"(\d{4})-S([12])", ident)
    if not match:
        raise ValueError(Text("period_not_half_year", ident=repr(ident)))
    year, half = int(match.group(1)), int(match.group(2))
    return (dt.date(year, 1, 1), dt.date(year, 6, 30)) if half == 1 else (dt.date(year, 7, 1), dt.date(year, 12, 31))


# --- the programme file ---------------------------------------------------------------------------

def read_programme(root: Path, problems: list[Problem]) -> Programme:
    """The programme file of a root (defaults without one), each fault noted with its key."""
    from observatory.load.fields import ProfileFields
    from observatory.load.yaml_files import read_mapping

    path = root_paths.at(root, PROGRAMME)
    programme = Programme()
    if not path.exists():
        return programme
    data = read_mapping(path, root, problems, KEYS)
    if data is None:
        return programme
    f = ProfileFields(data, PROGRAMME, problems)
    f.check_keys((), KEYS)
    reporting = data.get("reporting")
    if reporting is not None:
        if not isinstance(reporting, dict):
            f.fault("reporting", reporting, Text("mapping_of", keys=", ".join(REPORTING_KEYS)))
        else:
            r = ProfileFields(reporting, PROGRAMME, problems, "reporting.")
            r.check_keys((), REPORTING_KEYS)
            programme.frequency = r.choice("frequency", FREQUENCIES) or programme.frequency
            for key in ("due_days", "closing_days"):
                value = reporting.get(key)
                if value is None:
                    continue
                if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3660:
                    r.fault(key, value, Text("days"))
                else:
                    setattr(programme, key, value)
            programme.overrides = _overrides(reporting.get("periods"), programme, problems)
    review = data.get("review")
    if review is not None:
        if not isinstance(review, bool):
            f.fault("review", review, Text("true_or_false"))
        else:
            programme.review = review
    show = data.get("show_pending")
    if show is not None:
        if not isinstance(show, bool):
            f.fault("show_pending", show, "true or false")
        else:
            programme.show_pending = show
    url = f.text("submission_url", required=False)
    if url is not None and not url.startswith(("https://", "http://")):
        f.fault("submission_url", url, Text("submission_url"))
    else:
        programme.submission_url = url
    programme.mail = _mail(data.get("mail"), problems)
    return programme


def _overrides(value: object, programme: Programme, problems: list[Problem]) -> dict[str, dict]:
    from observatory.load.fields import ProfileFields

    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(Problem(PROGRAMME, key="reporting.periods", value=value,
                                expected=Text("periods_mapping")))
        return {}
    found = {}
    for ident, dates in value.items():
        key = f"reporting.periods.{ident}"
        try:
            _, end = _bounds(str(ident), programme.frequency)
        except ValueError:
            problems.append(Problem(PROGRAMME, key=key, value=ident, expected=Text("period_of", period=PERIOD_EXPECTED, frequency=programme.frequency)))
            continue
        if not isinstance(dates, dict):
            problems.append(Problem(PROGRAMME, key=key, value=dates, expected=Text("due_closes")))
            continue
        ProfileFields(dates, PROGRAMME, problems, key + ".").check_keys((), PERIOD_KEYS)
        own = {}
        for name in PERIOD_KEYS:
            day = dates.get(name)
            if day is None:
                continue
            if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
                problems.append(Problem(PROGRAMME, key=f"{key}.{name}", value=day, expected=Text("date_plain")))
            elif day <= end:
                problems.append(Problem(PROGRAMME, key=f"{key}.{name}", value=day.isoformat(),
                                        expected=Text("after_period_end", end=end.isoformat())))
            else:
                own[name] = day
        if "due" in own and "closes" in own and own["closes"] < own["due"]:
            problems.append(Problem(PROGRAMME, key=f"{key}.closes", value=own["closes"].isoformat(),
                                    expected=Text("after_due", due=own["due"].isoformat())))
        found[str(ident)] = own
    return found


def _mail(value: object, problems: list[Problem]) -> dict:
    from observatory.load.fields import ProfileFields

    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(Problem(PROGRAMME, key="mail", value=value, expected=Text("mapping_of", keys=", ".join(MAIL_KEYS))))
        return {}
    m = ProfileFields(value, PROGRAMME, problems, "mail.")
    m.check_keys(("host", "sender"), MAIL_KEYS)
    mail = {"host": m.text("host"), "sender": m.text("sender"), "user": m.text("user", False),
            "password_env": m.text("password_env", False), "port": 587, "starttls": True}
    port = value.get("port")
    if port is not None:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            m.fault("port", port, Text("port"))
        else:
            mail["port"] = port
    starttls = value.get("starttls")
    if starttls is not None:
        if not isinstance(starttls, bool):
            m.fault("starttls", starttls, Text("true_or_false"))
        else:
            mail["starttls"] = starttls
    if mail["user"] and not mail["password_env"]:
        m.fault("password_env", None, Text("password_env"))
    return mail


def programme_problems(root: Path) -> list[Problem]:
    problems: list[Problem] = []
    read_programme(root, problems)
    return problems


def load_programme(root: Path) -> Programme:
    """The programme of a root; raise :class:`InvalidDataRoot` listing every fault of its file."""
    problems: list[Problem] = []
    programme = read_programme(root, problems)
    if problems:
        raise InvalidDataRoot(problems)
    return programme


# --- completeness and timeliness --------------------------------------------------------------------

def _first_recorded(root: Path) -> dict[str, str]:
    """When each figure was first imported (indicator|territory|coalition|date → recorded_at), undone ones left out."""
    history = live_entries(root)
    if history.empty or "recorded_at" not in history:
        return {}
    if "action" in history:  # a figure's first import: not its undo nor a line that kept it as it was
        history = history[history["action"].isin(("added", "replaced"))]
    return pd.Series(history["recorded_at"].values, index=history["key"].values).groupby(level=0).min().to_dict()


def figures(root, programme: Programme) -> pd.DataFrame:
    """One row per figure expected from a coalition in a period (``root``: a validated root): its state
    (on_time, late, missing) and when it was received."""
    rows = []
    for target in root.targets.itertuples(index=False):
        if pd.isna(target.baseline_date) or pd.isna(target.target_date) or target.reporting == "none":
            continue
        for period in programme.periods_between(target.baseline_date.date(), target.target_date.date()):
            # after: the baseline's date; the baseline's own figure is not a period's report
            rows.append({"coalition": target.coalition, "period": period.id, "indicator": target.indicator,
                         "territory": target.territory, "start": period.start, "end": period.end,
                         "due": period.due, "closes": period.closes, "after": target.baseline_date.date()})
    expected = pd.DataFrame(rows, columns=["coalition", "period", "indicator", "territory", "start", "end", "due",
                                           "closes", "after"]).drop_duplicates(["coalition", "period",
                                                                                "indicator", "territory"])
    if expected.empty:
        return pd.DataFrame(columns=FIGURE_COLUMNS)
    obs = root.observations
    obs = obs[obs["indicator"].isin(set(expected["indicator"])) & obs["territory"].isin(set(expected["territory"]))]
    recorded = _first_recorded(Path(root.path))
    obs = obs.assign(day=obs["date"].dt.date, owner=obs["coalition"].fillna(""))
    obs = obs.assign(recorded=(obs["indicator"] + "|" + obs["territory"] + "|" + obs["owner"] + "|"
                               + obs["date"].dt.strftime("%Y-%m-%d")).map(recorded))
    pairs = expected.reset_index(drop=True).reset_index().merge(
        obs[["indicator", "territory", "owner", "day", "recorded"]], on=["indicator", "territory"])
    inside = (pairs["day"] >= pairs["start"]) & (pairs["day"] <= pairs["end"]) & (pairs["day"] > pairs["after"]) \
        & ((pairs["owner"] == "") | (pairs["owner"] == pairs["coalition"]))
    pairs = pairs[inside]
    # A figure without an import time (put in by hand, or a source's) counts as received on time: "" sorts first.
    earliest = pairs.assign(recorded=pairs["recorded"].astype(object).fillna("")).groupby("index")["recorded"].min()
    expected = expected.reset_index(drop=True)
    # as objects: with no figure at all the lookup gives float NaN, which pandas 4 will not fill with ""
    received_at = expected.index.to_series().map(earliest).astype(object)
    late = received_at.notna() & (received_at != "") & (received_at.fillna("").str[:10]
                                                          > expected["due"].map(dt.date.isoformat))
    state = pd.Series("on_time", index=expected.index).where(received_at.notna(), "missing").where(~late, "late")
    out = expected.assign(state=state, received_at=received_at.where(received_at != "", None))
    return out[FIGURE_COLUMNS].sort_values(["coalition", "period", "indicator", "territory"]).reset_index(drop=True)


def summary(figures_frame: pd.DataFrame, programme: Programme) -> pd.DataFrame:
    """Per coalition and period: expected, received, on time, late, missing."""
    if figures_frame.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    counts = pd.crosstab([figures_frame["coalition"], figures_frame["period"]], figures_frame["state"])
    counts = counts.reindex(columns=["on_time", "late", "missing"], fill_value=0).reset_index()
    counts["expected"] = counts[["on_time", "late", "missing"]].sum(axis=1)
    counts["received"] = counts["on_time"] + counts["late"]
    periods = {ident: programme.period(ident) for ident in counts["period"].unique()}
    for column in ("start", "end", "due", "closes"):
        counts[column] = pd.to_datetime(counts["period"].map(lambda p: getattr(periods[p], column)))
    for column in ("expected", "received", "on_time", "late", "missing"):
        counts[column] = counts[column].astype("int64")
    return counts[SUMMARY_COLUMNS].sort_values(["coalition", "period"]).reset_index(drop=True)


def status(root: Path, period: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame, Programme]:
    """The summary and the expected figures of a root (one period, or all), for `observatory status`."""
    from observatory.derive import with_derived_figures
    from observatory.validate import validated

    programme = load_programme(root)
    if period is not None:
        try:
            programme.period(period)
        except ValueError as exc:
            from observatory.errors import ObservatoryError

            raise ObservatoryError(Text("period_option", error=exc.args[0])) from None
    expected = figures(with_derived_figures(validated(root)), programme)
    if period is not None:
        expected = expected[expected["period"] == period].reset_index(drop=True)
    return summary(expected, programme), expected, programme
