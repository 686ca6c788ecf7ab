"""Great Expectations suites for observations and targets, turned into per-row problems.

Great Expectations costs several seconds to import (7 s here), so the rules name their expectations
without it (:data:`EXPECT` makes :class:`Spec` objects) and vectorised checks (:func:`could_fail`) find the
rows any rule could find wrong. Great Expectations is imported, and its suites run, only when there are
such rows: a clean root is checked without it. Each expectation carries the wording of its message:
which column it speaks of and what was expected.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from observatory import root_paths, vocabulary
from observatory.per_distinct import per_distinct
from observatory.dates import DATE_EXPECTED, DATE_PATTERN, window_expected
from observatory.errors import DescribedText, Problem, Text
from observatory.vocabulary import NUMBER_PATTERN
from observatory.selfdata import ANSWERS, DIFFICULTIES

INDICATOR_FILE = Text("indicator_file", folder=root_paths.INDICATORS)
NUMBER_EXPECTED = Text("number_written")
# The figures of the observatory are counts, rates and euros: a larger magnitude is a typing error, and
# differences of such values would overflow (1e308 - -1e308 = inf).
MAX_MAGNITUDE = 1e15
MAGNITUDE_EXPECTED = Text("magnitude")
# What makes two observations the same figure (observatory.validate.observation_frame writes these columns).
OBSERVATION_KEY = ("indicator", "territory", "coalition_key", "date_key")


def _magnitude(column: str):
    return EXPECT.ExpectColumnValuesToBeBetween(column=column, min_value=-MAX_MAGNITUDE, max_value=MAX_MAGNITUDE)


def _plausible_date(column: str):
    return EXPECT.ExpectColumnValuesToBeInSet(column=column, value_set=[True])  # see observatory.dates.plausible


class Spec:
    """An expectation named without importing Great Expectations: its class name and arguments.

    ``EXPECT.ExpectColumnValuesToBeInSet(column="c", value_set=[...])`` reads as the real one;
    :meth:`build` makes the real expectation when the suites must run."""

    def __init__(self, kind: str, **arguments) -> None:
        self.kind, self.arguments = kind, arguments

    def __getattr__(self, name: str):
        try:
            return self.__dict__["arguments"][name]
        except KeyError:
            raise AttributeError(name) from None

    def build(self, gx):
        return getattr(gx.expectations, self.kind)(**self.arguments)


class _Expectations:
    def __getattr__(self, kind: str) -> Callable[..., Spec]:
        return lambda **arguments: Spec(kind, **arguments)


EXPECT = _Expectations()  # EXPECT.ExpectColumnValuesToNotBeNull(column=...): a Spec, as gx.expectations would give


@dataclass
class Rule:
    """One expectation and how to word what it finds."""

    expectation: Spec
    column: str  # the column (or key) named in the message
    value_column: str  # the column whose value the message shows
    expected: str | Callable[[pd.Series], str]
    skip: Callable[[pd.Series], bool] | None = None  # rows the rule reports elsewhere


def place(where: str) -> str:
    """A place "file, row N" or "file, key K" (as the frames write it) in the reader's words."""
    file, sep, row = where.rpartition(", row ")
    if sep and row.isdigit():
        return Text("file_row", file=file, row=row)
    file, sep, key = where.rpartition(", key ")
    return Text("file_key", file=file, key=key) if sep else where


def _is_first_of_key(row: pd.Series) -> bool:
    """The first of duplicated rows is fine: the ones after it are reported."""
    return row["where"] == row["first_of_key"]


@lru_cache(maxsize=1)
def _context():
    # No analytics, no progress bars: outputs must be the same from run to run.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx  # here, not at the top: several seconds to import
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    source = context.data_sources.add_pandas("observatory")
    return gx, context, source


def _unknown_id(kind: str, known: Iterable[str], where: str, column: str) -> Callable[[pd.Series], str]:
    known = sorted(set(known))
    text = Text(f"known_{kind}", where=where)

    def expected(row: pd.Series) -> str:
        close = difflib.get_close_matches(str(row[column]), known, n=1)
        return Text("did_you_mean", text=text, close=close[0]) if close else text

    return expected


