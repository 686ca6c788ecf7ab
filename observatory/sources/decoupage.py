"""France's official territories, from the npm package ``@etalab/decoupage-administratif`` (Etalab).

``observatory import-source decoupage-administratif PATH`` reads the package — the
``.tgz`` that ``npm pack @etalab/decoupage-administratif@6.0.0`` downloads, or the
folder it unpacks to — and fills ``data/territories.csv`` with the régions,
départements, EPCI (intercommunalités à fiscalité propre) and communes of the
Code officiel géographique (COG) of the package's year, with their codes,
parents and populations. Its data, from INSEE and the DGCL, are under the Licence
Ouverte 2.0 (``etalab-2.0``, as its README says); its code is under the MIT licence.

Rules (also in the README):

- **what is kept**: the régions, départements and communes of metropolitan France and of the five
  overseas départements-régions (zones ``metro`` and ``drom``); the communes of type
  ``commune-actuelle`` only (no ``commune-deleguee``, ``commune-associee`` nor ``arrondissement-municipal``,
  which are parts of a commune); the collectivités d'outre-mer (zone ``com``: Saint-Pierre-et-Miquelon,
  Polynésie française…), which the COG lists apart and the package lists both as régions and as
  départements, are left out.
- **ids** of new rows: ``region-<code>``, ``departement-<code>``, ``epci-<siren>``, ``commune-<code>``
  (codes in lower case: ``departement-2a``, ``commune-2a004``). A territory the root already has
  — same level and same ``code_insee`` (``siren`` for an EPCI) — keeps its row, its id and its names; its
  parent, its code and its population are updated.
- **parents**: a commune's parent is its EPCI when it belongs to one, else its département; an EPCI's is
  the département where most of its members' population lives (ties: the smaller code) — the Métropole de
  Lyon (type ``MET69``, which has the powers of a département) is the exception: its parent is its
  région; a département's is its région; a région's is the country row (``iso_3166`` FR, added as ``fr``
  if the root has none). A level not imported (``--levels``) is skipped: the parent is then the next
  level up that is imported or that the root already has.
- **populations**: communes.json's ``population`` (INSEE's population municipale); an EPCI's,
  a département's and a région's are the sums of their communes' (epci.json's own figures come from the
  DGCL and another vintage: Bonneville 13,320 there, 13,335 in communes.json); the country's (``fr``) is the
  sum of its régions' (none if one has none), so that its régions make it up and figures roll up to France.
- ``--only-departements 35,59`` keeps the communes of those départements; the EPCI they belong to, and
  the départements and régions above them, come too.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from observatory import root_paths
from observatory.errors import ObservatoryError, Text
from observatory.sources import Conversion, yaml_bytes
# Reading the package, within its limits (the limits and read_package are also found here).
from observatory.sources.decoupage_package import (  # noqa: F401
    FILES, MAX_ARCHIVE_BYTES, MAX_JSON_CONTAINERS, MAX_JSON_DEPTH, MAX_MEMBER_BYTES, MAX_MEMBERS, PACKAGE,
    Package, read_package)

NAME = "decoupage-administratif"
# The data's licence, as the package's README states it ("Données : Licence Ouverte ; Code : MIT"): the rows
# come from INSEE and the DGCL; the MIT licence of package.json covers the package's code.
LICENSE = "etalab-2.0"
LEVELS = ("region", "departement", "epci", "commune")
ZONES = ("metro", "drom")  # not "com": the collectivités d'outre-mer
COUNTRY = ("country", "FR")  # the country row's key among the officials (found by its iso_3166)
COMMUNE_TYPES = ("commune-actuelle",)
# INSEE's populations in force on 1 January of the COG year are those of 1 January three years before.
POPULATION_LAG = 3
# Columns the import fills, added at the end of the header where the table lacks them.
COLUMNS = ["code_insee", "siren", "iso_3166", "population"]


# --- the territories -----------------------------------------------------------------------------------------


@dataclass
class Official:
    """One territory of the package, in the table's terms (its parent still as a key, not an id)."""

    key: tuple[str, str]  # (level, code_insee or siren)
    new_id: str
    name: str
    parents: list[tuple[str, str]]  # keys, nearest first; the country is implied at the end
    population: int | None


