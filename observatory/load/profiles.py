"""The profiles: indicators (one YAML file each, in the folder of its quality), coalitions and their targets,
territories (a CSV table) and where they come from (``data/territories.meta.yml``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from observatory import root_paths, vocabulary
from observatory.dates import normalise_date_text
from observatory.errors import Problem, Text
from observatory.i18n import LANGS
from observatory.load.csv_records import check_header, read_csv_records, records_to_rows
from observatory.load.fields import ProfileFields, number_text
from observatory.load.frames import as_text
from observatory.load.yaml_files import read_mapping
from observatory.root_paths import rel

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


def _read_profile(path: Path, root: Path, problems: list[Problem], required: tuple[str, ...],
                  optional: tuple[str, ...]) -> tuple[dict, ProfileFields, str | None] | None:
    """A YAML mapping whose keys are checked and whose ``id`` must be the file's name."""
    name = rel(path, root)
    data = read_mapping(path, root, problems, (*required, *optional))
    if data is None:
        return None
    f = ProfileFields(data, name, problems)
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
            sub = ProfileFields(source, name, problems, "source.")
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


def load_territories(root: Path, problems: list[Problem]) -> pd.DataFrame:
    path = root_paths.at(root, root_paths.TERRITORIES)
    if not path.is_file():
        problems.append(Problem(root_paths.TERRITORIES, value=None, expected=Text("territories_table")))
        return pd.DataFrame(columns=TERRITORY_COLUMNS)
    read = read_csv_records(path, root, problems)
    if read is None:
        return pd.DataFrame(columns=TERRITORY_COLUMNS)
    header, body = read
    name = rel(path, root)
    if not check_header(name, header, vocabulary.TERRITORY_COLUMNS,
                         (*vocabulary.TERRITORY_CODE_COLUMNS, *vocabulary.TERRITORY_OPTIONAL_COLUMNS), problems):
        return pd.DataFrame(columns=TERRITORY_COLUMNS)
    rows = records_to_rows(name, header, body, problems)
    frame = pd.DataFrame(rows).reindex(columns=TERRITORY_COLUMNS)
    return as_text(frame, [c for c in TERRITORY_COLUMNS if c != "row"])


def load_territories_meta(root: Path, problems: list[Problem]) -> list[dict]:
    """data/territories.meta.yml, where a source wrote it, as a row of the datasets table (none without it)."""
    path = root_paths.at(root, root_paths.TERRITORIES_META)
    if not path.exists():
        return []
    data = read_mapping(path, root, problems, vocabulary.TERRITORY_META_KEYS)
    if data is None:
        return []
    f = ProfileFields(data, rel(path, root), problems)
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
                sub = ProfileFields(lead, name, problems, f"leads[{i}].")
                sub.check_keys(("name",), ("organisation", "email", "lang"))
                # lang: the language the lead is written to in (reminders, issue 26): fr (default), en… (LANGS)
                leads.append({"name": sub.text("name"), "organisation": sub.text("organisation", False),
                              "email": sub.text("email", False), "lang": sub.choice("lang", LANGS)})
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
            sub = ProfileFields(target, name, problems, key + ".")
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
                pf = ProfileFields(value, name, problems, f"{key}.{point}.")
                pf.check_keys(vocabulary.TARGET_POINT_KEYS, ())
                row[f"{point}_date_text"] = normalise_date_text(value.get("date"))
                row[f"{point}_value_text"] = number_text(value.get("value"))
            targets.append(row)
    targets_frame = as_text(pd.DataFrame(targets, columns=TARGET_COLUMNS), TARGET_COLUMNS)
    return pd.DataFrame(coalitions, columns=COALITION_COLUMNS), targets_frame
