"""Read a data root into tables, noting every problem met while parsing.

Loading never stops at the first fault: whatever can be read is read, and each
file that can't be (bad YAML, wrong encoding, missing keys, a typo in a key) is
reported as a :class:`~observatory.errors.Problem`. Cross-file consistency is
checked afterwards by :mod:`observatory.validate`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from observatory import journal, root_paths, locking, vocabulary, parquet, selfdata
from observatory.dates import normalise_date_text
from observatory.errors import DescribedText, ObservatoryError, Problem, Text

INDICATOR_COLUMNS = [
    "id", "name_fr", "name_en", "quality", "unit", "unit_en", "direction", "description_fr", "description_en",
    "method_fr", "method_en", "source_name", "source_url", "limit", "aggregation", "lever", "decimals",
    "frequency", "license", "file",
]
COALITION_COLUMNS = [
    "id", "name_fr", "name_en", "axes", "maturity", "levers", "leads", "partners", "territories",
    "intention", "intention_en", "file",
]
TARGET_COLUMNS = [
    "coalition", "indicator", "territory", "baseline_date_text", "baseline_value_text",
    "target_date_text", "target_value_text", "source", "file", "key", "reporting",
]
TERRITORY_COLUMNS = [*vocabulary.TERRITORY_COLUMNS, *vocabulary.TERRITORY_CODE_COLUMNS, *vocabulary.TERRITORY_OPTIONAL_COLUMNS,
                     "file", "row"]
# The observations as read from data/observations/*.csv: cells as typed (date_text, value_text), with their place.
OBSERVATION_ROW_COLUMNS = [
    "indicator", "territory", "date_text", "value_text", "coalition", "source", "comment", "file", "row",
    "dataset", "quality", "link", "contribution", "contribution_note",
]
DATASET_COLUMNS = ["dataset", "file", "title_fr", "title_en", "description_fr", "description_en",
                   "demonstration", "license", "source"]


@dataclass
class DataRoot:
    """Everything a data root holds, as tables, plus the problems met reading it."""

    path: Path
    indicators: pd.DataFrame
    territories: pd.DataFrame
    coalitions: pd.DataFrame
    targets: pd.DataFrame
    observations: pd.DataFrame
    datasets: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    services: pd.DataFrame | None = None  # the Self Data register (observatory.selfdata)
    assessments: pd.DataFrame | None = None


# libyaml's parser, where PyYAML was built with it: 10 to 20 times faster on large coalition files.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_BaseLoader):
    """YAML loader that refuses a key given twice (the second would silently win)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a list or mapping is used as a key", key_node.start_mark) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key '{key}' is given twice", key_node.start_mark
            )
        seen[key] = True
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep)


def _construct_timestamp(loader: _UniqueKeyLoader, node: yaml.ScalarNode):
    """An unquoted date; one that isn't in the calendar (2019-02-30) is kept as typed, for the date checks to name."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


# Far beyond any figure (and any float): such an integer is kept as typed, for the number checks to name;
# turning it into text later would hit Python's limit on int-to-text conversion (4,300 digits).
_MAX_INT_BITS = 1024


def _construct_int(loader: _UniqueKeyLoader, node: yaml.ScalarNode):
    try:
        value = yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    except ValueError:  # more digits than Python converts
        return loader.construct_scalar(node)
    return value if value.bit_length() <= _MAX_INT_BITS else loader.construct_scalar(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def rel(path: Path, root: Path) -> str:
    """A file's path as the user sees it: relative to the data root, with / separators."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


# Profiles nest 4 levels (targets[0].baseline.date); far deeper values can't even be shown in a message.
MAX_DEPTH = 50


def _depth(data: object) -> int:
    """How deeply lists and mappings nest (without recursion: the nesting may be thousands deep)."""
    deepest, stack, seen = 0, [(data, 1)], set()
    while stack:
        value, depth = stack.pop()
        if not isinstance(value, (dict, list)) or id(value) in seen:
            continue
        seen.add(id(value))  # an alias may point back at its parent (&a [*a])
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))
    return deepest


def read_yaml(path: Path, root: Path, problems: list[Problem]):
    """Parse one YAML file; on failure note a problem and return None."""
    name = rel(path, root)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, value=Text("byte_at", byte=f"{exc.object[exc.start]:02x}", offset=exc.start),
                                expected=Text("utf8")))
        return None
    except OSError as exc:
        problems.append(Problem(name, value=exc.strerror, expected=Text("readable")))
        return None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
        depth = _depth(data)
        if depth > MAX_DEPTH:
            problems.append(Problem(name, value=Text("nested_deep", depth=MAX_DEPTH),
                                    expected=Text("yaml_depth", depth=MAX_DEPTH)))
            return None
        return data
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(name, line=line, value=what, expected=Text("valid_yaml")))
        return None
    except Exception as exc:  # noqa: BLE001 - any value PyYAML can't build (!!bool maybe...): named, no traceback
        problems.append(Problem(name, value=f"{type(exc).__name__}: {exc}", expected=Text("valid_yaml")))
        return None


