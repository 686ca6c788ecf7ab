"""The observation files of ``data/observations/`` (CSV or Parquet) and their ``.meta.yml``: every row as text,
with its file and row, the files stacked into one table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from observatory import parquet, root_paths, vocabulary
from observatory.errors import Problem, Text
from observatory.load.columnar import columnar_rows
from observatory.load.csv_records import check_header, read_csv_records, records_to_rows
from observatory.load.fields import ProfileFields
from observatory.load.frames import as_text, frame_of
from observatory.load.yaml_files import read_mapping
from observatory.root_paths import rel

# The observations as read from data/observations/*.csv: cells as typed (date_text, value_text), with their place.
OBSERVATION_ROW_COLUMNS = [
    "indicator", "territory", "date_text", "value_text", "coalition", "source", "comment", "file", "row",
    "dataset", "quality", *vocabulary.EVIDENCE_COLUMNS,
]
DATASET_COLUMNS = ["dataset", "file", "title_fr", "title_en", "description_fr", "description_en",
                   "demonstration", "license", "source"]


def observation_table(path: Path, root: Path, problems: list[Problem]) -> pd.DataFrame | None:
    """An observation file's rows as text (``date_text``, ``value_text``…, ``file``, ``row``), None if it can't be
    read. Columnar (pandas' C parser, quoted cells included: a national file of millions of rows in seconds),
    only the rows that may have more cells than the header (a decimal comma…) read again one by one for the
    row-by-row reader's messages; a file that is not a table at all (bytes that are not UTF-8, a quote left
    open, a bad header…) goes wholly through the row-by-row reader. Both give the same rows and messages."""
    name = rel(path, root)
    if path.suffix == ".parquet":
        return _parquet_table(path, name, problems)
    rows_problems: list[Problem] = []  # the long rows' messages, said after the header's, as row by row
    frame = columnar_rows(path, name, rows_problems)
    if frame is not None:
        header = frame.attrs["header"]
    else:  # the row-by-row reader, and its messages
        read = read_csv_records(path, root, problems)
        if read is None:
            return None
        header, body = read
    if not check_header(name, header, vocabulary.OBSERVATION_REQUIRED, vocabulary.OBSERVATION_OPTIONAL, problems):
        return None
    problems.extend(rows_problems)
    if frame is None:
        frame = pd.DataFrame(records_to_rows(name, header, body, problems))
    return frame.rename(columns={"date": "date_text", "value": "value_text"})


def _parquet_table(path: Path, name: str, problems: list[Problem]) -> pd.DataFrame | None:
    """A Parquet observation file's records as a CSV file's rows (:mod:`observatory.parquet`: the same texts,
    a record named by its spreadsheet row), None if it can't be read: the same checks and messages follow."""
    read = parquet.parquet_header(path, name, problems)
    if read is None:
        return None
    header, types = read
    if not check_header(name, header, vocabulary.OBSERVATION_REQUIRED, vocabulary.OBSERVATION_OPTIONAL, problems):
        return None
    frame = parquet.parquet_rows(path, name, header, types, problems)
    if frame is None:
        return None
    return frame.rename(columns={"date": "date_text", "value": "value_text"})


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
                mf = ProfileFields(meta_data, rel(meta_path, root), problems)
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
        frame = observation_table(path, root, problems)
        if frame is None:
            continue
        frame["dataset"] = path.stem
        if file_quality is not None:  # the file's quality, for its rows that give none of their own
            frame["quality"] = frame["quality"].where(frame["quality"].notna(), file_quality) \
                if "quality" in frame else file_quality
        frames.append(frame.reindex(columns=OBSERVATION_ROW_COLUMNS))
    observations = _stacked(frames) if frames else pd.DataFrame(columns=OBSERVATION_ROW_COLUMNS)
    observations = as_text(observations, [c for c in OBSERVATION_ROW_COLUMNS if c != "row"])
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
    return frame_of(columns, len(columns["row"]))
