"""The rules run by Great Expectations, on the suspect rows only (:mod:`.prefilter`), each failing row turned
into a problem; Great Expectations is imported here, and only when there are rows to describe."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache

import pandas as pd

from observatory.errors import DescribedText, Problem, Text
from observatory.expectations.prefilter import could_fail
from observatory.expectations.spec import Rule, Spec, is_first_of_key


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
    if rule.skip is is_first_of_key and {"where", "first_of_key"} <= set(frame.columns):
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