def read_mapping(path: Path, root: Path, problems: list[Problem], keys: tuple[str, ...]) -> dict | None:
    """A YAML file that must hold a mapping of ``keys``; an empty file is a problem, not an empty mapping."""
    name = rel(path, root)
    before = len(problems)
    data = read_yaml(path, root, problems)
    if len(problems) > before:
        return None
    if data is None:
        problems.append(Problem(name, value=DescribedText("empty_file"),
                                expected=Text("mapping_of_keys_list", keys=", ".join(keys))))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(name, value=type(data).__name__, expected=Text("mapping_of_keys")))
        return None
    return data


class _ProfileFields:
    """Reads typed fields out of one YAML mapping, noting each fault with its key path."""

    def __init__(self, data: dict, file: str, problems: list[Problem], prefix: str = ""):
        self.data = data
        self.file = file
        self.problems = problems
        self.prefix = prefix

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def fault(self, name: str, value: object, expected: str) -> None:
        self.problems.append(Problem(self.file, key=self.key(name), value=value, expected=expected))

    def check_keys(self, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
        allowed = (*required, *optional)
        for name in required:
            if name not in self.data:
                self.fault(name, None, Text("required_key", keys=", ".join(required)))
        for name in self.data:
            if name not in allowed:
                self.fault(str(name), name, Text("known_keys", keys=", ".join(allowed)))

    def text(self, name: str, required: bool = True) -> str | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, (dict, list, bool)):
            self.fault(name, value, Text("a_text"))
            return None
        text = str(value).strip()
        if not text and required:
            self.fault(name, value, Text("non_empty_text"))
            return None
        return text or None

    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        value = self.data.get(name)
        if value is None:
            return None
        if value not in choices:
            self.fault(name, value, Text("one_of", values=", ".join(choices)))
            return None
        return value

    def choices(self, name: str, choices: tuple[str, ...]) -> list[str]:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fault(name, value, Text("list_of", values=", ".join(choices)))
            return []
        good = []
        for i, item in enumerate(value):
            if item not in choices:
                self.fault(f"{name}[{i}]", item, Text("one_of", values=", ".join(choices)))
            else:
                good.append(item)
        return good

    def texts(self, name: str) -> list[str]:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fault(name, value, Text("list_of_texts"))
            return []
        good = []
        for i, item in enumerate(value):
            if isinstance(item, (dict, list)) or item is None or str(item).strip() == "":
                self.fault(f"{name}[{i}]", item, Text("non_empty_text"))
            else:
                good.append(str(item).strip())
        return good

    def translated(self, name: str, require_en: bool) -> tuple[str | None, str | None]:
        """A text given in French and English: {fr: ..., en: ...}, or one plain text (French)."""
        value = self.data.get(name)
        if value is None:
            return None, None
        if isinstance(value, dict):
            sub = _ProfileFields(value, self.file, self.problems, self.key(name) + ".")
            sub.check_keys(("fr", "en") if require_en else ("fr",), () if require_en else ("en",))
            return sub.text("fr"), sub.text("en")
        if require_en:
            self.fault(name, value, Text("fr_en_mapping"))
            return None, None
        # One plain text is French (the data's language): no English text, rather than French labelled English.
        return self.text(name), None

    def number(self, name: str) -> float | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fault(name, value, Text("number"))
            return None
        return float(value)


def _number_text(value: object) -> str | None:
    """A YAML value as the text a user would have typed, for the same number checks as CSV cells."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, (dict, list)):
        return yaml.safe_dump(value, default_flow_style=True).strip()
    return str(value)


def _read_profile(path: Path, root: Path, problems: list[Problem], required: tuple[str, ...],
                  optional: tuple[str, ...]) -> tuple[dict, _ProfileFields, str | None] | None:
    """A YAML mapping whose keys are checked and whose ``id`` must be the file's name."""
    name = rel(path, root)
    data = read_mapping(path, root, problems, (*required, *optional))
    if data is None:
        return None
    f = _ProfileFields(data, name, problems)
    f.check_keys(required, optional)
    ident = f.text("id")
    if ident is not None and ident != path.stem:
        f.fault("id", ident, Text("file_name_id", stem=path.stem))
    return data, f, ident


