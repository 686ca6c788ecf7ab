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
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from observatory import model
from observatory.errors import ObservatoryError, Problem

NAME = "barometre"
SOURCE_NAME = "Baromètre des résultats de l'action publique (Etalab)"
SOURCE_URL = "https://www.data.gouv.fr"
LICENSE = "Licence Ouverte 2.0"
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


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _number(text: str, name: str, row: int, column: str) -> float | None:
    if text is None or text.strip() == "":
        return None
    try:
        return float(text)
    except ValueError:
        raise ObservatoryError(str(Problem(name, row=row, column=column, value=text, expected="a number"))) from None


def read(path: Path) -> tuple[str, list[tuple[int, dict]]]:
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ObservatoryError(str(Problem(name, value="non-UTF-8 bytes", expected="the Baromètre's CSV (UTF-8)"))) \
            from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    level_columns = [c for c in LEVELS if c in header]
    missing = [c for c in COMMON if c not in header]
    if missing or len(level_columns) != 1:
        expected = ("the columns of a Baromètre synthesis (" + ", ".join(COMMON)
                    + ", and code_departement, code_region or maille_geographique)")
        raise ObservatoryError(str(Problem(name, row=1, column=(missing or ["code_*"])[0], value=None,
                                           expected=expected)))
    return level_columns[0], [(i, row) for i, row in enumerate(reader, start=2)]


def convert(path: Path, coalition: str, territories: list[dict], qualities: dict[str, str]) -> Converted:
    """The file's content in the observatory's terms; ``qualities`` maps each indicator id to its quality."""
    name = path.name
    level_column, rows = read(path)
    level, label_column = LEVELS[level_column]
    out = Converted(level=level)
    by_code = {(t["level"], t.get("code_insee") or ""): t["id"] for t in territories}
    by_iso = {t.get("iso_3166"): t["id"] for t in territories if t.get("iso_3166")}
    used_ids = {t["id"] for t in territories}
    france = by_iso.get("FR")
    labels: dict[str, list[str]] = {}
    seen_rows = set()
    for number, row in rows:
        signature = tuple(sorted(row.items()))
        if signature in seen_rows:
            continue  # the file repeats some rows word for word
        seen_rows.add(signature)
        source_id = row["id_indicateur"].strip()
        label = row["indicateur"].strip()
        # One published id sometimes names two indicators (two labels): each gets its own id.
        variants = labels.setdefault(source_id, [])
        if label not in variants:
            variants.append(label)
        indicator = f"barometre-{source_id}" + ("" if variants.index(label) == 0 else f"-{variants.index(label) + 1}")
        if indicator not in out.indicators:
            quality = qualities.get(indicator) or qualities.get(source_id)
            if quality not in model.QUALITIES:
                raise ObservatoryError(
                    f"{name}: indicator '{indicator}' ({label}) needs a quality: pass --quality {indicator}=QUALITY "
                    f"(one of {', '.join(model.QUALITIES)}; suggested: "
                    f"{SUGGESTED_QUALITIES.get(source_id, 'none')}), or --accept-suggested")
            unit = row["unite"].strip()
            definition = {
                "id": indicator,
                "name": {"fr": label, "en": label},
                "quality": quality,
                "unit": unit,
                "direction": "increase",
                "description": {"fr": f"{row['mesure'].strip()} — {label}.", "en": f"{row['mesure'].strip()} — {label}."},
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
            out.indicators[indicator] = definition

        if level == "country":
            if france is None:
                france = "fr"
                out.territories.append({"id": "fr", "name": "France", "level": "country", "parent": None,
                                        "code_insee": None, "siren": None, "iso_3166": "FR"})
                used_ids.add("fr")
            territory = france
        else:
            code = row[level_column].strip()
            territory = by_code.get((level, code))
            if territory is None:
                territory = slug(row[label_column])
                if territory in used_ids:
                    territory = f"{territory}-{level}"
                used_ids.add(territory)
                by_code[(level, code)] = territory
                out.territories.append({"id": territory, "name": row[label_column].strip(), "level": level,
                                        "parent": france, "code_insee": code, "siren": None, "iso_3166": None})
        initial = _number(row["valeur_initiale"], name, number, "valeur_initiale")
        current = _number(row["valeur_actuelle"], name, number, "valeur_actuelle")
        target = _number(row["cible"], name, number, "cible")
        source = f"{SOURCE_NAME}, {name}"
        for value, date in ((initial, row["date_valeur_initiale"]), (current, row["date_valeur_actuelle"])):
            if value is not None and date:
                out.observations.append({"indicator": indicator, "territory": territory, "date": date.strip(),
                                         "value": _format(value), "coalition": None, "source": source,
                                         "comment": f"{name}, ligne {number}"})
        if target is None:
            continue
        if initial is None or not row["date_valeur_initiale"] or not row["date_cible"]:
            out.skipped.append(f"{name}, row {number}: a target without its initial value or dates")
        elif target == initial:
            out.skipped.append(f"{name}, row {number}: target {target:g} equals the initial value "
                               f"({row[label_column or 'maille_geographique']}, {indicator}): no progress to measure")
        else:
            out.targets.append({"indicator": indicator, "territory": territory,
                                "baseline": {"date": row["date_valeur_initiale"].strip(), "value": initial},
                                "target": {"date": row["date_cible"].strip(), "value": target}})
    # Observations repeated by the file (two rows for the same figure) are kept once.
    unique = {(o["indicator"], o["territory"], o["date"]): o for o in out.observations}
    out.observations = list(unique.values())
    unique_targets = {(t["indicator"], t["territory"], t["target"]["date"]): t for t in out.targets}
    out.targets = list(unique_targets.values())
    return out


def _format(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)