def could_fail(expectation, frame: pd.DataFrame, known: dict[tuple, pd.Series] | None = None) -> pd.Series:
    """The rows an expectation could find wrong, by vectorised checks at least as strict as its own (a row it
    finds wrong is always among them; a type not known here: every row). Great Expectations then runs on these
    rows only, and words each problem: on millions of clean rows it has nothing to do, and every message is
    the same as if it had read them all (tests/test_columnar.py compares). ``known``: for a key (a tuple of
    columns), the rows whose key repeats, where the frame's maker already found them (seconds on millions)."""
    kind, get = expectation.kind, lambda key: getattr(expectation, key, None)
    everything = pd.Series(True, index=frame.index)
    if kind == "ExpectColumnValuesToNotBeNull":
        return frame[get("column")].isna()
    # Column-map expectations other than not-null leave empty cells alone (the not-null rules report them).
    if kind == "ExpectColumnValuesToBeInSet":
        column = frame[get("column")]
        return column.notna() & ~column.isin(list(get("value_set")))
    if kind == "ExpectColumnValuesToMatchRegex":  # each distinct text once (dates repeat over millions of rows)
        wrong = per_distinct(frame[get("column")], lambda texts: ~texts.astype(str).str.fullmatch(get("regex")))
        return wrong.fillna(False).astype(bool)  # an empty cell: the not-null rule's
    if kind == "ExpectColumnValuesToBeBetween":
        values = pd.to_numeric(frame[get("column")], errors="coerce")
        low, high = get("min_value"), get("max_value")
        inside = pd.Series(True, index=frame.index)
        if low is not None:
            inside &= values > low if get("strict_min") else values >= low
        if high is not None:
            inside &= values < high if get("strict_max") else values <= high
        return ~inside & frame[get("column")].notna()
    if kind == "ExpectColumnPairValuesAToBeGreaterThanB":
        a, b = frame[get("column_A")], frame[get("column_B")]
        greater = a >= b if get("or_equal") else a > b
        return ~greater & a.notna() & b.notna() if get("ignore_row_if") == "either_value_is_missing" else ~greater
    if kind == "ExpectCompoundColumnsToBeUnique":
        columns = list(get("column_list"))
        if tuple(columns) in (known or {}):
            return known[tuple(columns)]  # the rows whose key repeats, as the frame's maker found them
        return frame.duplicated(columns, keep=False)
    if kind == "ExpectColumnValuesToBeUnique":
        return frame.duplicated([get("column")], keep=False)
    return everything


PREFILTER = True  # tests turn it off to compare: the same problems with and without

# Problems listed per rule and file, where the vectorised check finds exactly the rows a rule finds wrong: the
# rest are counted in one line. A file of 5 million repeated rows made 4,999,999 lines, 202 s and 7 GB.
MAX_LISTED = 1_000
_EXACT_KINDS = {"ExpectColumnValuesToNotBeNull", "ExpectColumnValuesToBeInSet", "ExpectCompoundColumnsToBeUnique"}


def _exact_failures(rule: Rule, frame: pd.DataFrame, suspects: pd.Series) -> pd.Series | None:
    """The rows the rule reports, when the vectorised check finds exactly them; None where only Great
    Expectations can tell (its suspects are then a superset, never cut short)."""
    kind = rule.expectation.kind
    if kind not in _EXACT_KINDS:
        return None
    if rule.skip is None and kind != "ExpectCompoundColumnsToBeUnique":
        return suspects
    if rule.skip is _is_first_of_key and {"where", "first_of_key"} <= set(frame.columns):
        return suspects & (frame["where"] != frame["first_of_key"])
    return None


def _listed_part(rule: Rule, frame: pd.DataFrame, failing: pd.Series, files: pd.Series) -> pd.Series:
    """The rows to hand Great Expectations for a rule with too many failures: the first MAX_LISTED of each file,
    and for a repeated key the first row of that key (without it the rows would not repeat in the batch)."""
    listed = failing & (failing.astype("int64").groupby(files).cumsum() <= MAX_LISTED)
    if rule.expectation.kind == "ExpectCompoundColumnsToBeUnique":
        listed |= frame["where"].isin(set(frame.loc[listed, "first_of_key"]))
    return listed