def load_indicators(root: Path, problems: list[Problem]) -> pd.DataFrame:
    rows = []
    folder = root_paths.at(root, root_paths.INDICATORS)
    if not folder.is_dir():
        problems.append(Problem(f"{root_paths.INDICATORS}/", value=None, expected=Text("indicators_folder")))
        return pd.DataFrame(columns=INDICATOR_COLUMNS)
    for path in sorted(folder.rglob("*")):
        if path.is_dir() or path.name.startswith(".") or path.name.lower() in ("readme.md",):
            continue
        name = rel(path, root)
        parts = path.relative_to(folder).parts
        if path.suffix not in (".yml", ".yaml"):
            problems.append(Problem(name, value=path.name,
                                    expected=Text("only_yml_indicators", folder=root_paths.INDICATORS)))
            continue
        if len(parts) != 2:
            problems.append(Problem(name, value="/".join(parts[:-1]) or "indicators/",
                                    expected=Text("file_in_quality_folder")))
            continue
        read = _read_profile(path, root, problems, vocabulary.INDICATOR_REQUIRED, vocabulary.INDICATOR_OPTIONAL)
        if read is None:
            continue
        data, f, ident = read
        quality_folder = parts[0]
        if quality_folder not in vocabulary.QUALITIES:
            problems.append(Problem(name, value=quality_folder,
                                    expected=Text("quality_folder", qualities=", ".join(vocabulary.QUALITIES))))
        quality = f.choice("quality", vocabulary.QUALITIES)
        if quality is not None and quality_folder in vocabulary.QUALITIES and quality != quality_folder:
            f.fault("quality", quality, Text("quality_of_folder", folder=quality_folder))
        name_fr, name_en = f.translated("name", require_en=True)
        description_fr, description_en = f.translated("description", require_en=False)
        method_fr, method_en = f.translated("method", require_en=False)
        source_name, source_url = None, None
        source = data.get("source")
        if isinstance(source, dict):
            sub = _ProfileFields(source, name, problems, "source.")
            sub.check_keys(("name",), ("url",))
            source_name, source_url = sub.text("name"), sub.text("url", required=False)
        elif source is not None:
            source_name = f.text("source")
        decimals = data.get("decimals")
        if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0):
            f.fault("decimals", decimals, Text("decimals"))
            decimals = None
        # A unit is one text ("%", "/10") or {fr: personnes, en: people}: English pages show English units.
        unit_fr, unit_en = f.translated("unit", require_en=False)
        rows.append({
            "id": ident or path.stem,
            "name_fr": name_fr,
            "name_en": name_en,
            "quality": quality,
            "unit": unit_fr,
            "unit_en": unit_en,
            "direction": f.choice("direction", vocabulary.DIRECTIONS),
            "description_fr": description_fr,
            "description_en": description_en,
            "method_fr": method_fr,
            "method_en": method_en,
            "source_name": source_name,
            "source_url": source_url,
            "limit": f.number("limit"),
            "aggregation": f.choice("aggregation", vocabulary.AGGREGATIONS),
            "lever": f.choice("lever", vocabulary.LEVERS),
            "decimals": decimals,
            "frequency": f.text("frequency", required=False),
            "license": f.text("license", required=False),
            "file": name,
        })
    frame = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
    return frame.astype({"limit": "float64"})


def _read_csv_records(path: Path, root: Path, problems: list[Problem]) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    """Header and (spreadsheet row, cells) of a CSV file; blank rows are skipped but counted."""
    name = rel(path, root)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(name, value=exc.strerror, expected=Text("readable")))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(name, line=line, value=Text("byte", byte=f"{raw[exc.start]:02x}"),
                                expected=Text("utf8_spreadsheet")))
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        problems.append(Problem(name, line=reader.line_num, value=str(exc), expected=Text("well_formed_csv")))
        return None
    if not records or not any(cell.strip() for cell in records[0]):
        problems.append(Problem(name, row=1, value=None, expected=Text("header_row")))
        return None
    header = [cell.strip() for cell in records[0]]
    body = []
    for index, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        body.append((index, cells))
    return header, body


def _check_header(name: str, header: list[str], required: tuple[str, ...], optional: tuple[str, ...],
                  problems: list[Problem]) -> bool:
    ok = True
    allowed = (*required, *optional)
    for position, column in enumerate(header, start=1):
        if column == "":
            continue
        if column not in allowed:
            problems.append(Problem(name, row=1, column=column, value=column,
                                    expected=Text("known_columns", columns=", ".join(allowed))))
            ok = False
        elif header.count(column) > 1 and header.index(column) != position - 1:
            problems.append(Problem(name, row=1, column=column, value=column, expected=Text("each_column_once")))
            ok = False
    for column in required:
        if column not in header:
            problems.append(Problem(name, row=1, column=column, value=None,
                                    expected=Text("required_column", columns=", ".join(required))))
            ok = False
    return ok


_INTEGER = re.compile(r"^[+-]?\d+$")
_DIGITS = re.compile(r"^\d+$")


def _decimal_comma(header: list[str], cells: list[str]) -> int | None:
    """Where an unquoted decimal comma split the value in two cells (3,7 → '3' and '7'), if it did."""
    if "value" not in header or len(cells) <= len(header):
        return None
    used = len(cells)
    while used > len(header) and not cells[used - 1].strip():
        used -= 1  # trailing empty cells
    if used > len(header) + 1:
        return None  # more than one cell too many: something else
    i = header.index("value")
    if _INTEGER.match(cells[i].strip()) and _DIGITS.match(cells[i + 1].strip()):
        return i
    return None