def officials(package: Package, levels: tuple[str, ...], only: tuple[str, ...] | None) -> list[Official]:
    """The territories to write, in the table's order: régions, départements, EPCI, communes, each by code."""
    regions = {r["code"]: r for r in package.regions if r.get("zone") in ZONES}
    departements = {d["code"]: d for d in package.departements if d.get("zone") in ZONES and d["region"] in regions}
    communes = {c["code"]: c for c in package.communes
                if c["type"] in COMMUNE_TYPES and c.get("departement") in departements}
    if only:
        unknown = [code for code in only if code not in departements]
        if unknown:
            raise ObservatoryError(Text("decoupage_unknown_departements", given=",".join(only),
                                        unknown=", ".join(unknown), package=f"{PACKAGE} {package.version}"))
    population: dict[tuple[str, str], int] = defaultdict(int)
    counted: set[tuple[str, str]] = set()  # territories with at least one commune's figure

    def add(key: tuple[str, str], people) -> None:
        if isinstance(people, int) and not isinstance(people, bool) and people >= 0:
            population[key] += people
            counted.add(key)

    epci_of: dict[str, str] = {}
    epci_departement: dict[str, str] = {}
    epcis = {}
    for epci in package.epci:
        siren = str(epci["code"])
        members = [m.get("code") for m in epci["membres"] if isinstance(m, dict) and m.get("code") in communes]
        if not members:
            continue
        epcis[siren] = epci
        people_by_departement: dict[str, int] = defaultdict(int)
        for code in members:
            epci_of[code] = siren
            people = communes[code].get("population")
            add(("epci", siren), people)
            people_by_departement[communes[code]["departement"]] += people if isinstance(people, int) else 0
        epci_departement[siren] = min(people_by_departement, key=lambda d: (-people_by_departement[d], d))
    for commune in communes.values():
        add(("departement", commune["departement"]), commune.get("population"))
        add(("region", departements[commune["departement"]]["region"]), commune.get("population"))

    # Which territories are written: the communes asked for, and every territory above them.
    chosen_communes = [c for c in communes.values() if not only or c["departement"] in only]
    chosen_epci = {epci_of[c["code"]] for c in chosen_communes if c["code"] in epci_of} if only else set(epcis)
    chosen_departements = ({c["departement"] for c in chosen_communes} | {epci_departement[s] for s in chosen_epci}
                           if only else set(departements))
    chosen_regions = {departements[d]["region"] for d in chosen_departements} if only else set(regions)

    def people(key: tuple[str, str]) -> int | None:
        return population[key] if key in counted else None

    # The country: the sum of its régions (all of them, whatever is written), none if one has no population —
    # the package gives none, and without it the régions never make up France and nothing rolls up to it.
    by_region = [people(("region", code)) for code in regions]
    country = sum(by_region) if by_region and None not in by_region else None
    out: list[Official] = [Official(COUNTRY, "fr", "France", [], country)]
    if "region" in levels:
        out += [Official(("region", code), f"region-{code.lower()}", regions[code]["nom"], [],
                         people(("region", code))) for code in sorted(chosen_regions)]
    if "departement" in levels:
        out += [Official(("departement", code), f"departement-{code.lower()}", departements[code]["nom"],
                         [("region", departements[code]["region"])], people(("departement", code)))
                for code in sorted(chosen_departements)]
    if "epci" in levels:
        for siren in sorted(chosen_epci):
            departement = epci_departement[siren]
            region = departements[departement]["region"]
            parents = [("region", region)] if epcis[siren]["type"] == "MET69" else [("departement", departement),
                                                                                   ("region", region)]
            out.append(Official(("epci", siren), f"epci-{siren}", epcis[siren]["nom"], parents,
                                people(("epci", siren))))
    if "commune" in levels:
        for commune in sorted(chosen_communes, key=lambda c: c["code"]):
            code, departement = commune["code"], commune["departement"]
            parents = ([("epci", epci_of[code])] if code in epci_of else []) + [
                ("departement", departement), ("region", departements[departement]["region"])]
            population_ = commune.get("population")
            out.append(Official(("commune", code), f"commune-{code.lower()}", commune["nom"], parents,
                                population_ if isinstance(population_, int) and population_ >= 0 else None))
    return out


def _key_of(row: dict) -> tuple[str, str] | None:
    level = row.get("level") or ""
    code = (row.get("siren") if level == "epci" else row.get("code_insee")) or ""
    return (level, code.strip()) if level in LEVELS and code.strip() else None


