"""Read a data root into tables, noting every problem met while parsing.

Loading never stops at the first fault: whatever can be read is read, and each
file that can't be (bad YAML, wrong encoding, missing keys, a typo in a key) is
reported as a :class:`~observatory.errors.Problem`. Cross-file consistency is
checked afterwards by :mod:`observatory.validate`.

One job a module: :mod:`.yaml_files` (the safe YAML loader), :mod:`.fields` (typed
fields of a YAML mapping), :mod:`.csv_records` (a CSV file row by row),
:mod:`.columnar` (the same, as columns, for large files), :mod:`.frames` (text
columns as frames), :mod:`.profiles` (indicators, coalitions and targets,
territories), :mod:`.observations` (the observation files), :mod:`.root` (the whole
root, read again if an import committed meanwhile; the Self Data register).
"""

from observatory.load.observations import DATASET_COLUMNS, OBSERVATION_ROW_COLUMNS, load_observations
from observatory.load.profiles import (
    COALITION_COLUMNS, INDICATOR_COLUMNS, TARGET_COLUMNS, TERRITORY_COLUMNS, load_coalitions, load_indicators,
    load_territories, load_territories_meta,
)
from observatory.load.root import READ_ATTEMPTS, DataRoot, load_register, load_root
from observatory.load.yaml_files import MAX_DEPTH, read_mapping, read_yaml
from observatory.root_paths import rel

__all__ = [
    "COALITION_COLUMNS", "DATASET_COLUMNS", "INDICATOR_COLUMNS", "MAX_DEPTH", "OBSERVATION_ROW_COLUMNS",
    "READ_ATTEMPTS", "TARGET_COLUMNS", "TERRITORY_COLUMNS", "DataRoot", "load_coalitions", "load_indicators",
    "load_observations", "load_register", "load_root", "load_territories", "load_territories_meta",
    "read_mapping", "read_yaml", "rel",
]