def _narrowed(spec: Spec, frame: pd.DataFrame) -> Spec:
    """A value-set expectation cut to the values the rows read hold: the same outcome row by row, and Great
    Expectations copies its value set many times (35,000 territories named by a national file: most of a
    check with a few faults, though only a few rows are read)."""
    if spec.kind != "ExpectColumnValuesToBeInSet" or spec.arguments.get("column") not in frame:
        return spec
    values = list(spec.value_set)
    present = set(frame[spec.column].dropna().unique())
    # None of the set in the rows: one value of it is enough for every row to stay outside.
    kept = [value for value in values if value in present] or values[:1]
    return Spec(spec.kind, **{**spec.arguments, "value_set": kept})


def run_rules(name: str, frame: pd.DataFrame, rules: list[Rule], locate: Callable[[pd.Series, str], dict],
              known: dict[tuple, pd.Series] | None = None) -> list[Problem]:
    """Validate ``frame`` with the rules' expectations; one problem per failing row and rule (at most MAX_LISTED
    per rule and file where the rest can be counted exactly: then one more line says how many)."""
    files = frame["file"] if "file" in frame.columns else pd.Series(name, index=frame.index)
    capped: dict[int, pd.Series] = {}  # rule number → the rows it finds wrong, for rules listed in part
    if PREFILTER and not frame.empty:
        suspect = pd.Series(False, index=frame.index)
        for number, rule in enumerate(rules):
            rows = could_fail(rule.expectation, frame, known).fillna(True).astype(bool)
            failing = _exact_failures(rule, frame, rows)
            # The total first: grouping millions of rows by file name, per rule, cost seconds (8 s at 8.75 M).
            if (failing is not None and int(failing.sum()) > MAX_LISTED
                    and int(failing.groupby(files).sum().max()) > MAX_LISTED):
                capped[number] = failing
                rows = _listed_part(rule, frame, failing, files)
            suspect |= rows
        frame = frame[suspect]
    if frame.empty:
        return []
    gx, context, source = _context()  # only now: there are rows to describe
    frame = frame.reset_index(drop=True)
    asset = source.add_dataframe_asset(f"{name}-{id(frame)}")
    batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(batch_parameters={"dataframe": frame})
    suite = gx.ExpectationSuite(name=name)
    for number, rule in enumerate(rules):
        expectation = _narrowed(rule.expectation, frame).build(gx)
        expectation.meta = {"rule": number}  # to find the rule back from its result
        suite.add_expectation(expectation)
    result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    source.delete_asset(asset.name)
    problems = []
    listed: dict[tuple[int, str], int] = {}
    for outcome in result.results:
        number = outcome.expectation_config.meta["rule"]
        rule_spec = rules[number]
        info = outcome.exception_info or {}
        if info.get("raised_exception"):
            raise RuntimeError(f"expectation {outcome.expectation_config.type} could not run: "
                               f"{info.get('exception_message')}")
        if outcome.success:
            continue
        for index in outcome.result.get("unexpected_index_list") or []:
            row = frame.loc[index]
            if rule_spec.skip is not None and rule_spec.skip(row):
                continue
            where = locate(row, rule_spec.column)
            if number in capped:
                count = listed.get((number, where["file"]), 0)
                if count >= MAX_LISTED:
                    continue  # counted below with the rest
                listed[(number, where["file"])] = count + 1
            expected = rule_spec.expected(row) if callable(rule_spec.expected) else rule_spec.expected
            problems.append(Problem(value=row[rule_spec.value_column], expected=expected, **where))
    for number, failing in capped.items():
        rule_spec = rules[number]
        for file, total in failing.groupby(files).sum().items():
            more = int(total) - listed.get((number, file), 0)
            if more > 0:
                problems.append(Problem(file, column=rule_spec.column, value=DescribedText(
                    "more_rows", more=f"{more:,}", listed=f"{listed.get((number, file), 0):,}",
                    most=f"{MAX_LISTED:,}"),
                    expected=rule_spec.expected if isinstance(rule_spec.expected, str) else
                    Text("what_rows_told")))
    return problems