def merge(text: str, found: list[Official]) -> tuple[str, dict]:
    """data/territories.csv with the official territories: rows matched by code updated, new rows added."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [c.strip() for c in (reader.fieldnames or [])]
    rows = [{k.strip() if isinstance(k, str) else k: v for k, v in row.items()} for row in reader
            if any((v or "").strip() for v in row.values() if isinstance(v, str))]
    header += [c for c in COLUMNS if c not in header]
    by_key = {}
    for row in rows:
        key = _key_of(row)
        if key is not None:
            by_key.setdefault(key, row)
    country = next((r for r in rows if r.get("level") == "country" and (r.get("iso_3166") or "") == "FR"), None)
    added_rows, facts = [], {"added": defaultdict(int), "matched": defaultdict(int)}
    if country is None:
        country = {"id": "fr", "name": "France", "level": "country", "iso_3166": "FR"}
        added_rows.append(country)
    # Every official territory's id, whether the root has it or it comes now: parents are found among them.
    ids = {key: row["id"] for key, row in by_key.items()}
    ids.update({o.key: o.new_id for o in found if o.key not in by_key and o.key != COUNTRY})
    for official in found:
        if official.key == COUNTRY:  # the root's own row (or the one added above): its id and names kept
            country["population"] = "" if official.population is None else str(official.population)
            continue
        row = by_key.get(official.key)
        parent = next((ids[key] for key in official.parents if key in ids), country["id"])
        level, code = official.key
        codes = {"siren": code} if level == "epci" else {"code_insee": code}
        population = "" if official.population is None else str(official.population)
        if row is None:
            row = {"id": official.new_id, "name": official.name, "level": level}
            added_rows.append(row)
            facts["added"][level] += 1
        else:
            facts["matched"][level] += 1
        row.update({"parent": parent, **codes, "population": population})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n", extrasaction="ignore", restval="")
    writer.writeheader()
    for row in rows + added_rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items() if k in header})
    return buffer.getvalue(), facts


def meta(package: Package) -> dict:
    """data/territories.meta.yml: where the territories come from."""
    cog = f"COG {package.cog_year}" if package.cog_year else "COG"
    described = {
        "title": {"fr": f"Territoires : découpage administratif de la France ({cog})",
                  "en": f"Territories: France's administrative divisions ({cog})"},
        "description": {
            "fr": f"Régions, départements, EPCI à fiscalité propre et communes importés de {PACKAGE} "
                  f"{package.version} (Etalab : Code officiel géographique de l'INSEE, EPCI de la DGCL), "
                  "avec leurs populations municipales (INSEE ; EPCI, départements et régions : sommes de leurs "
                  "communes ; France : somme de ses régions, hors collectivités d'outre-mer). Les autres lignes "
                  "du tableau ont été écrites à la main.",
            "en": f"Régions, départements, EPCI and communes imported from {PACKAGE} {package.version} (Etalab: "
                  "INSEE's Code officiel géographique, the DGCL's list of EPCI), with their populations "
                  "(INSEE's population municipale; EPCI, départements and régions: sums of their communes'; France: "
                  "the sum of its régions', without the collectivités d'outre-mer). The table's other rows were "
                  "written by hand."},
        "license": LICENSE,
        # A link (the data package gives it as the source's path): the exact version on the npm registry.
        "source": f"https://www.npmjs.com/package/{PACKAGE}/v/{package.version}",
        "version": package.version,
    }
    if package.cog_year:
        described["cog_year"] = package.cog_year
        described["population_year"] = package.cog_year - POPULATION_LAG
    return described


# --- the plug-in ---------------------------------------------------------------------------------------------


def _levels(text: str | None) -> tuple[str, ...]:
    if not text:
        return LEVELS
    asked = [part.strip() for part in text.split(",") if part.strip()]
    wrong = [level for level in asked if level not in LEVELS]
    if wrong or not asked:
        raise ObservatoryError(Text("decoupage_levels", given=text, levels=",".join(LEVELS)))
    return tuple(level for level in LEVELS if level in asked)


def _departements(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    codes = [part.strip().upper() for part in text.split(",") if part.strip()]
    wrong = [code for code in codes if not re.match(r"^(?:\d{2,3}|2[AB])$", code)]
    if wrong or not codes:
        raise ObservatoryError(Text("decoupage_bad_departements", given=text))
    return tuple(sorted(set(codes)))


class Decoupage:
    """The plug-in: ``observatory import-source decoupage-administratif PACKAGE.tgz``."""

    name = NAME
    accepts_folder = True
    description = (f"France's régions, départements, EPCI and communes, with their codes, parents and "
                   f"populations, from the npm package {PACKAGE} (.tgz or unpacked folder)")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--levels", metavar="LEVEL,…",
                            help=f"the levels to import, among {','.join(LEVELS)} (default: all four)")
        parser.add_argument("--only-departements", metavar="CODE,…",
                            help="only the communes of these départements, e.g. 35,59 (their EPCI, départements "
                                 "and régions come too); default: all of France but the collectivités d'outre-mer")

    def options(self, args) -> dict:
        return {"levels": _levels(args.levels), "only_departements": _departements(args.only_departements)}

    def convert(self, root: Path, path: Path, levels: tuple[str, ...] = LEVELS,
                only_departements: tuple[str, ...] | None = None) -> Conversion:
        package = read_package(path)
        found = officials(package, tuple(levels), tuple(only_departements) if only_departements else None)
        table = root_paths.at(root, root_paths.TERRITORIES)
        if not table.is_file():
            raise ObservatoryError(Text("decoupage_no_territories", file=root_paths.TERRITORIES, root=root))
        text = table.read_bytes().decode("utf-8-sig")
        merged, facts = merge(text, found)
        files = {root_paths.TERRITORIES: merged.encode("utf-8"), root_paths.TERRITORIES_META: yaml_bytes(meta(package))}
        facts.update(version=package.version, cog_year=package.cog_year)
        return Conversion(files, facts)

    def summary(self, file: str, conversion: Conversion, written: bool) -> list[str]:
        facts = conversion.facts
        cog = f", COG {facts['cog_year']}" if facts.get("cog_year") else ""
        head = f"imported {file} ({PACKAGE} {facts['version']}{cog})"
        if not written:
            return [f"{head}: nothing new, {root_paths.TERRITORIES} already says the same"]

        def counts(which: dict) -> str:
            return ", ".join(f"{which[level]} {level}" for level in LEVELS if which.get(level)) or "none"

        return [f"{head}: added {counts(facts['added'])}; updated (id kept) {counts(facts['matched'])}"]


PLUGIN = Decoupage()
