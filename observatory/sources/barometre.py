"""The French State's *Baromètre des résultats de l'action publique* (Etalab), as published.

Reads a synthesis CSV — national, regional (``code_region``) or départemental
(``code_departement``) — and turns it into territories (matched on their
INSEE code, added when new), indicators (whose quality the user confirms),
territory-wide observations (initial and current values, with their dates)
and the coalition's targets (where the file gives a ``cible``).
"""

from __future__ import annotations

import csv
import io
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from observatory import root_csv, root_paths, vocabulary
from observatory.errors import ObservatoryError, Problem, Text
from observatory.sources import Conversion, yaml_bytes

NAME = "barometre"
SOURCE_NAME = "Baromètre des résultats de l'action publique (Etalab)"
SOURCE_URL = "https://www.data.gouv.fr"
LICENSE = "etalab-2.0"  # SPDX: Licence Ouverte / Open Licence 2.0
COMMON = ["mesure", "indicateur", "id_indicateur", "valeur_actuelle", "date_valeur_actuelle", "valeur_initiale",
          "date_valeur_initiale", "progression", "pourcentage_progression", "cible", "pourcentage_cible",
          "date_cible", "unite"]
LEVELS = {"code_departement": ("departement", "libelle_departement"), "code_region": ("region", "libelle_region"),
          "maille_geographique": ("country", None)}
# What the observatory suggests; the user confirms or maps each indicator's quality.
SUGGESTED_QUALITIES = {
    "taux-deploiement-fibre": "equitable",
    "nb-labellisations-france-services": "inclusif",
    "tx-transparence-resultats": "democratique",
    "tx-satisfaction-usagers-services-publics": "capacitant",
    "nb-logements-renoves-petites-villes": "equitable",
    "nb-logement-accompagnement": "equitable",
    "tx-adhesion-etat-civil": "capacitant",
}


@dataclass
class Converted:
    territories: list[dict] = field(default_factory=list)  # new rows for data/territories.csv
    indicators: dict[str, dict] = field(default_factory=dict)  # id -> definition (YAML mapping)
    observations: list[dict] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # what could not become a target, and why
    level: str = ""
    left_out: str = ""  # rows of territories the root does not have (--known-territories)


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _number(text: str, name: str, row: int, column: str) -> float | None:
    if text is None or text.strip() == "":
        return None
    try:
        return float(text)
    except ValueError:
        raise ObservatoryError(Problem(name, row=row, column=column, value=text, expected=Text("number"))) from None


def read(path: Path) -> tuple[str, list[tuple[int, dict]]]:
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ObservatoryError(Problem(name, value=Text("non_utf8_bytes"), expected=Text("barometre_csv"))) \
            from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    level_columns = [c for c in LEVELS if c in header]
    missing = [c for c in COMMON if c not in header]
    if missing or len(level_columns) != 1:
        expected = Text("barometre_columns", columns=", ".join(COMMON))
        raise ObservatoryError(Problem(name, row=1, column=(missing or ["code_*"])[0], value=None,
                                           expected=expected))
    return level_columns[0], [(i, row) for i, row in enumerate(reader, start=2)]


def convert(path: Path, coalition: str | None, territories: list[dict], qualities: dict[str, str],
            same_as: dict[str, str] | None = None, known_territories: bool = False,
            only: list[str] | None = None) -> Converted:
    """The file's content in the observatory's terms; ``qualities`` maps each indicator id to its quality.

    ``same_as``: source indicator id → an indicator of the root that measures the same series (its
    figures join that indicator; no definition is written). ``known_territories``: rows for territories
    not in the root are left out (and counted) instead of adding the territories. ``coalition`` None:
    figures only, no target.
    """
    name = path.name
    level_column, rows = read(path)
    level, label_column = LEVELS[level_column]
    out = Converted(level=level)
    places = _Places(territories, out, level, level_column, label_column)
    labels: dict[str, list[str]] = {}
    same_as = same_as or {}
    left_out = 0
    for number, row in _distinct(rows):
        if only and row["id_indicateur"].strip() not in only:
            continue
        indicator = same_as.get(row["id_indicateur"].strip()) or _indicator_id(labels, row)
        if known_territories and places.known(row) is None:
            left_out += 1
            continue
        if indicator not in out.indicators and row["id_indicateur"].strip() not in same_as:
            out.indicators[indicator] = _definition(indicator, row, _quality(name, indicator, row, qualities))
        territory = places.of(row)
        initial = _number(row["valeur_initiale"], name, number, "valeur_initiale")
        current = _number(row["valeur_actuelle"], name, number, "valeur_actuelle")
        target = _number(row["cible"], name, number, "cible")
        out.observations += _observations(name, number, row, indicator, territory, initial, current)
        if target is not None and coalition is not None:
            _add_target(out, name, number, row, indicator, territory, initial, target, label_column)
    if left_out:
        out.left_out = Text("barometre_left_out", name=name, count=left_out)
    # Observations and targets repeated by the file (two rows for the same figure) are kept once.
    out.observations = list({(o["indicator"], o["territory"], o["date"]): o for o in out.observations}.values())
    out.targets = list({(t["indicator"], t["territory"], t["target"]["date"]): t for t in out.targets}.values())
    return out


