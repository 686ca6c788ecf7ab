"""What readers see, in French first and in English: one catalogue of texts per language.

Each language is a YAML file beside this module (``fr.yml``, ``en.yml``), so a
translator edits plain text and adding a language is adding a file (and its code
to :data:`LANGS`). Keys are flat, except the names of closed vocabularies
(``status_names``, ``quality_names``…), grouped under one key and read with a
dotted key such as ``status_names.achieved``. ``{name}`` in a text is a value
filled in when it is shown. The group ``language`` is how the language writes
(its Babel locale, its decimal mark…), read with :func:`setting`.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path, PurePosixPath

import yaml

# libyaml's loader where PyYAML has it: the catalogues are read on every build, 10× faster than pure Python.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The one declaration of the site's languages, in the order of its editions: the first at the site's root.
# Declared, not found among the catalogues, so a catalogue being translated is published only once added here.
LANGS = ("fr", "en")
# The language the data's own texts are written in first (name_fr is required; name_en, unit_en… may follow).
DATA_LANG = "fr"
FOLDER = Path(__file__).parent


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"language {lang!r}: expected one of {', '.join(LANGS)}")
    return lang


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every text of one language, by key (groups flattened to ``group.key``)."""
    return read_catalogue(FOLDER / f"{check_lang(lang)}.yml")


def read_catalogue(path: Path) -> dict[str, str]:
    texts: dict[str, str] = {}
    for key, value in yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER).items():
        items = value.items() if isinstance(value, dict) else [(None, value)]
        for sub, text in items:
            full = key if sub is None else f"{key}.{sub}"
            # an unquoted yes/no/date would come back as another type: a mistake in the file
            if not all(isinstance(part, str) for part in (key, sub or "", text)):
                raise ValueError(f"{path.name}, key '{full}': found {text!r}, expected a text (quote it)")
            texts[full] = text
    return texts


def edition_folder(lang: str) -> str:
    """Where ``lang``'s pages are, in the static site and among the live pages: the first language's at the root
    (''), each other one's in a folder named by its code ('en/')."""
    return "" if check_lang(lang) == LANGS[0] else f"{lang}/"


def lang_of_path(path: str) -> str:
    """The language of a page from its path in the site or among the live pages (``en/explorer.ipynb``: English,
    ``explorer.ipynb``: the first language)."""
    top = PurePosixPath(path).parts[:1]
    return top[0] if top and top[0] in LANGS[1:] else LANGS[0]


def t(key: str, lang: str, **values: object) -> str:
    """The text ``key`` in ``lang``, with its ``{name}`` fields filled from ``values``."""
    text = catalogue(lang)[key]
    return text.format(**values) if values else text


def setting(name: str, lang: str) -> str:
    """``lang``'s own name (``name``: Français) and how it writes, from its catalogue's group ``language``:
    ``locale`` (Babel's), ``plotly_separators`` (the decimal mark, then the thousands separator), ``percent_suffix``
    (after a figure), ``colon`` (after a label)."""
    return catalogue(lang)[f"language.{name}"]


def _given(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def data_lang(row, key: str, lang: str) -> str:
    """The language :func:`data_text` gives ``key`` in: ``lang`` where the data translate it, else French."""
    return lang if _given(row.get(f"{key}_{lang}")) else DATA_LANG


def data_text(row, key: str, lang: str) -> str:
    """A text of the data (``name``, ``method``, ``unit``…) of ``row`` in ``lang``: its ``<key>_<lang>`` where the
    data give one, else the French one (``<key>_fr``, or ``<key>`` where the French text has no suffix), else ''."""
    for column in (f"{key}_{lang}", f"{key}_{DATA_LANG}", key):
        if _given(row.get(column)):
            return row[column]
    return ""


def data_texts(frame, key: str, lang: str):
    """:func:`data_text` of each row of a table, as a column."""
    french = frame[f"{key}_{DATA_LANG}"] if f"{key}_{DATA_LANG}" in frame else frame[key]
    if f"{key}_{lang}" not in frame:
        return french
    own = frame[f"{key}_{lang}"]
    return own.where(own.map(_given), french)


def place_name(row, lang: str) -> str:
    """A territory's name in ``lang``: its ``name_<lang>`` (``name_en``) where the data give one, else its name."""
    return data_text(row, "name", lang)


def sort_key(text: str) -> str:
    """Alphabetical order as readers expect it: accents and case aside (Île-de-France among the I's)."""
    return "".join(c for c in unicodedata.normalize("NFKD", str(text)) if not unicodedata.combining(c)).casefold()


def name_of(group: str, key: str, lang: str) -> str:
    """The name of ``key`` in a closed vocabulary (``level_names``…), or the key itself when it has none."""
    return catalogue(lang).get(f"{group}.{key}", key)


def quality_name(slug: str, lang: str) -> str:
    return t(f"quality_names.{slug}", lang)


def status_name(status: str, lang: str) -> str:
    return t(f"status_names.{status}", lang)


def difficulty_name(difficulty: str, lang: str) -> str:
    return t(f"difficulty_names.{difficulty}", lang)
