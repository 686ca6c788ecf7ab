"""Problems found in a data root, worded for the person who has to fix the file.

Every message names the file, where in it (a spreadsheet row or a YAML key),
the column, the value found and what was expected, in the reader's language:
the words come from the catalogues (``observatory/i18n/<lang>.yml``, group
``messages``), English unless the command line or the page says otherwise.
"""

from __future__ import annotations

import math
import os
from contextlib import contextmanager
from dataclasses import dataclass

# The language texts are shown in when no one names one: the command line sets it (--lang, the locale). One
# per process, not per context: the threads a command starts speak as it does.
_LANG = ["en"]


def current_lang() -> str:
    return _LANG[0]


def set_lang(lang: str) -> None:
    from observatory import i18n

    _LANG[0] = i18n.check_lang(lang)


def locale_lang(environ=os.environ) -> str:
    """The language of LANGS the locale names (the first of LC_ALL, LC_MESSAGES, LANG that is set, as gettext
    reads them: fr_FR.UTF-8 is French), English otherwise."""
    from observatory.i18n import LANGS

    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return next((lang for lang in LANGS if value.lower().startswith(lang)), "en")
    return "en"


@contextmanager
def language(lang: str):
    """Texts shown in ``lang`` inside the block (str() of a problem, of an error)."""
    before = current_lang()
    set_lang(lang)
    try:
        yield
    finally:
        _LANG[0] = before


def _say(value: object, lang: str) -> object:
    return value.text(lang) if isinstance(value, Text) else value


_CATALOGUES: dict[str, dict[str, str]] = {}  # language → its catalogue, read once (problems are made in bulk)


def _texts(lang: str) -> dict[str, str]:
    texts = _CATALOGUES.get(lang)
    if texts is None:
        from observatory import i18n  # here: the catalogues are read only when a message is made

        texts = _CATALOGUES[lang] = {key[len("messages."):]: text for key, text in i18n.catalogue(lang).items()
                                     if key.startswith("messages.")}
    return texts


def _render(key: str, lang: str, fields: dict) -> str:
    for value in fields.values():
        if isinstance(value, Text):
            fields = {name: _say(value, lang) for name, value in fields.items()}
            break
    # always formatted: literal braces are written {{ }} in the catalogues
    return _texts(lang)[key].format(**fields)


def _rebuild(cls, key: str, fields: dict):
    return cls(key, **fields)


class Text(str):
    """A text of the catalogues: a str holding its English wording, so it goes wherever a str did (and reads as
    it always has), with its key and {fields} to say it in another language (:meth:`text`). Fields that are
    Texts themselves are said in the same language."""

    def __new__(cls, key: str, /, **fields: object):  # positional-only: a field may be called key
        self = super().__new__(cls, _render(key, "en", fields))
        self.key, self.fields = key, fields
        return self

    def text(self, lang: str) -> str:
        return str.__str__(self) if lang == "en" else _render(self.key, lang, self.fields)

    def __reduce__(self):  # problems are cached as pickles: keep the key, not only the English
        return _rebuild, (type(self), self.key, self.fields)


class Described(str):
    """A value described in words rather than quoted, e.g. "an empty file"."""


class DescribedText(Text, Described):
    """A value described in words of the catalogues: ``DescribedText("empty_file")``."""


def say(text: object, lang: str | None = None) -> str:
    """A text in ``lang`` (default: the current language): a :class:`Text` translated, anything else as it is."""
    lang = lang or current_lang()
    return text.text(lang) if isinstance(text, Text) else str(text)


def show_value(value: object, lang: str = "en") -> str:
    """A value as the user typed it, quoted; empty cells are said to be empty."""
    if isinstance(value, Described):
        return say(value, lang)
    empty = _texts(lang)["empty"]
    if value is None:
        return empty
    if isinstance(value, float) and math.isnan(value):
        return empty
    import pandas as pd  # here, not at the top: every command imports this module, few need pandas

    if value is pd.NA or value is pd.NaT:
        return empty
    text = value.text(lang) if isinstance(value, Text) else str(value)
    if text.strip() == "":
        return empty
    if len(text) > 80:
        text = text[:77] + "..."
    return repr(text)


@dataclass(frozen=True, order=True)
class Problem:
    """One fault in one place of one file."""

    file: str
    row: int | None = None  # spreadsheet row (header = row 1)
    line: int | None = None  # line in a text file that could not be parsed
    key: str | None = None  # YAML key path, e.g. targets[2].baseline.date
    column: str | None = None
    value: object = None
    expected: str = ""

    def __str__(self) -> str:
        return self.text(current_lang())

    def where(self, lang: str = "en") -> str:
        """The place: file, row or line, key, column."""
        texts = _texts(lang)
        parts = [self.file]
        if self.row is not None:
            parts.append(texts["at_row"].format(row=self.row))
        if self.line is not None:
            parts.append(texts["at_line"].format(line=self.line))
        if self.key is not None:
            parts.append(texts["at_key"].format(key=self.key))
        if self.column is not None:
            parts.append(texts["at_column"].format(column=self.column))
        return ", ".join(parts)

    def what(self, lang: str = "en") -> str:
        """What is wrong, without the place: found …, expected …"""
        return _texts(lang)["found_expected"].format(found=show_value(self.value, lang),
                                                     expected=say(self.expected, lang))

    def text(self, lang: str = "en") -> str:
        """The whole message in ``lang``."""
        return _texts(lang)["problem"].format(where=self.where(lang), what=self.what(lang))

    def sort_key(self) -> tuple:
        return (self.file, self.row or 0, self.line or 0, self.key or "", self.column or "")


class ObservatoryError(Exception):
    """An error a user can act on; its message is shown without a traceback.

    Its message may be a str, a :class:`Text` or a :class:`Problem`: the last two are said in the current
    language when shown (``str(error)``), or in any language with :meth:`text`."""

    def text(self, lang: str | None = None) -> str:
        lang = lang or current_lang()
        if len(self.args) == 1 and isinstance(self.args[0], (Text, Problem)):
            message = self.args[0]
            return message.text(lang)
        return super().__str__()

    def __str__(self) -> str:
        return self.text()


class InvalidDataRoot(ObservatoryError):
    """The data root has problems; each one is listed."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=Problem.sort_key)
        super().__init__(Text("problems_in_root", count=len(self.problems)))

    def report(self, lang: str | None = None) -> str:
        lang = lang or current_lang()
        return "\n".join(p.text(lang) for p in self.problems)