def _indicator_and_territory_rules(indicators: Iterable[str], territories: Iterable[str],
                                   frame: pd.DataFrame) -> list[Rule]:
    """What observations and targets both say: a known indicator, on a known territory."""
    territories = list(territories)
    # The known ids the rows name, not all of them: the same outcome, and Great Expectations copies its value set
    # many times (with France's 36,000 communes, 100 s of 120). "\0" is no id: the set is never empty.
    named = sorted(set(territories) & set(frame["territory"].dropna().unique())) or ["\0"]
    return [
        Rule(EXPECT.ExpectColumnValuesToNotBeNull(column="indicator"), "indicator", "indicator", Text("indicator_id")),
        Rule(EXPECT.ExpectColumnValuesToBeInSet(column="indicator", value_set=sorted(set(indicators))), "indicator",
             "indicator", _unknown_id("indicator", indicators, INDICATOR_FILE, "indicator")),
        Rule(EXPECT.ExpectColumnValuesToNotBeNull(column="territory"), "territory", "territory", Text("territory_id")),
        Rule(EXPECT.ExpectColumnValuesToBeInSet(column="territory", value_set=named), "territory",
             "territory", _unknown_id("territory", territories, Text("row_of", file=root_paths.TERRITORIES), "territory")),
    ]


def observation_problems(frame: pd.DataFrame, indicators: Iterable[str], territories: Iterable[str],
                         coalitions: Iterable[str]) -> list[Problem]:
    """Check typed observations (see :func:`observatory.validate.observation_frame`)."""
    rules = [
        *_indicator_and_territory_rules(indicators, territories, frame),
        Rule(EXPECT.ExpectColumnValuesToBeInSet(column="coalition", value_set=sorted(set(coalitions))), "coalition",
             "coalition", _unknown_id("coalition", coalitions, Text("coalition_file", folder=root_paths.COALITIONS),
                                      "coalition")),
        Rule(EXPECT.ExpectColumnValuesToNotBeNull(column="date_text"), "date", "date_text", DATE_EXPECTED),
        Rule(EXPECT.ExpectColumnValuesToMatchRegex(column="date_text", regex=DATE_PATTERN), "date", "date_text",
             DATE_EXPECTED),
        Rule(EXPECT.ExpectColumnValuesToNotBeNull(column="date"), "date", "date_text",
             Text("date_exists")),
        Rule(_plausible_date("date_plausible"), "date", "date_text", window_expected()),
        Rule(EXPECT.ExpectColumnValuesToNotBeNull(column="value_text"), "value", "value_text", NUMBER_EXPECTED),
        Rule(EXPECT.ExpectColumnValuesToMatchRegex(column="value_text", regex=NUMBER_PATTERN), "value", "value_text",
             NUMBER_EXPECTED),
        Rule(EXPECT.ExpectColumnValuesToNotBeNull(column="value"), "value", "value_text", Text("finite_number")),
        Rule(_magnitude("value"), "value", "value_text", MAGNITUDE_EXPECTED),
        Rule(EXPECT.ExpectColumnPairValuesAToBeGreaterThanB(column_A="limit_upper", column_B="value", or_equal=True,
                                                        ignore_row_if="either_value_is_missing"),
             "value", "value_text", lambda row: Text("at_most_limit", limit=f"{row['limit_upper']:g}")),
        Rule(EXPECT.ExpectColumnPairValuesAToBeGreaterThanB(column_A="value", column_B="limit_lower", or_equal=True,
                                                        ignore_row_if="either_value_is_missing"),
             "value", "value_text", lambda row: Text("at_least_limit", limit=f"{row['limit_lower']:g}")),
        Rule(EXPECT.ExpectCompoundColumnsToBeUnique(column_list=list(OBSERVATION_KEY)),
             "date", "date_text", lambda row: Text("one_figure_per_key", first=place(row["first_of_key"])), skip=_is_first_of_key),
        # The figure's quality and the evidence beside it (optional columns; empty cells are fine).
        Rule(EXPECT.ExpectColumnValuesToBeInSet(column="quality", value_set=list(vocabulary.FILE_QUALITIES)), "quality",
             "quality", Text("figure_quality_expected", values=", ".join(vocabulary.FILE_QUALITIES))),
        Rule(EXPECT.ExpectColumnValuesToMatchRegex(column="link", regex=vocabulary.LINK_PATTERN), "link", "link",
             Text("link_expected")),
        Rule(EXPECT.ExpectColumnValuesToBeInSet(column="contribution", value_set=list(vocabulary.CONTRIBUTIONS)),
             "contribution", "contribution", Text("contribution_expected", values=", ".join(vocabulary.CONTRIBUTIONS))),
    ]

    def locate(row: pd.Series, column: str) -> dict:
        return {"file": row["file"], "row": int(row["row"]), "column": column}

    # observation_frame found the rows whose key repeats (to name the first of each): the same rows.
    repeated = {tuple(OBSERVATION_KEY): frame["key_repeats"]} if "key_repeats" in frame else None
    return run_rules("observations", frame, rules, locate, repeated)