def _records_to_rows(name: str, header: list[str], body, problems: list[Problem]) -> list[dict]:
    rows = []
    for row_number, cells in body:
        comma = _decimal_comma(header, cells)
        if comma is not None:
            whole, decimals = cells[comma].strip(), cells[comma + 1].strip()
            problems.append(Problem(name, row=row_number, column=header[comma], value=f"{whole},{decimals}",
                                    expected=Text("decimal_comma", count=len(header), number=f"{whole}.{decimals}")))
            # The two halves back in one cell: the other columns then read as meant.
            cells = [*cells[:comma], f"{whole},{decimals}", *cells[comma + 2:]]
        elif len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            problems.append(Problem(name, row=row_number, value=cells[len(header)],
                                    expected=Text("too_many_cells", count=len(header))))
        record = {}
        for position, column in enumerate(header):
            if column == "":
                continue
            cell = cells[position].strip() if position < len(cells) else ""
            record[column] = cell or None
        record["file"] = name
        record["row"] = row_number
        rows.append(record)
    return rows


def _as_text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Text columns as Python strings or None, whatever pandas guessed (an all-empty column reads as float)."""
    for column in columns:
        values = frame[column].astype("object")
        missing = values.isna().to_numpy()
        # Compared in C, not by a Python loop over every empty cell (a comment column: millions, 0.5 s a file).
        if missing.any() and not (values.to_numpy()[missing] == None).all():  # noqa: E711 (element-wise)
            values = values.where(~missing, None)  # NaN (an all-empty column, a reindexed one) to None
        frame[column] = values
    return frame


def load_territories(root: Path, problems: list[Problem]) -> pd.DataFrame:
    path = root_paths.at(root, root_paths.TERRITORIES)
    if not path.is_file():
        problems.append(Problem(root_paths.TERRITORIES, value=None, expected=Text("territories_table")))
        return pd.DataFrame(columns=TERRITORY_COLUMNS)
    read = _read_csv_records(path, root, problems)
    if read is None:
        return pd.DataFrame(columns=TERRITORY_COLUMNS)
    header, body = read
    name = rel(path, root)
    if not _check_header(name, header, vocabulary.TERRITORY_COLUMNS,
                         (*vocabulary.TERRITORY_CODE_COLUMNS, *vocabulary.TERRITORY_OPTIONAL_COLUMNS), problems):
        return pd.DataFrame(columns=TERRITORY_COLUMNS)
    rows = _records_to_rows(name, header, body, problems)
    frame = pd.DataFrame(rows).reindex(columns=TERRITORY_COLUMNS)
    return _as_text(frame, [c for c in TERRITORY_COLUMNS if c != "row"])


def load_territories_meta(root: Path, problems: list[Problem]) -> list[dict]:
    """data/territories.meta.yml, where a source wrote it, as a row of the datasets table (none without it)."""
    path = root_paths.at(root, root_paths.TERRITORIES_META)
    if not path.exists():
        return []
    data = read_mapping(path, root, problems, vocabulary.TERRITORY_META_KEYS)
    if data is None:
        return []
    f = _ProfileFields(data, rel(path, root), problems)
    f.check_keys((), vocabulary.TERRITORY_META_KEYS)
    title_fr, title_en = f.translated("title", require_en=False)
    description_fr, description_en = f.translated("description", require_en=False)
    f.text("version", required=False)
    for key in ("cog_year", "population_year"):
        year = data.get(key)
        if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1800 <= year <= 2200):
            f.fault(key, year, Text("year_digits"))
    return [{"dataset": root_paths.TERRITORIES_DATASET, "file": root_paths.TERRITORIES, "title_fr": title_fr,
             "title_en": title_en, "description_fr": description_fr, "description_en": description_en,
             "demonstration": False, "license": f.text("license", False), "source": f.text("source", False)}]


def load_coalitions(root: Path, problems: list[Problem]) -> tuple[pd.DataFrame, pd.DataFrame]:
    coalitions, targets = [], []
    folder = root_paths.at(root, root_paths.COALITIONS)
    if not folder.is_dir():
        problems.append(Problem(f"{root_paths.COALITIONS}/", value=None, expected=Text("coalitions_folder")))
        return pd.DataFrame(columns=COALITION_COLUMNS), pd.DataFrame(columns=TARGET_COLUMNS)
    for path in sorted(folder.iterdir()):
        if path.is_dir() or path.name.startswith(".") or path.name.lower() == "readme.md":
            continue
        name = rel(path, root)
        if path.suffix not in (".yml", ".yaml"):
            problems.append(Problem(name, value=path.name,
                                    expected=Text("only_yml_coalitions", folder=root_paths.COALITIONS)))
            continue
        read = _read_profile(path, root, problems, vocabulary.COALITION_REQUIRED, vocabulary.COALITION_OPTIONAL)
        if read is None:
            continue
        data, f, ident = read
        ident = ident or path.stem
        name_fr, name_en = f.translated("name", require_en=True)
        leads = []
        raw_leads = data.get("leads")
        if raw_leads is not None and not isinstance(raw_leads, list):
            f.fault("leads", raw_leads, Text("leads_list"))
        for i, lead in enumerate(raw_leads if isinstance(raw_leads, list) else []):
            if isinstance(lead, dict):
                sub = _ProfileFields(lead, name, problems, f"leads[{i}].")
                sub.check_keys(("name",), ("organisation", "email", "lang"))
                # lang: the language the lead is written to in (reminders, issue 26): fr (default) or en
                leads.append({"name": sub.text("name"), "organisation": sub.text("organisation", False),
                              "email": sub.text("email", False), "lang": sub.choice("lang", ("fr", "en"))})
            elif isinstance(lead, str) and lead.strip():
                leads.append({"name": lead.strip(), "organisation": None, "email": None, "lang": None})
            else:
                f.fault(f"leads[{i}]", lead, Text("lead_item"))
        coalitions.append({
            "id": ident,
            "name_fr": name_fr,
            "name_en": name_en,
            "axes": f.choices("axes", vocabulary.AXES),
            "maturity": f.choice("maturity", vocabulary.MATURITIES),
            "levers": f.choices("levers", vocabulary.LEVERS),
            "leads": leads,
            "partners": f.texts("partners"),
            "territories": f.texts("territories"),
            "intention": f.text("intention"),
            "intention_en": f.text("intention_en", required=False),
            "file": name,
        })
        raw_targets = data.get("targets")
        if raw_targets is None:
            continue
        if not isinstance(raw_targets, list):
            f.fault("targets", raw_targets, Text("targets_list"))
            continue
        for i, target in enumerate(raw_targets):
            key = f"targets[{i}]"
            if not isinstance(target, dict):
                f.fault(key, target, Text("target_mapping"))
                continue
            sub = _ProfileFields(target, name, problems, key + ".")
            sub.check_keys(vocabulary.TARGET_KEYS, vocabulary.TARGET_OPTIONAL_KEYS)
            # source: who states the target (a plan, a law, a published programme); none: an illustrative target
            row = {"coalition": ident, "indicator": sub.text("indicator"), "territory": sub.text("territory"),
                   "source": sub.text("source", False), "file": name, "key": key,
                   "reporting": sub.choice("reporting", vocabulary.TARGET_REPORTING)}
            for point in ("baseline", "target"):
                value = target.get(point)
                row[f"{point}_date_text"] = None
                row[f"{point}_value_text"] = None
                if value is None:
                    continue
                if not isinstance(value, dict):
                    sub.fault(point, value, Text("point_mapping"))
                    continue
                pf = _ProfileFields(value, name, problems, f"{key}.{point}.")
                pf.check_keys(vocabulary.TARGET_POINT_KEYS, ())
                row[f"{point}_date_text"] = normalise_date_text(value.get("date"))
                row[f"{point}_value_text"] = _number_text(value.get("value"))
            targets.append(row)
    targets_frame = _as_text(pd.DataFrame(targets, columns=TARGET_COLUMNS), TARGET_COLUMNS)
    return pd.DataFrame(coalitions, columns=COALITION_COLUMNS), targets_frame


def _observation_table(path: Path, root: Path, problems: list[Problem]) -> pd.DataFrame | None:
    """An observation file's rows as text (``date_text``, ``value_text``…, ``file``, ``row``), None if it can't be
    read. Columnar (pandas' C parser, quoted cells included: a national file of millions of rows in seconds),
    only the rows that may have more cells than the header (a decimal comma…) read again one by one for the
    row-by-row reader's messages; a file that is not a table at all (bytes that are not UTF-8, a quote left
    open, a bad header…) goes wholly through the row-by-row reader. Both give the same rows and messages."""
    name = rel(path, root)
    if path.suffix == ".parquet":
        return _parquet_table(path, name, problems)
    rows_problems: list[Problem] = []  # the long rows' messages, said after the header's, as row by row
    frame = _columnar_rows(path, name, rows_problems)
    if frame is not None:
        header = frame.attrs["header"]
    else:  # the row-by-row reader, and its messages
        read = _read_csv_records(path, root, problems)
        if read is None:
            return None
        header, body = read
    if not _check_header(name, header, vocabulary.OBSERVATION_REQUIRED, vocabulary.OBSERVATION_OPTIONAL, problems):
        return None
    problems.extend(rows_problems)
    if frame is None:
        frame = pd.DataFrame(_records_to_rows(name, header, body, problems))
    return frame.rename(columns={"date": "date_text", "value": "value_text"})


def _parquet_table(path: Path, name: str, problems: list[Problem]) -> pd.DataFrame | None:
    """A Parquet observation file's records as a CSV file's rows (:mod:`observatory.parquet`: the same texts,
    a record named by its spreadsheet row), None if it can't be read: the same checks and messages follow."""
    read = parquet.parquet_header(path, name, problems)
    if read is None:
        return None
    header, types = read
    if not _check_header(name, header, vocabulary.OBSERVATION_REQUIRED, vocabulary.OBSERVATION_OPTIONAL, problems):
        return None
    frame = parquet.parquet_rows(path, name, header, types, problems)
    if frame is None:
        return None
    return frame.rename(columns={"date": "date_text", "value": "value_text"})


