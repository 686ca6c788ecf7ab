"""What readers see, in French first and in English: one catalogue of texts per language.

Each language is a YAML file beside this module (``fr.yml``, ``en.yml``), so a
translator edits plain text and adding a language is adding a file (and its code
to :data:`LANGS`). Keys are flat, except the names of closed vocabularies
(``status_names``, ``quality_names``…), grouped under one key and read with a
dotted key such as ``status_names.achieved``. ``{name}`` in a text is a value
filled in when it is shown.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

import yaml

# libyaml's loader where PyYAML has it: the catalogues are read on every build, 10× faster than pure Python.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

LANGS = ("fr", "en")
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


def t(key: str, lang: str, **values: object) -> str:
    """The text ``key`` in ``lang``, with its ``{name}`` fields filled from ``values``."""
    text = catalogue(lang)[key]
    return text.format(**values) if values else text


def place_name(row, lang: str) -> str:
    """A territory's name in ``lang``: its ``name_en`` on English pages where the data give one, else its name."""
    if lang == "en":
        english = row.get("name_en")
        if isinstance(english, str) and english.strip():
            return english
    return row["name"]


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
