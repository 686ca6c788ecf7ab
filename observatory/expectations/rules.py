"""The rule catalogue: what observations, targets and the Self Data register must hold, each rule with the
wording of its message (which column it speaks of and what was expected)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

import pandas as pd

from observatory import root_paths, vocabulary
from observatory.dates import DATE_PATTERN, date_expected, window_expected
from observatory.errors import Problem, Text
from observatory.expectations.runner import run_rules
from observatory.expectations.spec import EXPECT, Rule, is_first_of_key
from observatory.selfdata import ANSWERS, DIFFICULTIES
from observatory.vocabulary import NUMBER_PATTERN

# The expected texts are made where the rules are (Text("…") in each function), not as constants: a Text
# reads the catalogue when made, and importing this module (observatory --help, a cached validate) needs none.
# The figures of the observatory are counts, rates and euros: a larger magnitude is a typing error, and
# differences of such values would overflow (1e308 - -1e308 = inf).
MAX_MAGNITUDE = 1e15
# What makes two observations the same figure (observatory.validate.observation_frame writes these columns).
OBSERVATION_KEY = ("indicator", "territory", "coalition_key", "date_key")


def _magnitude(column: str):
    return EXPECT.ExpectColumnValuesToBeBetween(column=column, min_value=-MAX_MAGNITUDE, max_value=MAX_MAGNITUDE)


def _plausible_date(column: str):
    return EXPECT.ExpectColumnValuesToBeInSet(column=column, value_set=[True])  # see observatory.dates.plausible


def place(where: str) -> str:
    """A place "file, row N" or "file, key K" (as the frames write it) in the reader's words."""
    file, sep, row = where.rpartition(", row ")
    if sep and row.isdigit():
        return Text("file_row", file=file, row=row)
    file, sep, key = where.rpartition(", key ")
    return Text("file_key", file=file, key=key) if sep else where


def _unknown_id(kind: str, known: Iterable[str], where: str, column: str) -> Callable[[pd.Series], str]:
    known = sorted(set(known))
    text = Text(f"known_{kind}", where=where)

    def expected(row: pd.Series) -> str:
        close = difflib.get_close_matches(str(row[column]), known, n=1)
        return Text("did_you_mean", text=text, close=close[0]) if close else text

    return expected


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
             "indicator", _unknown_id("indicator", indicators, Text("indicator_file", folder=root_paths.INDICATORS),
                                    "indicator")),
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
        Rule(EXPECT.ExpectColumnValuesToNotBeNull(column="date_text"), "date", "date_text", date_expected()),
        Rule(EXPECT.ExpectColumnValuesToMatchRegex(column="date_text", regex=DATE_PATTERN), "date", "date_text",
             date_expected()),
        Rule(EXPECT.ExpectColumnValuesToNotBeNull(column="date"), "date", "date_text",
             Text("date_exists")),
        Rule(_plausible_date("date_plausible"), "date", "date_text", window_expected()),
        Rule(EXPECT.ExpectColumnValuesToNotBeNull(column="value_text"), "value", "value_text", Text("number_written")),
        Rule(EXPECT.ExpectColumnValuesToMatchRegex(column="value_text", regex=NUMBER_PATTERN), "value", "value_text",
             Text("number_written")),
        Rule(EXPECT.ExpectColumnValuesToNotBeNull(column="value"), "value", "value_text", Text("finite_number")),
        Rule(_magnitude("value"), "value", "value_text", Text("magnitude")),
        Rule(EXPECT.ExpectColumnPairValuesAToBeGreaterThanB(column_A="limit_upper", column_B="value", or_equal=True,
                                                        ignore_row_if="either_value_is_missing"),
             "value", "value_text", lambda row: Text("at_most_limit", limit=f"{row['limit_upper']:g}")),
        Rule(EXPECT.ExpectColumnPairValuesAToBeGreaterThanB(column_A="value", column_B="limit_lower", or_equal=True,
                                                        ignore_row_if="either_value_is_missing"),
             "value", "value_text", lambda row: Text("at_least_limit", limit=f"{row['limit_lower']:g}")),
        Rule(EXPECT.ExpectCompoundColumnsToBeUnique(column_list=list(OBSERVATION_KEY)),
             "date", "date_text", lambda row: Text("one_figure_per_key", first=place(row["first_of_key"])), skip=is_first_of_key),
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
                 f"{point}_date_text", date_expected()),
            Rule(EXPECT.ExpectColumnValuesToMatchRegex(column=f"{point}_date_text", regex=DATE_PATTERN), f"{point}.date",
                 f"{point}_date_text", date_expected()),
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
            Rule(_magnitude(f"{point}_value"), f"{point}.value", f"{point}_value_text", Text("magnitude")),
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
             skip=is_first_of_key),
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
             lambda row: Text("id_used_once_on", first=place(row["first_of_key"])), skip=is_first_of_key),
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
        Rule(EXPECT.ExpectColumnValuesToNotBeNull(column="date_text"), "date", "date_text", date_expected()),
        Rule(EXPECT.ExpectColumnValuesToMatchRegex(column="date_text", regex=DATE_PATTERN), "date", "date_text",
             date_expected()),
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
             skip=is_first_of_key))
    return problems + run_rules("assessments", assessments, assessment_rules, locate)
