"""The Frictionless Data Package descriptor of the results' CSV files, from the declared schema."""

from __future__ import annotations

import json

import pandas as pd

from observatory import __version__
from observatory.results.schema import LIST_DESCRIPTION, SCHEMA, Results


def table_schema(name: str) -> dict:
    """The Table Schema of one results table."""
    described = []
    for column, kind in SCHEMA[name].items():
        field = {"name": column, "type": kind}
        if kind == "array":
            field["description"] = LIST_DESCRIPTION
        described.append(field)
    return {"fields": described}


def datapackage(results: Results, resources: dict[str, str], title: str) -> dict:
    """A Frictionless Data Package descriptor for the CSV files written from ``results``."""
    described = [{
        "name": name.replace("_", "-"),
        "path": path,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": table_schema(name),
    } for name, path in resources.items()]
    licences = sorted({lic for lic in results.datasets.get("license", pd.Series(dtype=object)).dropna()})
    package = {
        "profile": "tabular-data-package",
        "name": "reset-observatory",
        "title": title,
        "version": __version__,
        "resources": described,
    }
    if licences:
        package["licenses"] = [{"name": lic} for lic in licences]
    return json.loads(json.dumps(package))
