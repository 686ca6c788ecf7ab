"""Public sources a coalition already follows, read in their own published format (plug-ins).

Each source module turns a downloaded file into the observatory's terms; this
module checks the result against the whole data root (same checks and
messages as ``observatory validate``) and writes it atomically, or not at all,
holding the root's lock from the first read to the last write.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from observatory import journal, locking
from observatory.errors import InvalidDataRoot, ObservatoryError
from observatory.load import load_root
from observatory.sources import barometre

SOURCES = {barometre.NAME: barometre}


@dataclass
class SourceReport:
    territories: int
    indicators: int
    observations: int
    targets: int
    skipped: list[str]
    files: list[str]


def check_as_it_would_become(root: Path, files: dict[str, bytes]) -> None:
    """Validate the root with ``files`` written, in a scratch copy; raise InvalidDataRoot if anything is wrong."""
    from observatory.validate import check_root

    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / "root"
        shutil.copytree(root / "indicators", trial / "indicators")
        shutil.copytree(root / "data", trial / "data", ignore=shutil.ignore_patterns("submissions"))
        for relative, content in files.items():
            (trial / relative).parent.mkdir(parents=True, exist_ok=True)
            (trial / relative).write_bytes(content)
        problems, _, _ = check_root(load_root(trial))
        if problems:
            raise InvalidDataRoot(problems)


def _yaml(data: dict) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110).encode("utf-8")


def import_barometre(root: str | Path, path: str | Path, coalition: str, qualities: dict[str, str],
                     say=None, timeout: float | None = None) -> SourceReport:
    root, path = Path(root), Path(path)
    if not path.is_file():
        raise ObservatoryError(f"{path}: no such file")
    with locking.root_lock(root, f"observatory import-source barometre {path.name}", timeout, say):
        journal.recover(root)
        return _import_barometre(root, path, coalition, qualities)


def _import_barometre(root: Path, path: Path, coalition: str, qualities: dict[str, str]) -> SourceReport:
    existing = load_root(root)
    if coalition not in set(existing.coalitions["id"]):
        raise ObservatoryError(f"--coalition {coalition}: no such coalition (expected one of "
                               f"{', '.join(sorted(existing.coalitions['id']))})")
    territories = existing.territories.drop(columns=["file", "row"]).to_dict("records")
    converted = barometre.convert(path, coalition, territories, qualities)
    files: dict[str, bytes] = {}

    # Territories: the table as it is, plus the new ones.
    table_path = root / "data" / "territories.csv"
    text = table_path.read_text(encoding="utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    for column in ("code_insee", "iso_3166"):
        if column not in header:
            raise ObservatoryError(f"data/territories.csv: add the column {column} before importing the Baromètre")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    for row in converted.territories:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    if converted.territories:
        files["data/territories.csv"] = (text.rstrip("\n") + "\n" + buffer.getvalue()).encode("utf-8")

    for ident, definition in converted.indicators.items():
        files[f"indicators/{definition['quality']}/{ident}.yml"] = _yaml(definition)

    # The published figures, as one data file per synthesis level (a newer snapshot replaces it).
    stem = f"barometre-{converted.level}"
    buffer = io.StringIO()
    columns = ["indicator", "territory", "date", "value", "coalition", "source", "comment"]
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in converted.observations:
        writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in columns})
    files[f"data/observations/{stem}.csv"] = buffer.getvalue().encode("utf-8")
    files[f"data/observations/{stem}.meta.yml"] = _yaml({
        "title": {"fr": f"Baromètre des résultats de l'action publique — synthèse ({converted.level})",
                  "en": f"French State's Baromètre des résultats de l'action publique — {converted.level} synthesis"},
        "description": {"fr": f"Importé de {path.name} : valeurs initiales et actuelles publiées.",
                        "en": f"Imported from {path.name}: published initial and current values."},
        "demonstration": False,
        "license": barometre.LICENSE,
        "source": f"{barometre.SOURCE_NAME} — {barometre.SOURCE_URL}",
    })

    # The coalition's targets: the published ones it does not have yet.
    coalition_file = root / "data" / "coalitions" / f"{coalition}.yml"
    profile = yaml.safe_load(coalition_file.read_text(encoding="utf-8"))
    targets = profile.get("targets") or []
    have = {(t.get("indicator"), t.get("territory"), str((t.get("target") or {}).get("date"))) for t in targets}
    added = [t for t in converted.targets if (t["indicator"], t["territory"], t["target"]["date"]) not in have]
    if added:
        profile["targets"] = targets + added
        files[f"data/coalitions/{coalition}.yml"] = _yaml(profile)

    check_as_it_would_become(root, files)
    journal.commit(root, files)
    return SourceReport(len(converted.territories), len(converted.indicators), len(converted.observations),
                        len(added), converted.skipped, sorted(files))


def import_jgmd(root: str | Path, path: str | Path, date: str, say=None, timeout: float | None = None) -> SourceReport:
    """JustGetMyData's sites.json into the Self Data register, as an assessment at ``date``."""
    import re

    import pandas as pd

    from observatory.dates import parse_period_end

    root, path = Path(root), Path(path)
    if not path.is_file():
        raise ObservatoryError(f"{path}: no such file")
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", date or "") or pd.isna(parse_period_end(pd.Series([date]))[0]):
        raise ObservatoryError(f"--date {date}: expected the date of the assessment, YYYY-MM-DD")
    with locking.root_lock(root, f"observatory import-source jgmd {path.name}", timeout, say):
        journal.recover(root)
        return _import_jgmd(root, path, date)


def _import_jgmd(root: Path, path: Path, date: str) -> SourceReport:
    from observatory import selfdata
    from observatory.sources import jgmd
    from observatory.submissions import _csv_bytes, _read_csv_dicts

    register = selfdata.folder(root)
    services = _read_csv_dicts(register / "services.csv")
    assessments = _read_csv_dicts(register / "assessments.csv")
    new_services, new_assessments = jgmd.convert(path, date, services)
    # A new import at the same date replaces that date's JustGetMyData assessments: importing twice changes nothing.
    kept = [a for a in assessments if not (a.get("date") == date and a.get("source") == jgmd.SOURCE)]
    files = {
        "data/self-data/services.csv": _csv_bytes(list(selfdata.SERVICE_COLUMNS), new_services),
        "data/self-data/assessments.csv": _csv_bytes(list(selfdata.ASSESSMENT_COLUMNS), kept + new_assessments),
    }
    check_as_it_would_become(root, files)
    unchanged = all((root / k).exists() and (root / k).read_bytes() == v for k, v in files.items())
    if not unchanged:
        journal.commit(root, files)
    return SourceReport(0, 0, len(new_assessments), 0,
                        [] if not unchanged else ["nothing new: this assessment is already recorded"],
                        sorted(files) if not unchanged else [])