# Whitespace that str.strip() removes, besides the space and line ends (a tab, a no-break space…).
_OTHER_SPACES = [c for c in map(chr, range(0x3001)) if c.isspace() and c not in " \r\n"]


def _has_padded_cell(text: str) -> bool:
    """Could a cell begin or end with whitespace? (substring searches: a regex costs 0.6 s on 288,000 rows)"""
    edges = (", ", " ,", "\n ", " \n", " \r")
    if '"' in text:  # a quoted cell's own edges: " x ", a line end inside quotes
        edges += ('" ', ' "', '"\n', '\n"', '"\r', '\r"')
    return (text[:1] == " " or text[-1:] == " " or any(s in text for s in edges)
            or any(c in text for c in _OTHER_SPACES))


_TOO_MANY = re.compile(r"Expected \d+ fields in line \d+, saw (\d+)")
_SPARE = 2  # columns read past the header's: a row longer than the header shows there
_TRIES = 3  # a row longer still makes the parser stop: read again as wide, a few times at most


def _parsed(text: str, width: int) -> pd.DataFrame | None:
    """Every record of the file as ``width`` text columns or more (pandas' C parser, the csv module's quoting
    rules: quoted cells, "" inside quotes, line ends in quotes), missing cells empty; None if it can't."""
    for _ in range(_TRIES):
        try:
            return pd.read_csv(io.StringIO(text, newline=""), header=None, names=range(width), dtype=object,
                               na_filter=False, skip_blank_lines=False, engine="c", quotechar='"', doublequote=True)
        except pd.errors.ParserError as exc:
            wider = _TOO_MANY.search(str(exc))
            if wider is None:
                return None  # a quote left open…: the row-by-row reader words it
            width = int(wider.group(1)) + _SPARE
        except (ValueError, pd.errors.EmptyDataError):
            return None
    return None