def target_problems(frame: pd.DataFrame, indicators: Iterable[str], territories: Iterable[str]) -> list[Problem]:
    """Check typed targets (see :func:`observatory.validate.target_frame`)."""

    def improvement(row: pd.Series) -> str:
        if row["target_value"] == row["baseline_value"]:
            return Text("target_differs", baseline=f"{row['baseline_value']:g}")
        side = "above" if row["direction"] == "increase" else "below"
        return Text(f"target_{side}", baseline=f"{row['baseline_value']:g}", direction=row["direction"])

    rules = [
        *_indicator_and_territory_rules(indicators, territories, frame),
    ]
    for point in ("baseline", "target"):
        rules += [
            Rule(EXPECT.ExpectColumnValuesToNotBeNull(column=f"{point}_date_text"), f"{point}.date",
                 f"{point}_date_text", DATE_EXPECTED),
            Rule(EXPECT.ExpectColumnValuesToMatchRegex(column=f"{point}_date_text", regex=DATE_PATTERN), f"{point}.date",
                 f"{point}_date_text", DATE_EXPECTED),
            Rule(EXPECT.ExpectColumnValuesToNotBeNull(column=f"{point}_date"), f"{point}.date", f"{point}_date_text",
                 Text("date_exists")),
            Rule(_plausible_date(f"{point}_date_plausible"), f"{point}.date", f"{point}_date_text",
                 window_expected()),
            Rule(EXPECT.ExpectColumnValuesToNotBeNull(column=f"{point}_value_text"), f"{point}.value",
                 f"{point}_value_text", Text("number")),
            Rule(EXPECT.ExpectColumnValuesToMatchRegex(column=f"{point}_value_text", regex=NUMBER_PATTERN),
                 f"{point}.value", f"{point}_value_text", Text("number")),
            Rule(EXPECT.ExpectColumnValuesToNotBeNull(column=f"{point}_value"), f"{point}.value",
                 f"{point}_value_text", Text("finite_number")),
            Rule(_magnitude(f"{point}_value"), f"{point}.value", f"{point}_value_text", MAGNITUDE_EXPECTED),
            Rule(EXPECT.ExpectColumnPairValuesAToBeGreaterThanB(column_A="limit_upper", column_B=f"{point}_value",
                                                            or_equal=True, ignore_row_if="either_value_is_missing"),
                 f"{point}.value", f"{point}_value_text",
                 lambda row: Text("at_most_limit", limit=f"{row['limit_upper']:g}")),
            Rule(EXPECT.ExpectColumnPairValuesAToBeGreaterThanB(column_A=f"{point}_value", column_B="limit_lower",
                                                            or_equal=True, ignore_row_if="either_value_is_missing"),
                 f"{point}.value", f"{point}_value_text",
                 lambda row: Text("at_least_limit", limit=f"{row['limit_lower']:g}")),
        ]
    rules += [
        Rule(EXPECT.ExpectColumnPairValuesAToBeGreaterThanB(column_A="target_date", column_B="baseline_date",
                                                        or_equal=False, ignore_row_if="either_value_is_missing"),
             "target.date", "target_date_text",
             lambda row: Text("target_date_after", date=row["baseline_date_text"])),
        Rule(EXPECT.ExpectColumnValuesToBeBetween(column="improvement", min_value=0, strict_min=True),
             "target.value", "target_value_text", improvement),
        Rule(EXPECT.ExpectCompoundColumnsToBeUnique(column_list=["coalition", "indicator", "territory", "target_date_key"]),
             "target.date", "target_date_text",
             lambda row: Text("one_target_per_key", first=place(row["first_of_key"])),
             skip=_is_first_of_key),
    ]

    def locate(row: pd.Series, column: str) -> dict:
        return {"file": row["file"], "key": f"{row['key']}.{column}"}

    return run_rules("targets", frame, rules, locate)


