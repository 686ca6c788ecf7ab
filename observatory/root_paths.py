"""Where everything lives in a data root: the one place that knows its folders and files.

Paths are relative to the root, with ``/`` separators: they are at once what a
message shows the user ("data/territories.csv, row 4") and the keys of the
files a commit writes (:mod:`observatory.journal`). :func:`at` turns one into a
path on disk.

The root itself is a :class:`~pathlib.Path` everywhere inside the package: what a boundary was given (the
command line's ``--root``, a notebook's ``root`` parameter, ``$OBSERVATORY_ROOT``) becomes one through
:func:`data_root`, once, and every function after takes ``root: Path``.
"""

from __future__ import annotations

import os
from pathlib import Path

INDICATORS = "indicators"  # indicators/<quality>/<id>.yml
DATA = "data"
TERRITORIES = "data/territories.csv"
TERRITORIES_META = "data/territories.meta.yml"  # optional: where the territories come from (licence, source, years)
TERRITORIES_DATASET = "territories"  # the name of that metadata's row in the datasets table
COALITIONS = "data/coalitions"  # data/coalitions/<id>.yml
OBSERVATIONS = "data/observations"  # data/observations/<name>.csv (or .parquet) and <name>.meta.yml
OBSERVATION_SUFFIXES = (".csv", ".parquet")  # observation files: CSV, or Parquet for large files
SELF_DATA = "data/self-data"  # the Self Data register (observatory.selfdata)
SERVICES = "data/self-data/services.csv"
ASSESSMENTS = "data/self-data/assessments.csv"
SITE_SETTINGS = "data/site.yml"  # optional: the site's own settings (the accessibility statement's contact)
HISTORY = "data/history.csv"  # every figure an import added or replaced
SUBMISSIONS = "data/submissions"  # data/submissions/<coalition>/<submission>.<ext>: the files as sent
SUBMISSION_LOG = "data/submissions/log.csv"
UNDO_RECORDS = "data/submissions/undo-records"  # <coalition>/<submission>.json
# The reporting cycle (issue 26): the programme's periods and settings; submissions awaiting the team's review
# (<submission>.json and the file as sent), and each review step (sent, returned, approved).
PROGRAMME = "data/programme.yml"
PENDING = "data/submissions/pending"
REVIEW_LOG = "data/submissions/reviews.csv"
JOURNAL = "data/.import-journal.json"  # a commit in progress (observatory.journal)
ROOT_LOCK = "data/.observatory.lock"  # one writer at a time (observatory.locking)
# Folders a commit may write into.
WRITTEN_FOLDERS = (DATA, INDICATORS)


REPOSITORY = Path(__file__).resolve().parent.parent  # the repository the package sits in: its own data root
ROOT_VARIABLE = "OBSERVATORY_ROOT"  # set by `observatory serve` and `lab` for the kernels they start


def data_root(given: str | os.PathLike[str] | None = None) -> Path:
    """The data root a boundary was given, as the Path every function inside takes: the one conversion.

    ``given`` is what a user or a notebook passed (``--root``, a notebook's ``root`` parameter: a str; a Path from
    a programmatic caller); None or empty: ``$OBSERVATORY_ROOT``, else the repository. Kept as given (not made
    absolute): messages name the root as the user wrote it; what needs it absolute resolves it.
    """
    return Path(given or os.environ.get(ROOT_VARIABLE) or REPOSITORY)


def given_folder(given: str | os.PathLike[str] | None, variable: str) -> Path | None:
    """A folder outside the root a boundary was given (the results, the leads' secrets), as a Path: ``given``,
    else the environment variable ``variable``, else None."""
    given = given or os.environ.get(variable)
    return Path(given) if given else None


def at(root: Path, relative: str) -> Path:
    """The path on disk of a place of the layout (or of a file under it) in ``root``."""
    return root / relative


def observation_file(name: str) -> str:
    return f"{OBSERVATIONS}/{name}.csv"


def coalition_file(ident: str) -> str:
    return f"{COALITIONS}/{ident}.yml"


def submission_file(coalition: str, submission: str, suffix: str) -> str:
    return f"{SUBMISSIONS}/{coalition}/{submission}{suffix}"


def undo_record(coalition: str, submission: str) -> str:
    return f"{UNDO_RECORDS}/{coalition}/{submission}.json"


def rel(path: Path, root: Path) -> str:
    """A file's path as the user sees it: relative to the data root, with / separators (the inverse of :func:`at`)."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