def _maybe_long(body: pd.DataFrame, header: list[str]) -> np.ndarray:
    """The rows that may hold more cells than the header: a cell past it, or — a missing cell and an empty
    one reading alike — a row the row-by-row reader could take for a decimal comma that split a value in two
    (an integer value, digits in the next column), were empty cells to follow. Those rows are read again one
    by one; the others are plain."""
    width = len(header)
    long = np.zeros(len(body), dtype=bool)
    for position in range(width, body.shape[1]):
        long |= (body[position] != "").to_numpy()
    if "value" in header and header.index("value") + 1 < width:
        i = header.index("value")
        # The next column's distinct texts first (a source, a comment: few), then those rows' values only.
        digits = [text for text in pd.unique(body[i + 1]) if _DIGITS.match(text.strip())]
        if digits:
            at = np.flatnonzero(body[i + 1].isin(digits).to_numpy())
            values = body[i].to_numpy()[at]
            long[at[[bool(_INTEGER.match(text.strip())) for text in values]]] = True
    return long


def _needs_strip(cells: pd.Series) -> bool:
    """Does a cell of the column begin or end with whitespace? Each distinct text once: a comment such as
    "relevé partiel, à confirmer" makes the whole file look padded, yet most columns need no stripping."""
    return any(text != text.strip() for text in pd.unique(cells))


def _records_at(text: str, numbers: set[int]) -> dict[int, list[str]]:
    """The csv module's cells of the records at these indices (0: the header), for the row-by-row reader."""
    found = {}
    for index, cells in enumerate(csv.reader(io.StringIO(text, newline=""))):
        if index in numbers:
            found[index] = cells
            if len(found) == len(numbers):
                break
    return found


