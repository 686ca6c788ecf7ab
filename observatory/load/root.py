"""A whole data root read into a :class:`DataRoot`: every file, read again if an import committed meanwhile,
and the Self Data register."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from observatory import journal, locking, root_paths, selfdata
from observatory.errors import ObservatoryError, Problem, Text
from observatory.load.csv_records import check_header, read_csv_records, records_to_rows
from observatory.load.frames import as_text
from observatory.load.observations import DATASET_COLUMNS, load_observations
from observatory.load.profiles import load_coalitions, load_indicators, load_territories, load_territories_meta
from observatory.root_paths import rel


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


def load_root(path: Path) -> DataRoot:
    """Read every file of a data root. Problems are collected, not raised."""
    if not path.is_dir():
        raise ObservatoryError(f"{path}: no such folder (expected a data root with indicators/ and data/)")
    if not root_paths.at(path, root_paths.INDICATORS).is_dir() and not root_paths.at(path, root_paths.DATA).is_dir():
        raise ObservatoryError(f"{path}: not a data root (expected the folders indicators/ and data/ in it)")
    # A reader never takes part in a write: it reads between commits. If a commit happened while it read
    # (the data folder changed: a journal came or went), what it read may mix before and after: read again.
    for _ in range(READ_ATTEMPTS):
        if journal.pending(path):
            # An import is renaming its files, or died doing so: wait for the root's lock, then complete it.
            journal.recover(path)
        before = _data_folder_mark(path)
        loaded = _read_root(path)
        if not journal.pending(path) and _data_folder_mark(path) == before:
            return loaded
    # Writers keep committing: read under the root's lock, between two of them.
    with locking.root_lock(path, "observatory (reading the data root)"):
        return _read_root(path)


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
        read = read_csv_records(path, root, problems)
        if read is None:
            tables.append(empty)
            continue
        header, body = read
        if not check_header(rel(path, root), header, required, optional, problems):
            tables.append(empty)
            continue
        frame = pd.DataFrame(records_to_rows(rel(path, root), header, body, problems)).reindex(
            columns=[*columns, "file", "row"])
        tables.append(as_text(frame, [*columns, "file"]))
    return tables[0], tables[1]
