"""The vocabulary of the programme: the closed lists every file is checked against.

Their names, as readers see them, are in the catalogues of observatory/i18n/.
"""

from dataclasses import dataclass

# The compass ("boussole"): the seven qualities, in the programme's order.
QUALITIES = (
    "capacitant",
    "inclusif",
    "frugal",
    "innovant",
    "democratique",
    "protecteur",
    "equitable",
)
LEVERS = ("commande", "offre", "usages")
AXES = ("environnement", "democratie", "inclusion")
MATURITIES = ("pilote", "promo-1", "promo-2", "a-activer")
DIRECTIONS = ("increase", "decrease")
# How an indicator's figures add up from the parts of a territory to the whole (observatory/rollup.py);
# weighted-mean: the mean weighted by the parts' populations (a rate, a share).
AGGREGATIONS = ("sum", "mean", "min", "max", "weighted-mean")
TERRITORY_LEVELS = ("country", "region", "departement", "epci", "commune", "other")


@dataclass(frozen=True)
class Status:
    """A progress status: its id (tables, CSS) and colour, never shown alone: its name is in the catalogues."""

    id: str
    colour: str


# Progress statuses, best first (the order dashboards list them in); names: status_names in observatory/i18n/.
STATUS_TABLE = (
    Status("achieved", "#1a7f37"),
    Status("on_track", "#4cae4f"),
    Status("moderate", "#e0a100"),
    Status("limited", "#e8590c"),
    Status("deterioration", "#c92a2a"),
    Status("no_data", "#adb5bd"),
)
STATUSES = tuple(status.id for status in STATUS_TABLE)
STATUS_COLOURS = {status.id: status.colour for status in STATUS_TABLE}

# Indicator definition keys (indicators/<quality>/<id>.yml).
INDICATOR_REQUIRED = ("id", "name", "quality", "unit", "direction", "description", "method", "source")
INDICATOR_OPTIONAL = ("limit", "aggregation", "lever", "decimals", "frequency", "license")

# Coalition profile keys (data/coalitions/<id>.yml).
COALITION_REQUIRED = ("id", "name", "axes", "maturity", "levers", "leads", "partners", "territories", "intention", "targets")
COALITION_OPTIONAL = ("intention_en",)  # the intention in English, for the English pages
TARGET_KEYS = ("indicator", "territory", "baseline", "target")
TARGET_OPTIONAL_KEYS = ("source", "reporting")  # source: who states the target; without it, illustrative
# reporting: which figures the target expects from its coalition each period (observatory.reporting, issue 26):
# each-period (the default: one per period between baseline and deadline), or none (e.g. a public source's).
TARGET_REPORTING = ("each-period", "none")
TARGET_POINT_KEYS = ("date", "value")

# data/territories.csv
TERRITORY_COLUMNS = ("id", "name", "level", "parent")
TERRITORY_CODE_COLUMNS = ("code_insee", "siren", "iso_3166")
# The territory's name in English where it differs (Belgique → Belgium); empty: the name serves both languages.
# population: people living there (a whole number; observatory/sources/decoupage.py fills it from INSEE's figures).
TERRITORY_OPTIONAL_COLUMNS = ("name_en", "population")
# Sidecar metadata of the table of territories (data/territories.meta.yml), written by a source that fills it:
# the observations' keys (no demonstration: territories are never made up), the source's version and the years
# of its geography (COG) and of its populations.
TERRITORY_META_KEYS = ("title", "description", "license", "source", "version", "cog_year", "population_year")

# data/observations/*.csv (or *.parquet: observatory.parquet)
OBSERVATION_REQUIRED = ("indicator", "territory", "date", "value")
# quality: how the figure was obtained (FIGURE_QUALITIES; not an indicator's quality, QUALITIES); link,
# contribution, contribution_note: the lead's evidence beside it (a document, how much of the change is the
# coalition's own doing, in a sentence).
EVIDENCE_COLUMNS = ("link", "contribution", "contribution_note")
OBSERVATION_OPTIONAL = ("coalition", "source", "comment", "quality", *EVIDENCE_COLUMNS)
# A figure's quality (issue 22): measured unless a file says otherwise; roll-up only for the figures the
# observatory computes (observatory.rollup), never claimed by a file.
FIGURE_QUALITIES = ("measured", "estimated", "provisional", "proxy", "demonstration", "roll-up")
FILE_QUALITIES = FIGURE_QUALITIES[:-1]
DEFAULT_QUALITY = "measured"
# A lead's claim of contribution (issue 25, the Impact Management Project's "Contribution" dimension).
CONTRIBUTIONS = ("none", "partial", "main")
# A link to a document beside a figure: https only, a host, then no space, control character, quote or angle
# bracket (shown on public pages: nothing that could leave the attribute or run; never fetched by the build).
LINK_PATTERN = (r"^https://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?"
                r"(?:[/?#][^\s\x00-\x1f\x7f\"'<>\\^`{|}]*)?$")
# A value as the files hold it: a decimal point, no thousands separator, an optional exponent.
NUMBER_PATTERN = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"

# Sidecar metadata of an observations file (data/observations/<name>.meta.yml).
# quality: the quality of every figure of the file that has none of its own (demonstration: true is quality
# demonstration).
OBSERVATION_META_KEYS = ("title", "description", "demonstration", "license", "source", "quality")