def _columnar_rows(path: Path, name: str, problems: list[Problem] | None = None) -> pd.DataFrame | None:
    """The file read as columns, exactly as the row-by-row reader reads it (cells stripped, empty cells None,
    blank rows skipped but counted, the same messages), or None where that reader must speak for the whole
    file: undecodable bytes, a NUL byte, no header, a quote left open, a header cell that is empty or repeated.

    pandas' C parser reads every record, quoted cells included, into text columns; only the rows that may be
    longer than the header (a decimal comma that split a value in two…) are read again by the csv module and
    worded by the row-by-row reader, their problems added to ``problems`` (without it, such a file gives None).
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    if "\0" in text:
        return None
    try:
        first = next(csv.reader(io.StringIO(text, newline="")), None)
    except csv.Error:
        return None
    if not first:
        return None
    header = [cell.strip() for cell in first]
    if "" in header or len(set(header)) != len(header):
        return None
    table = _parsed(text, len(header) + _SPARE)
    if table is None or table.empty:
        return None
    body = table.iloc[1:]
    del table
    long = _maybe_long(body, header)
    if long.any() and problems is None:
        return None
    # Whitespace at a cell's edge (line ends aside): without it, no cell needs stripping.
    padded = _has_padded_cell(text)
    out = {}
    blank = ~long  # rows of empty cells only (the long ones are judged below)
    for position, column in enumerate(header):
        cells = body[position]
        if padded and _needs_strip(cells):
            cells = cells.str.strip()
        filled = (cells != "").to_numpy()
        blank &= ~filled
        out[column] = cells.to_numpy().copy()
        out[column][~filled] = None
    numbers = body.index.to_numpy()
    del body, cells
    frame = _frame_of(out, len(numbers))
    del out
    if long.any():
        # Those rows as the row-by-row reader reads them: the csv module's cells, its messages, in order.
        at = np.flatnonzero(long)
        records = _records_at(text, set(numbers[at].tolist()))
        kept = np.array([any(cell.strip() for cell in records[numbers[k]]) for k in at], dtype=bool)
        blank[at[~kept]] = True  # cells of spaces only: a blank row
        at = at[kept]
        worded = _records_to_rows(name, header, [(numbers[k] + 1, records[numbers[k]]) for k in at], problems)
        if len(at):
            frame.iloc[at, :] = pd.DataFrame(worded, columns=header).to_numpy(dtype=object)
    if blank.any():
        frame = frame[~blank].reset_index(drop=True)
    frame["file"] = name
    frame["row"] = numbers[~blank] + 1  # the header is row 1, as a spreadsheet shows it
    frame.attrs["header"] = header
    return frame


def _frame_of(columns: dict[str, np.ndarray], length: int) -> pd.DataFrame:
    """Text columns as a frame, each its own block, not copied: pandas' constructor would copy them all into
    one block (millions of cells, and the memory twice for a moment)."""
    frame = pd.DataFrame(index=pd.RangeIndex(length))
    for name, values in columns.items():
        frame[name] = pd.Series(values, dtype=values.dtype, index=frame.index, copy=False)
    return frame


def load_observations(root: Path, problems: list[Problem]) -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = root_paths.at(root, root_paths.OBSERVATIONS)
    frames, datasets = [], []
    if not folder.is_dir():
        return pd.DataFrame(columns=OBSERVATION_ROW_COLUMNS), pd.DataFrame(columns=DATASET_COLUMNS)
    for path in sorted(folder.iterdir()):
        if path.is_dir() or path.name.startswith(".") or path.name.lower() == "readme.md":
            continue
        name = rel(path, root)
        if path.name.endswith((".meta.yml", ".meta.yaml")):
            stem = path.name.rsplit(".meta.", 1)[0]
            if not any((folder / f"{stem}{suffix}").exists() for suffix in root_paths.OBSERVATION_SUFFIXES):
                problems.append(Problem(name, value=path.name,
                                        expected=Text("data_file_beside", stem=stem)))
            continue
        if path.suffix not in root_paths.OBSERVATION_SUFFIXES:
            problems.append(Problem(name, value=path.name,
                                    expected=Text("only_observation_files", folder=root_paths.OBSERVATIONS)))
            continue
        twins = [other for other in root_paths.OBSERVATION_SUFFIXES
                 if other != path.suffix and (folder / f"{path.stem}{other}").exists()]
        if twins and path.suffix != root_paths.OBSERVATION_SUFFIXES[0]:  # said once, on the second of the two
            problems.append(Problem(name, value=path.name,
                                    expected=Text("one_data_file", stem=path.stem, twin=f"{path.stem}{twins[0]}")))
            continue
        meta, file_quality = {}, None
        meta_path = path.with_name(path.stem + ".meta.yml")
        if meta_path.exists():
            meta_data = read_mapping(meta_path, root, problems, vocabulary.OBSERVATION_META_KEYS)
            if meta_data is not None:
                mf = _ProfileFields(meta_data, rel(meta_path, root), problems)
                mf.check_keys((), vocabulary.OBSERVATION_META_KEYS)
                title_fr, title_en = mf.translated("title", require_en=False)
                description_fr, description_en = mf.translated("description", require_en=False)
                demonstration = meta_data.get("demonstration", False)
                if not isinstance(demonstration, bool):
                    mf.fault("demonstration", demonstration, Text("true_or_false"))
                    demonstration = False
                file_quality = meta_data.get("quality")
                if file_quality is not None and file_quality not in vocabulary.FILE_QUALITIES:
                    mf.fault("quality", file_quality, Text("figure_quality_expected", values=", ".join(vocabulary.FILE_QUALITIES)))
                    file_quality = None
                elif demonstration and file_quality not in (None, "demonstration"):
                    mf.fault("quality", file_quality, Text("quality_demonstration_file"))
                demonstration = demonstration or file_quality == "demonstration"
                meta = {"title_fr": title_fr, "title_en": title_en, "description_fr": description_fr,
                        "description_en": description_en, "demonstration": demonstration,
                        "license": mf.text("license", False), "source": mf.text("source", False)}
        datasets.append({"dataset": path.stem, "file": name, "demonstration": False, **meta})
        frame = _observation_table(path, root, problems)
        if frame is None:
            continue
        frame["dataset"] = path.stem
        if file_quality is not None:  # the file's quality, for its rows that give none of their own
            frame["quality"] = frame["quality"].where(frame["quality"].notna(), file_quality) \
                if "quality" in frame else file_quality
        frames.append(frame.reindex(columns=OBSERVATION_ROW_COLUMNS))
    observations = _stacked(frames) if frames else pd.DataFrame(columns=OBSERVATION_ROW_COLUMNS)
    observations = _as_text(observations, [c for c in OBSERVATION_ROW_COLUMNS if c != "row"])
    return observations, pd.DataFrame(datasets, columns=DATASET_COLUMNS)


def _stacked(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The files' rows one under the other, built column by column, each file's column let go once copied:
    the peak is the whole table and one column more, not twice the table (pd.concat holds every file's
    frame and the result at once). Cells are shared, not copied: the same text objects."""
    columns = {}
    for column in OBSERVATION_ROW_COLUMNS:
        parts = [frame.pop(column).to_numpy(dtype="int64" if column == "row" else object) for frame in frames]
        joined = parts[0] if len(parts) == 1 else np.concatenate(parts)
        del parts
        columns[column] = joined
    frames.clear()
    return _frame_of(columns, len(columns["row"]))