def register_problems(services: pd.DataFrame, assessments: pd.DataFrame) -> list[Problem]:
    """Check the Self Data register (see :mod:`observatory.selfdata`)."""

    def locate(row: pd.Series, column: str) -> dict:
        return {"file": row["file"], "row": int(row["row"]), "column": column}

    services = services.assign(where=services["file"] + ", row " + services["row"].astype(str))
    services["first_of_key"] = services.groupby("id", dropna=False)["where"].transform("first")
    service_rules = [
        Rule(EXPECT.ExpectColumnValuesToNotBeNull(column="id"), "id", "id", Text("service_id")),
        Rule(EXPECT.ExpectColumnValuesToMatchRegex(column="id", regex=r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$"), "id", "id",
             Text("id_dots")),
        Rule(EXPECT.ExpectColumnValuesToBeUnique(column="id"), "id", "id",
             lambda row: Text("id_used_once_on", first=place(row["first_of_key"])), skip=_is_first_of_key),
        Rule(EXPECT.ExpectColumnValuesToNotBeNull(column="name"), "name", "name", Text("service_name")),
        Rule(EXPECT.ExpectColumnValuesToMatchRegex(column="url", regex=r"^https?://\S+$"), "url", "url",
             Text("web_address")),
    ]
    problems = run_rules("services", services, service_rules, locate)
    assessments = assessments.assign(where=assessments["file"] + ", row " + assessments["row"].astype(str))
    assessments["first_of_key"] = assessments.groupby(["service", "date_key"], dropna=False)["where"].transform("first")
    known = sorted(set(services["id"].dropna()))
    assessment_rules = [
        Rule(EXPECT.ExpectColumnValuesToNotBeNull(column="service"), "service", "service", Text("service_id")),
        Rule(EXPECT.ExpectColumnValuesToBeInSet(column="service", value_set=known), "service", "service",
             _unknown_id("service", known, Text("row_of", file=root_paths.SERVICES), "service")),
        Rule(EXPECT.ExpectColumnValuesToNotBeNull(column="date_text"), "date", "date_text", DATE_EXPECTED),
        Rule(EXPECT.ExpectColumnValuesToMatchRegex(column="date_text", regex=DATE_PATTERN), "date", "date_text",
             DATE_EXPECTED),
        Rule(EXPECT.ExpectColumnValuesToNotBeNull(column="date"), "date", "date_text", Text("date_exists")),
        Rule(_plausible_date("date_plausible"), "date", "date_text", window_expected()),
        Rule(EXPECT.ExpectColumnValuesToNotBeNull(column="difficulty"), "difficulty", "difficulty",
             Text("one_of", values=", ".join(DIFFICULTIES))),
        Rule(EXPECT.ExpectColumnValuesToBeInSet(column="difficulty", value_set=list(DIFFICULTIES)), "difficulty",
             "difficulty", Text("one_of", values=", ".join(DIFFICULTIES))),
    ]
    for column in ("machine_readable", "api", "transfer"):
        assessment_rules.append(Rule(EXPECT.ExpectColumnValuesToBeInSet(column=column, value_set=list(ANSWERS)), column,
                                     column, Text("one_of_or_empty", values=", ".join(ANSWERS))))
    assessment_rules.append(
        Rule(EXPECT.ExpectCompoundColumnsToBeUnique(column_list=["service", "date_key"]), "date", "date_text",
             lambda row: Text("one_assessment_per_key", first=place(row["first_of_key"])),
             skip=_is_first_of_key))
    return problems + run_rules("assessments", assessments, assessment_rules, locate)
