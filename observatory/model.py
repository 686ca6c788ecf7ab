"""The vocabulary of the programme: the closed lists every file is checked against."""

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
QUALITY_NAMES = {
    "capacitant": {"fr": "Capacitant", "en": "Empowering"},
    "inclusif": {"fr": "Inclusif", "en": "Inclusive"},
    "frugal": {"fr": "Frugal", "en": "Frugal"},
    "innovant": {"fr": "Innovant", "en": "Innovative"},
    "democratique": {"fr": "Démocratique", "en": "Democratic"},
    "protecteur": {"fr": "Protecteur", "en": "Protective"},
    "equitable": {"fr": "Équitable", "en": "Fair"},
}
LEVERS = ("commande", "offre", "usages")
AXES = ("environnement", "democratie", "inclusion")
MATURITIES = ("pilote", "promo-1", "promo-2", "a-activer")
DIRECTIONS = ("increase", "decrease")
AGGREGATIONS = ("sum", "mean", "min", "max")
TERRITORY_LEVELS = ("country", "region", "departement", "epci", "commune", "other")

# Progress statuses, best first (the order dashboards list them in).
STATUSES = ("achieved", "on_track", "moderate", "limited", "deterioration", "no_data")
STATUS_NAMES = {
    "achieved": {"fr": "Atteint", "en": "Achieved"},
    "on_track": {"fr": "En bonne voie", "en": "On track"},
    "moderate": {"fr": "Progrès modéré", "en": "Moderate progress"},
    "limited": {"fr": "Progrès limité", "en": "Limited progress"},
    "deterioration": {"fr": "Dégradation", "en": "Deterioration"},
    "no_data": {"fr": "Pas de donnée", "en": "No data"},
}

# Indicator definition keys (indicators/<quality>/<id>.yml).
INDICATOR_REQUIRED = ("id", "name", "quality", "unit", "direction", "description", "method", "source")
INDICATOR_OPTIONAL = ("limit", "aggregation", "lever", "decimals", "frequency", "license")

# Coalition profile keys (data/coalitions/<id>.yml).
COALITION_REQUIRED = ("id", "name", "axes", "maturity", "levers", "leads", "partners", "territories", "intention", "targets")
COALITION_OPTIONAL = ()
TARGET_KEYS = ("indicator", "territory", "baseline", "target")
TARGET_POINT_KEYS = ("date", "value")

# data/territories.csv
TERRITORY_COLUMNS = ("id", "name", "level", "parent")
TERRITORY_CODE_COLUMNS = ("code_insee", "siren", "iso_3166")

# data/observations/*.csv
OBSERVATION_REQUIRED = ("indicator", "territory", "date", "value")
OBSERVATION_OPTIONAL = ("coalition", "source", "comment")
# A value as the files hold it: a decimal point, no thousands separator, an optional exponent.
NUMBER_PATTERN = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"

# Sidecar metadata of an observations file (data/observations/<name>.meta.yml).
OBSERVATION_META_KEYS = ("title", "description", "demonstration", "license", "source")