def _distinct(rows: list[tuple[int, dict]]):
    """The rows, without those the file repeats word for word."""
    seen = set()
    for number, row in rows:
        signature = tuple(sorted(row.items()))
        if signature not in seen:
            seen.add(signature)
            yield number, row


def _indicator_id(labels: dict[str, list[str]], row: dict) -> str:
    """One published id sometimes names two indicators (two labels): each gets its own id."""
    source_id, label = row["id_indicateur"].strip(), row["indicateur"].strip()
    variants = labels.setdefault(source_id, [])
    if label not in variants:
        variants.append(label)
    return f"barometre-{source_id}" + ("" if variants.index(label) == 0 else f"-{variants.index(label) + 1}")


def _quality(name: str, indicator: str, row: dict, qualities: dict[str, str]) -> str:
    source_id = row["id_indicateur"].strip()
    quality = qualities.get(indicator) or qualities.get(source_id)
    if quality not in vocabulary.QUALITIES:
        raise ObservatoryError(Text("barometre_needs_quality", name=name, indicator=indicator,
                                    label=row["indicateur"].strip(), qualities=", ".join(vocabulary.QUALITIES),
                                    suggested=SUGGESTED_QUALITIES.get(source_id) or Text("barometre_no_suggestion")))
    return quality


def _definition(indicator: str, row: dict, quality: str) -> dict:
    """The indicator's YAML definition, from the first row that names it."""
    label, unit, measure = row["indicateur"].strip(), row["unite"].strip(), row["mesure"].strip()
    definition = {
        "id": indicator,
        "name": {"fr": label, "en": label},
        "quality": quality,
        "unit": unit,
        "direction": "increase",
        "description": {"fr": f"{measure} — {label}.", "en": f"{measure} — {label}."},
        "method": {"fr": "Valeurs publiées par le Baromètre des résultats de l'action publique : valeur "
                         "initiale, valeur actuelle et cible, par territoire.",
                   "en": "Figures published by the French State's Baromètre des résultats de l'action "
                         "publique: initial value, current value and target, per territory."},
        "source": {"name": SOURCE_NAME, "url": SOURCE_URL},
        "aggregation": "mean" if unit.startswith("%") else "sum",
        "license": LICENSE,
    }
    if unit.startswith("%"):
        definition["limit"] = 100
    return definition


class _Places:
    """The territory of each row: matched on its INSEE code (or France on its ISO code), added when new."""

    def __init__(self, territories: list[dict], out: Converted, level: str, level_column: str,
                 label_column: str | None):
        self.out, self.level, self.level_column, self.label_column = out, level, level_column, label_column
        self.by_code = {(t["level"], t.get("code_insee") or ""): t["id"] for t in territories}
        self.used_ids = {t["id"] for t in territories}
        self.france = {t.get("iso_3166"): t["id"] for t in territories if t.get("iso_3166")}.get("FR")

    def known(self, row: dict) -> str | None:
        """The root's territory of the row, or None when the root does not have it."""
        if self.level == "country":
            return self.france
        return self.by_code.get((self.level, row[self.level_column].strip()))

    def of(self, row: dict) -> str:
        if self.level == "country":
            if self.france is None:
                self.france = "fr"
                self.out.territories.append({"id": "fr", "name": "France", "level": "country", "parent": None,
                                             "code_insee": None, "siren": None, "iso_3166": "FR"})
                self.used_ids.add("fr")
            return self.france
        code = row[self.level_column].strip()
        territory = self.by_code.get((self.level, code))
        if territory is None:
            territory = slug(row[self.label_column])
            if territory in self.used_ids:
                territory = f"{territory}-{self.level}"
            self.used_ids.add(territory)
            self.by_code[(self.level, code)] = territory
            self.out.territories.append({"id": territory, "name": row[self.label_column].strip(), "level": self.level,
                                         "parent": self.france, "code_insee": code, "siren": None, "iso_3166": None})
        return territory


def _observations(name: str, number: int, row: dict, indicator: str, territory: str,
                  initial: float | None, current: float | None) -> list[dict]:
    """The initial and the current value, each at its date."""
    source = f"{SOURCE_NAME}, {name}"
    return [{"indicator": indicator, "territory": territory, "date": date.strip(), "value": _format(value),
             "coalition": None, "source": source, "comment": f"{name}, ligne {number}"}
            for value, date in ((initial, row["date_valeur_initiale"]), (current, row["date_valeur_actuelle"]))
            if value is not None and date]


