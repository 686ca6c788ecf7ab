"""Check a data root: cross-file consistency, then the Great Expectations suites.

:func:`validated` is the single entry point the rest of the package uses: it
loads a root, checks it, and returns typed tables only if nothing is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from observatory import expectations, root_paths, vocabulary, selfdata
from observatory.per_distinct import per_distinct
from observatory.dates import date_keys, parse_period_end, plausible, plausible_window
from observatory.vocabulary import NUMBER_PATTERN
from observatory.errors import InvalidDataRoot, Problem, Text
from observatory.load import DataRoot, load_root

ID_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
# Each code's pattern and the key of its expected text: the Text is made when a fault is found, so that
# importing this module does not read the catalogue (a Text holds its English wording from the start).
CODE_FORMATS = {
    "code_insee": (re.compile(r"^(?:\d{2}|2[AB]|\d{2}M|\d{3}|\d{5}|2[AB]\d{3})$"), "code_insee"),
    "siren": (re.compile(r"^\d{9}$"), "code_siren"),
    "iso_3166": (re.compile(r"^[A-Z]{2}(?:-[A-Z0-9]{1,3})?$"), "code_iso_3166"),
}

# data/territories.csv's optional column population: people, counted (empty: not known).
POPULATION_RE = re.compile(r"^\d+$")
POPULATION_EXPECTED = "population"  # the key of its expected text


@dataclass
class ValidRoot:
    """A data root that passed validation, with typed tables ready to compute on."""

    path: Path
    indicators: pd.DataFrame
    territories: pd.DataFrame
    coalitions: pd.DataFrame
    targets: pd.DataFrame  # typed: *_date as datetimes, *_value as floats
    observations: pd.DataFrame  # typed: date (end of period) and value
    datasets: pd.DataFrame
    services: pd.DataFrame | None = None  # the Self Data register, typed (assessment dates parsed)
    assessments: pd.DataFrame | None = None
    # The validation cache's key for this root's content when it came through the cache: what the build
    # keys its own derived data by (None: checked without the cache).
    cache_key: str | None = None


def _numbers(texts: pd.Series) -> pd.Series:
    """Each text's number (NaN where it is none). Each distinct text is read once: a national file of
    millions of figures holds far fewer distinct texts (a regex per row cost 10 s on 8.75 M rows)."""
    return per_distinct(texts, _distinct_numbers).astype("float64")


def _distinct_numbers(texts: pd.Series) -> pd.Series:
    texts = texts.astype("str").where(texts.notna(), None)
    clean = texts.where(texts.str.match(NUMBER_PATTERN, na=False))
    numbers = pd.to_numeric(clean, errors="coerce").astype("float64")
    return numbers.where(numbers.abs() != float("inf"))  # 1e999 is no figure


def _limits(frame: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """The bound each row's values can't pass: the limit, on the side the indicator improves towards."""
    info = indicators.drop_duplicates("id").set_index("id")[["direction", "limit"]]
    # Looked up once per distinct indicator: two maps over millions of texts cost seconds.
    found = per_distinct(frame["indicator"], lambda ids: pd.DataFrame({
        "direction": info["direction"].reindex(ids).to_numpy(dtype=object),
        "limit": info["limit"].reindex(ids).to_numpy(dtype="float64")}))
    direction, limit = found["direction"].astype(object), found["limit"].astype("float64")
    frame["direction"] = direction
    frame["limit_upper"] = limit.where(direction == "increase")
    frame["limit_lower"] = limit.where(direction == "decrease")
    return frame


def _first_of_key(frame: pd.DataFrame, key: list[str]) -> pd.Series:
    """For each row, where the first row with the same key is (to say what a duplicate repeats)."""
    return frame.groupby(key, dropna=False, sort=False)["where"].transform("first")


def observation_frame(root: DataRoot) -> pd.DataFrame:
    """Observations with their date (end of period), numeric value and limits."""
    # A shallow copy: pandas copies a column on write (copy-on-write), and the new columns are this frame's
    # alone. A deep copy held every text column of a national root twice (each optional column 70 MB).
    frame = root.observations.copy(deep=False)
    frame["date"] = parse_period_end(frame["date_text"])
    frame["date_plausible"] = plausible(frame["date"])
    frame["value"] = _numbers(frame["value_text"])
    frame = _limits(frame, root.indicators)
    frame["coalition_key"] = frame["coalition"].fillna("")
    frame["date_key"] = date_keys(frame["date"], frame["date_text"])
    # Where a row is and the first row of its key are named by the message of a repeated figure only: they are
    # written for the rows whose key repeats (two strings per row cost seconds on millions of rows).
    key = list(expectations.OBSERVATION_KEY)
    repeated = frame.duplicated(key, keep=False).to_numpy()
    frame["key_repeats"] = repeated  # the uniqueness rule's suspects too (expectations.could_fail): found once
    frame["where"], frame["first_of_key"] = None, None
    if repeated.any():
        part = frame[repeated].copy()
        part["where"] = part["file"] + ", row " + part["row"].astype("str")
        frame.loc[repeated, "where"] = part["where"].to_numpy()
        frame.loc[repeated, "first_of_key"] = _first_of_key(part, key).to_numpy()
    demo = root.datasets.set_index("dataset")["demonstration"] if not root.datasets.empty else pd.Series(dtype=bool)
    frame["demonstration"] = frame["dataset"].map(demo).fillna(False).astype(bool)
    # Each figure's quality as shown (the column as the file gives it is what the rules check): a demonstration
    # file's figures are all demonstration ones, a figure with none is measured.
    given = frame["quality"] if "quality" in frame else pd.Series(None, index=frame.index, dtype=object)
    frame["demonstration"] |= (given == "demonstration").to_numpy()
    # One array, not three (each .where made one of millions of cells).
    frame["quality_shown"] = np.where(frame["demonstration"].to_numpy(), "demonstration",
                                      np.where(given.isna().to_numpy(), vocabulary.DEFAULT_QUALITY,
                                               given.to_numpy(dtype=object))).astype(object)
    return frame


def target_frame(root: DataRoot) -> pd.DataFrame:
    """Targets with parsed dates and values, limits and the signed improvement they ask for."""
    frame = root.targets.copy()
    for point in ("baseline", "target"):
        frame[f"{point}_date"] = parse_period_end(frame[f"{point}_date_text"])
        frame[f"{point}_date_plausible"] = plausible(frame[f"{point}_date"])
        frame[f"{point}_value"] = _numbers(frame[f"{point}_value_text"])
    frame = _limits(frame, root.indicators)
    sign = frame["direction"].map({"increase": 1.0, "decrease": -1.0})
    frame["improvement"] = (frame["target_value"] - frame["baseline_value"]) * sign
    frame["target_date_key"] = date_keys(frame["target_date"], frame["target_date_text"])
    frame["where"] = frame["file"] + ", key " + frame["key"]
    frame["first_of_key"] = _first_of_key(frame, ["coalition", "indicator", "territory", "target_date_key"])
    return frame


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        n = int(char)
        if position % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def territory_problems(root: DataRoot) -> list[Problem]:
    problems = []
    frame = root.territories
    ids = set(frame["id"].dropna())
    seen: dict[str, int] = {}
    for row in frame.itertuples(index=False):
        def fault(column: str, value: object, expected: str) -> None:
            problems.append(Problem(row.file, row=int(row.row), column=column, value=value, expected=expected))

        if row.id is None or pd.isna(row.id):
            fault("id", None, Text("territory_id"))
        elif not ID_RE.match(row.id):
            fault("id", row.id, Text("id_letters_example"))
        elif row.id in seen:
            fault("id", row.id, Text("id_used_once_row", row=seen[row.id]))
        else:
            seen[row.id] = int(row.row)
        if row.name is None or pd.isna(row.name):
            fault("name", None, Text("territory_name"))
        if row.level not in vocabulary.TERRITORY_LEVELS:
            fault("level", row.level, Text("one_of", values=", ".join(vocabulary.TERRITORY_LEVELS)))
        if isinstance(row.parent, str):
            if row.parent not in ids:
                fault("parent", row.parent, Text("parent_other"))
            elif row.parent == row.id:
                fault("parent", row.parent, Text("parent_not_self"))
        for column, (pattern, expected) in CODE_FORMATS.items():
            value = getattr(row, column)
            if isinstance(value, str):
                if not pattern.match(value):
                    fault(column, value, Text(expected))
                elif column == "siren" and not _luhn_ok(value):
                    fault(column, value, Text("siren_check"))
        if isinstance(row.population, str) and not POPULATION_RE.match(row.population):
            fault("population", row.population, Text(POPULATION_EXPECTED))
    # A parent chain must end: a loop would hang every roll-up.
    parents = dict(zip(frame["id"], frame["parent"]))
    for row in frame.itertuples(index=False):
        current, steps = row.id, 0
        while isinstance(current, str) and steps <= len(parents):
            current = parents.get(current)
            steps += 1
            if current == row.id:
                problems.append(Problem(row.file, row=int(row.row), column="parent", value=row.parent,
                                        expected=Text("parent_chain")))
                break
    return problems


def indicator_problems(root: DataRoot) -> list[Problem]:
    problems = []
    frame = root.indicators
    duplicated = frame[frame["id"].duplicated(keep=False)]
    for ident, group in duplicated.groupby("id"):
        files = list(group["file"])
        for file in files[1:]:
            problems.append(Problem(file, key="id", value=ident, expected=Text("id_used_once_in", file=files[0])))
    for row in frame.itertuples(index=False):
        if isinstance(row.id, str) and not ID_RE.match(row.id):
            problems.append(Problem(row.file, key="id", value=row.id,
                                    expected=Text("id_letters")))
    return problems


def coalition_problems(root: DataRoot) -> list[Problem]:
    problems = []
    known = set(root.territories["id"].dropna())
    for row in root.coalitions.itertuples(index=False):
        if isinstance(row.id, str) and not ID_RE.match(row.id):
            problems.append(Problem(row.file, key="id", value=row.id,
                                    expected=Text("id_letters")))
        for i, territory in enumerate(row.territories):
            if territory not in known:
                problems.append(Problem(row.file, key=f"territories[{i}]", value=territory,
                                        expected=Text("territory_id_of", file=root_paths.TERRITORIES)))
        for i, lead in enumerate(row.leads):
            email = lead.get("email")
            if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
                problems.append(Problem(row.file, key=f"leads[{i}].email", value=email, expected=Text("email")))
    return problems


def _dedupe(problems: list[Problem]) -> list[Problem]:
    """One message per place: the first fault found in a cell says what to fix first."""
    seen, kept = set(), []
    for problem in problems:
        place = (problem.file, problem.row, problem.line, problem.key, problem.column)
        if problem.row is None and problem.key is None and problem.line is None:
            place = (*place, problem.expected, str(problem.value))
        if place in seen:
            continue
        seen.add(place)
        kept.append(problem)
    return sorted(kept, key=Problem.sort_key)


def check_root(root: DataRoot) -> tuple[list[Problem], pd.DataFrame, pd.DataFrame]:
    """All problems of a loaded root, and its typed observations and targets."""
    problems = list(root.problems)
    problems += indicator_problems(root)
    problems += territory_problems(root)
    problems += coalition_problems(root)
    from observatory.reporting import programme_problems  # issue 26: data/programme.yml, the reporting cycle

    problems += programme_problems(root.path)
    observations = observation_frame(root)
    targets = target_frame(root)
    # A file that could not be parsed is reported once, not again by every row that names it.
    indicator_ids = set(root.indicators["id"].dropna()) | {
        p.stem for p in root_paths.at(root.path, root_paths.INDICATORS).rglob("*.y*ml")}
    coalition_ids = set(root.coalitions["id"].dropna()) | {
        p.stem for p in root_paths.at(root.path, root_paths.COALITIONS).glob("*.y*ml")}
    territory_ids = root.territories["id"].dropna()
    problems += expectations.observation_problems(observations, indicator_ids, territory_ids, coalition_ids)
    problems += expectations.target_problems(targets, indicator_ids, territory_ids)
    if root.services is not None and (len(root.services) or len(root.assessments)):
        problems += expectations.register_problems(root.services, register_frame(root))
        if set(root.indicators["id"]) & set(selfdata.INDICATORS) and selfdata.TERRITORY not in set(territory_ids):
            problems.append(Problem(root_paths.TERRITORIES, value=None,
                                    expected=Text("selfdata_territory", territory=selfdata.TERRITORY)))
    return _dedupe(problems), observations, targets


def register_frame(root: DataRoot) -> pd.DataFrame:
    """Assessments with their date parsed (end of period) and a key for duplicates."""
    frame = root.assessments.rename(columns={"date": "date_text"}).copy()
    frame["date"] = parse_period_end(frame["date_text"])
    frame["date_plausible"] = plausible(frame["date"])
    frame["date_key"] = date_keys(frame["date"], frame["date_text"])
    return frame


def validated(path: Path, use_cache: bool = True) -> ValidRoot:
    """Load and check a data root; raise :class:`InvalidDataRoot` listing every problem.

    An unchanged root is not checked again: the outcome of the last check (the same
    problems, or the same tables) comes from :mod:`observatory.cache`.
    """
    from observatory import cache

    if not (use_cache and cache.enabled() and path.is_dir()):
        return _validated_now(path)
    try:
        before = cache.root_digest(path)
    except OSError:
        before = None
    if before is None:  # unreadable, or an interrupted import that loading will finish first
        return _validated_now(path)
    # Dates are plausible up to some years ahead of today: the outcome also depends on the year.
    key = cache.key(path, before, plausible_window())
    outcome = cache.read(path, "validated", key, _an_outcome)
    if outcome is None:
        try:
            outcome = ("valid", _validated_now(path))
        except InvalidDataRoot as exc:
            outcome = ("invalid", exc.problems)
        try:
            unchanged = cache.root_digest(path) == before
        except OSError:
            unchanged = False
        if unchanged:  # a root changed while it was read (an import) is not remembered
            cache.write(path, "validated", key, outcome)
    kind, value = outcome
    if kind == "invalid":
        raise InvalidDataRoot(value)
    return replace(value, path=path, cache_key=key)


def _an_outcome(value: object) -> bool:
    """What the cache keeps for a validation: ("valid", the tables) or ("invalid", the problems)."""
    if not (isinstance(value, tuple) and len(value) == 2):
        return False
    kind, found = value
    if kind == "valid":
        tables = ("indicators", "territories", "coalitions", "targets", "observations", "datasets")
        return isinstance(found, ValidRoot) and all(isinstance(getattr(found, t), pd.DataFrame) for t in tables)
    return kind == "invalid" and isinstance(found, list) and all(isinstance(p, Problem) for p in found)


def _validated_now(path: Path) -> ValidRoot:
    root = load_root(path)
    problems, observations, targets = check_root(root)
    if problems:
        raise InvalidDataRoot(problems)
    keep_obs = ["indicator", "territory", "coalition", "date_text", "date", "value", "source", "comment",
                "file", "row", "dataset", "demonstration", "quality", *vocabulary.EVIDENCE_COLUMNS]
    keep_targets = ["coalition", "indicator", "territory", "baseline_date", "baseline_value", "target_date",
                    "target_value", "source", "file", "key", "reporting"]
    services = root.services if root.services is not None else pd.DataFrame(columns=["id"])
    assessments = register_frame(root) if root.assessments is not None else pd.DataFrame()
    # The register's shares are not computed here: see observatory.derive (the compute step).
    observations["quality"] = observations["quality_shown"]
    return ValidRoot(root.path, root.indicators, root.territories, root.coalitions,
                     targets[keep_targets].reset_index(drop=True),
                     observations[keep_obs].reset_index(drop=True), root.datasets, services, assessments)
