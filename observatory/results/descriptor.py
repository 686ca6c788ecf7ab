"""The Frictionless Data Package descriptor of the results' CSV files, from the declared schema."""

from __future__ import annotations

import json

import pandas as pd

from observatory import __version__, vocabulary
from observatory.root_paths import TERRITORIES, TERRITORIES_DATASET
from observatory.results.schema import LIST_DESCRIPTION, SCHEMA, Results
from observatory.rollup import ROLLED_UP


def table_schema(name: str) -> dict:
    """The Table Schema of one results table."""
    described = []
    for column, kind in SCHEMA[name].items():
        field = {"name": column, "type": kind}
        if kind == "array":
            field["description"] = LIST_DESCRIPTION
        if column in ENUMS.get(name, {}):  # the values a column may hold, for a reader of the package
            field["constraints"] = {"enum": list(ENUMS[name][column])}
        described.append(field)
    return {"fields": described}


ENUMS = {"observations": {"quality": vocabulary.FIGURE_QUALITIES, "contribution": vocabulary.CONTRIBUTIONS},
         "progress": {"latest_quality": vocabulary.FIGURE_QUALITIES, "latest_contribution": vocabulary.CONTRIBUTIONS}}

# Each table's key, and the columns that name a row of another table (resources of the whole results).
PRIMARY_KEYS = {
    "progress": ["target_file", "target_key"],
    "compass": ["scope", "scope_id", "quality"],
    "observations": ["file", "row"],
    "indicators": ["id"],
    "coalitions": ["id"],
    "territories": ["id"],
    "datasets": ["dataset"],
    "services": ["id"],
    "reporting": ["coalition", "period"],
}
FOREIGN_KEYS = {
    "progress": [("indicator", "indicators", "id"), ("territory", "territories", "id"),
                 ("coalition", "coalitions", "id")],
    "observations": [("indicator", "indicators", "id"), ("territory", "territories", "id"),
                     ("dataset", "datasets", "dataset")],
    "indicators": [],
    "territories": [],
    "assessments": [("service", "services", "id")],
    "reporting": [("coalition", "coalitions", "id")],
}
# Where the Self Data register comes from, when imported from JustGetMyData (observatory/sources/jgmd.py).
JGMD = {"title": "JustGetMyData — sites.json", "path": "https://github.com/daattali/jgmd", "license": "MIT"}


def _keys(name: str) -> dict:
    keys = {}
    if name in PRIMARY_KEYS:
        keys["primaryKey"] = PRIMARY_KEYS[name]
    references = [{"fields": column, "reference": {"resource": resource, "fields": field}}
                  for column, resource, field in FOREIGN_KEYS.get(name, [])]
    if references:
        # A page's slice points at the whole tables, published beside it (the resources "indicators"...).
        keys["foreignKeys"] = references
    return keys


# What the data package says of each licence id the data files use (SPDX ids): a reader follows the path.
LICENCES = {
    "etalab-2.0": {"title": "Licence Ouverte / Open Licence 2.0 (Etalab)",
                   "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"},
    "CC0-1.0": {"title": "Creative Commons Zero 1.0", "path": "https://creativecommons.org/publicdomain/zero/1.0/"},
    "MIT": {"title": "MIT License", "path": "https://opensource.org/license/mit"},
}


# What a reader must know of the computed rows of observations (observatory/rollup.py), in both languages.
ROLLED_UP_DESCRIPTION = (
    f"Les lignes dont le fichier (colonne file) finit par « {ROLLED_UP.strip()} » sont calculées, non mesurées : "
    "la somme, la moyenne… (colonne source) des chiffres des territoires qui composent le territoire (communes, "
    "EPCI, départements, régions, pays), là où ces territoires font toute sa population d'après "
    f"{TERRITORIES}. — Rows whose file ends with '{ROLLED_UP}' are computed, not measured: the sum, "
    "mean… (column source) of the figures of the territories that make up the territory (communes, EPCI, "
    f"départements, régions, country), where their populations add up to the whole's in {TERRITORIES}.")


def licence(name: str) -> dict:
    return {"name": name, **LICENCES.get(name, {})}


def _provenance(results: Results, name: str) -> dict:
    """The licences and sources of a table's rows: its datasets' (observations), the register's, or the
    package's own (computed tables)."""
    datasets = results.datasets
    if name in ("services", "assessments"):
        sources = sorted({s for s in results.assessments.get("source", pd.Series(dtype=object)).dropna()})
        if not sources:
            return {}
        return {"licenses": [licence(JGMD["license"])] if any("JustGetMyData" in s for s in sources) else [],
                "sources": [JGMD if "JustGetMyData" in s else {"title": s} for s in sources]}
    # The territories' metadata (data/territories.meta.yml, where a source wrote it) speaks for their table only.
    of_territories = datasets["dataset"] == TERRITORIES_DATASET
    if name == "territories":
        datasets = datasets[of_territories]
    else:
        datasets = datasets[~of_territories]
    if name == "observations" and len(results.observations):
        datasets = datasets[datasets["dataset"].isin(set(results.observations["dataset"]))]
    licences = sorted({lic for lic in datasets.get("license", pd.Series(dtype=object)).dropna()})
    sources = [{"title": str(row.title_en or row.dataset), "path": str(row.source)} if isinstance(row.source, str)
               and row.source.startswith("http") else {"title": str(row.title_en or row.dataset)}
               for row in datasets.itertuples() if not row.dataset.startswith("self-data")]
    described = {}
    if name == "territories":  # where a source wrote it: how the populations, hence the roll-ups, are made
        texts = [text for row in datasets.itertuples() for text in (row.description_fr, row.description_en)
                 if isinstance(text, str) and text]
        if texts:
            described["description"] = " — ".join(texts)
    # Each distinct file once, not each of millions of rows.
    if name == "observations" and any(str(f).endswith(ROLLED_UP) for f in pd.unique(results.observations["file"])):
        described["description"] = ROLLED_UP_DESCRIPTION
    if licences:
        described["licenses"] = [licence(lic) for lic in licences]
    if sources:
        described["sources"] = sources
    return described


def datapackage(results: Results, resources: dict[str, str], title: str) -> dict:
    """A Frictionless Data Package descriptor for the CSV files written from ``results``.

    ``resources`` maps a table to its file. Each resource is a tabular data resource with its schema,
    keys, licences and sources.
    """
    described = [{
        "name": name.replace("_", "-"),
        "profile": "tabular-data-resource",
        "path": path,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {**table_schema(name), **_keys(name)},
        **_provenance(results, name),
    } for name, path in resources.items()]
    licences = sorted({lic for lic in results.datasets.get("license", pd.Series(dtype=object)).dropna()})
    if len(results.assessments) and "MIT" not in licences:
        licences.append("MIT")
    package = {
        "profile": "tabular-data-package",
        "name": "reset-observatory",
        "title": title,
        "version": __version__,
        "resources": described,
    }
    if licences:
        package["licenses"] = [licence(lic) for lic in licences]
    return json.loads(json.dumps(package))