def _add_target(out: Converted, name: str, number: int, row: dict, indicator: str, territory: str,
                initial: float | None, target: float, label_column: str | None) -> None:
    """The row's target, or why it cannot be one."""
    if initial is None or not row["date_valeur_initiale"] or not row["date_cible"]:
        out.skipped.append(Text("barometre_no_initial", name=name, row=number))
    elif target == initial:
        out.skipped.append(Text("barometre_no_progress", name=name, row=number, target=f"{target:g}",
                                place=row[label_column or "maille_geographique"], indicator=indicator))
    else:
        out.targets.append({"indicator": indicator, "territory": territory,
                            "baseline": {"date": row["date_valeur_initiale"].strip(), "value": initial},
                            "target": {"date": row["date_cible"].strip(), "value": target}})


def _format(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


class Barometre:
    """The plug-in: ``observatory import-source barometre FILE --coalition ID``."""

    name = NAME
    description = ("the French State's Baromètre des résultats de l'action publique: a synthesis CSV "
                   "(national, regional or départemental) with its targets")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--coalition", help="the coalition whose targets these are (required)")
        parser.add_argument("--quality", action="append", metavar="INDICATOR=QUALITY",
                            help="the quality of an indicator of the file (repeatable)")
        parser.add_argument("--accept-suggested", action="store_true",
                            help="use the observatory's suggested quality for every indicator not given")
        parser.add_argument("--figures-only", action="store_true",
                            help="import the published figures only, no target (then --coalition is not needed)")
        parser.add_argument("--known-territories", action="store_true",
                            help="leave out the rows of territories the data root does not have (instead of "
                                 "adding them)")
        parser.add_argument("--only", action="append", metavar="SOURCE_ID",
                            help="import only this indicator of the file (repeatable; default: all)")
        parser.add_argument("--same-as", action="append", metavar="SOURCE_ID=INDICATOR",
                            help="the file's indicator SOURCE_ID is the root's INDICATOR (same series): its figures "
                                 "join it, e.g. taux-deploiement-fibre=fibre-coverage-share (repeatable)")

    def options(self, args) -> dict:
        if not args.coalition and not args.figures_only:
            raise ObservatoryError(Text("barometre_needs_coalition"))
        same_as = _pairs("--same-as", args.same_as, "SOURCE_ID=INDICATOR",
                         "taux-deploiement-fibre=fibre-coverage-share")
        qualities = _pairs("--quality", args.quality, "INDICATOR=QUALITY", "taux-deploiement-fibre=equitable")
        for key, value in qualities.items():
            if value not in vocabulary.QUALITIES:
                raise ObservatoryError(Text("barometre_bad_quality", key=key, value=value,
                                            qualities=", ".join(vocabulary.QUALITIES)))
        if args.accept_suggested:
            for key, value in SUGGESTED_QUALITIES.items():
                qualities.setdefault(key, value)
        elif not qualities and sys.stdin.isatty():
            qualities = _ask_qualities(args.file)
        return {"coalition": None if args.figures_only else args.coalition, "qualities": qualities,
                "same_as": same_as, "known_territories": args.known_territories, "only": args.only or None}

    def convert(self, root: Path, path: Path, coalition: str | None, qualities: dict[str, str],
                same_as: dict[str, str] | None = None, known_territories: bool = False,
                only: list[str] | None = None) -> Conversion:
        from observatory.load import load_root  # here, not at the top: `observatory --help` lists this source

        existing = load_root(root)
        if coalition is not None and coalition not in set(existing.coalitions["id"]):
            raise ObservatoryError(Text("barometre_no_coalition", coalition=coalition,
                                        known=", ".join(sorted(existing.coalitions["id"]))))
        unknown = sorted(set((same_as or {}).values()) - set(existing.indicators["id"]))
        if unknown:
            raise ObservatoryError(Text("barometre_no_indicator", unknown=", ".join(unknown),
                                        known=", ".join(sorted(existing.indicators["id"]))))
        territories = existing.territories.drop(columns=["file", "row"]).to_dict("records")
        converted = convert(path, coalition, territories, qualities, same_as, known_territories, only)
        files = _territories_file(root, converted)
        for ident, definition in converted.indicators.items():
            files[f"indicators/{definition['quality']}/{ident}.yml"] = yaml_bytes(definition)
        files.update(_observation_files(path, converted))
        added, coalition_file = _new_targets(root, coalition, converted) if coalition is not None else ([], {})
        files.update(coalition_file)
        return Conversion(files, {"territories": len(converted.territories), "indicators": len(converted.indicators),
                                  "observations": len(converted.observations), "targets": len(added),
                                  "coalition": coalition, "skipped": converted.skipped,
                                  "left_out": converted.left_out})

    def summary(self, file: str, conversion: Conversion, written: bool) -> list[str]:
        facts = conversion.facts
        targets = (Text("barometre_new_targets", count=facts["targets"], coalition=facts["coalition"])
                   if facts["coalition"] else Text("barometre_no_target"))
        return ([Text("barometre_imported", file=file, territories=facts["territories"],
                      indicators=facts["indicators"], observations=facts["observations"], targets=targets)]
                + [Text("barometre_not_a_target", line=line) for line in facts["skipped"]]
                + ([facts["left_out"]] if facts.get("left_out") else []))


PLUGIN = Barometre()


def _pairs(option: str, items: list[str] | None, form: str, example: str) -> dict[str, str]:
    """``KEY=VALUE`` options (repeatable) as a mapping; a malformed one is named with the expected form."""
    pairs = {}
    for item in items or []:
        if "=" not in item:
            raise ObservatoryError(Text("barometre_bad_pair", option=option, item=item, form=form, example=example))
        key, value = item.split("=", 1)
        pairs[key.strip()] = value.strip()
    return pairs


def _ask_qualities(path: Path) -> dict[str, str]:
    """Ask, at a terminal, the quality of each indicator of the file (the suggestion is the default)."""
    if not path.is_file():
        raise ObservatoryError(Text("no_such_file", name=path))
    _, rows = read(path)
    qualities = {}
    for source_id in sorted({row["id_indicateur"].strip() for _, row in rows}):
        suggested = SUGGESTED_QUALITIES.get(source_id, "")
        answer = input(f"qualité de l'indicateur {source_id} [{suggested}] : ").strip() or suggested
        if answer not in vocabulary.QUALITIES:
            raise ObservatoryError(Text("barometre_not_a_quality", answer=answer,
                                        qualities=", ".join(vocabulary.QUALITIES)))
        qualities[source_id] = answer
    return qualities


def _territories_file(root: Path, converted: Converted) -> dict[str, bytes]:
    """data/territories.csv as it is, plus the new territories (nothing if there are none)."""
    text = root_paths.at(root, root_paths.TERRITORIES).read_text(encoding="utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    for column in ("code_insee", "iso_3166"):
        if column not in header:
            raise ObservatoryError(Text("barometre_territory_column", territories=root_paths.TERRITORIES,
                                        column=column))
    if not converted.territories:
        return {}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    for row in converted.territories:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return {root_paths.TERRITORIES: (text.rstrip("\n") + "\n" + buffer.getvalue()).encode("utf-8")}


# A synthesis level in each language's words (a file's title is read on French and English pages alike).
SYNTHESES = {"country": ("nationale", "national"), "region": ("régionale", "regional"),
             "departement": ("départementale", "département")}


def _observation_files(path: Path, converted: Converted) -> dict[str, bytes]:
    """The published figures, as one data file per synthesis level (a newer snapshot replaces it)."""
    from observatory.submission_files import BASE_COLUMNS

    stem = f"{root_paths.OBSERVATIONS}/barometre-{converted.level}"
    return {
        f"{stem}.csv": root_csv.records_bytes(BASE_COLUMNS, converted.observations),
        f"{stem}.meta.yml": yaml_bytes({
            "title": {"fr": "Baromètre des résultats de l'action publique — synthèse "
                            f"{SYNTHESES[converted.level][0]}",
                      "en": f"French State's Baromètre des résultats de l'action publique — "
                            f"{SYNTHESES[converted.level][1]} synthesis"},
            "description": {"fr": f"Importé de {path.name} : valeurs initiales et actuelles publiées.",
                            "en": f"Imported from {path.name}: published initial and current values."},
            "demonstration": False,
            "license": LICENSE,
            "source": f"{SOURCE_NAME} — {SOURCE_URL}",
        }),
    }


def _new_targets(root: Path, coalition: str, converted: Converted) -> tuple[list[dict], dict[str, bytes]]:
    """The published targets the coalition does not have yet, and its profile with them."""
    profile_path = root_paths.coalition_file(coalition)
    profile = yaml.safe_load((root / profile_path).read_text(encoding="utf-8"))
    targets = profile.get("targets") or []
    have = {(t.get("indicator"), t.get("territory"), str((t.get("target") or {}).get("date"))) for t in targets}
    added = [t for t in converted.targets if (t["indicator"], t["territory"], t["target"]["date"]) not in have]
    if not added:
        return added, {}
    profile["targets"] = targets + added
    return added, {profile_path: yaml_bytes(profile)}