def load_root(path: str | Path) -> DataRoot:
    """Read every file of a data root. Problems are collected, not raised."""
    root = Path(path)
    if not root.is_dir():
        raise ObservatoryError(f"{root}: no such folder (expected a data root with indicators/ and data/)")
    if not root_paths.at(root, root_paths.INDICATORS).is_dir() and not root_paths.at(root, root_paths.DATA).is_dir():
        raise ObservatoryError(f"{root}: not a data root (expected the folders indicators/ and data/ in it)")
    # A reader never takes part in a write: it reads between commits. If a commit happened while it read
    # (the data folder changed: a journal came or went), what it read may mix before and after: read again.
    for _ in range(READ_ATTEMPTS):
        if journal.pending(root):
            # An import is renaming its files, or died doing so: wait for the root's lock, then complete it.
            journal.recover(root)
        before = _data_folder_mark(root)
        loaded = _read_root(root)
        if not journal.pending(root) and _data_folder_mark(root) == before:
            return loaded
    # Writers keep committing: read under the root's lock, between two of them.
    with locking.root_lock(root, "observatory (reading the data root)"):
        return _read_root(root)


READ_ATTEMPTS = 3


def _data_folder_mark(root: Path) -> tuple:
    """Changes whenever a commit happens: every commit puts its journal in data/ (and most replace the history)."""
    mark = []
    for path in (root_paths.at(root, root_paths.DATA), root_paths.at(root, root_paths.HISTORY)):
        try:
            info = path.stat()
            mark.append((info.st_mtime_ns, info.st_ino))
        except OSError:
            mark.append(None)
    return tuple(mark)


def _read_root(root: Path) -> DataRoot:
    problems: list[Problem] = []
    indicators = load_indicators(root, problems)
    territories = load_territories(root, problems)
    coalitions, targets = load_coalitions(root, problems)
    observations, datasets = load_observations(root, problems)
    territories_meta = load_territories_meta(root, problems)
    if territories_meta:
        if root_paths.TERRITORIES_DATASET in set(datasets["dataset"]):
            # Both would be the dataset "territories" (data packages and pages name datasets by it).
            problems.append(Problem(root_paths.observation_file(root_paths.TERRITORIES_DATASET),
                                    value=f"{root_paths.TERRITORIES_DATASET}.csv",
                                    expected=Text("another_name", meta=root_paths.TERRITORIES_META)))
        else:
            meta = pd.DataFrame(territories_meta, columns=DATASET_COLUMNS)
            datasets = pd.concat([datasets, meta], ignore_index=True) if len(datasets) else meta
    services, assessments = load_register(root, problems)
    return DataRoot(root, indicators, territories, coalitions, targets, observations, datasets, problems,
                    services, assessments)


def load_register(root: Path, problems: list[Problem]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Self Data register's two tables (with file and row), or empty tables when there is no register."""
    tables = []
    for relative, columns, required in (
            (root_paths.SERVICES, selfdata.SERVICE_COLUMNS, selfdata.SERVICE_REQUIRED),
            (root_paths.ASSESSMENTS, selfdata.ASSESSMENT_COLUMNS, selfdata.ASSESSMENT_REQUIRED)):
        optional = tuple(c for c in columns if c not in required)
        path = root_paths.at(root, relative)
        empty = pd.DataFrame(columns=[*columns, "file", "row"])
        if not path.exists():
            tables.append(empty)
            continue
        read = _read_csv_records(path, root, problems)
        if read is None:
            tables.append(empty)
            continue
        header, body = read
        if not _check_header(rel(path, root), header, required, optional, problems):
            tables.append(empty)
            continue
        frame = pd.DataFrame(_records_to_rows(rel(path, root), header, body, problems)).reindex(
            columns=[*columns, "file", "row"])
        tables.append(_as_text(frame, [*columns, "file"]))
    return tables[0], tables[1]
