"""Typed fields read out of one YAML mapping (a profile, a metadata file, the programme's settings), each fault
noted with its key path."""

from __future__ import annotations

import yaml

from observatory.errors import Problem, Text


class ProfileFields:
    """Reads typed fields out of one YAML mapping, noting each fault with its key path."""

    def __init__(self, data: dict, file: str, problems: list[Problem], prefix: str = ""):
        self.data = data
        self.file = file
        self.problems = problems
        self.prefix = prefix

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def fault(self, name: str, value: object, expected: str) -> None:
        self.problems.append(Problem(self.file, key=self.key(name), value=value, expected=expected))

    def check_keys(self, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
        allowed = (*required, *optional)
        for name in required:
            if name not in self.data:
                self.fault(name, None, Text("required_key", keys=", ".join(required)))
        for name in self.data:
            if name not in allowed:
                self.fault(str(name), name, Text("known_keys", keys=", ".join(allowed)))

    def text(self, name: str, required: bool = True) -> str | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, (dict, list, bool)):
            self.fault(name, value, Text("a_text"))
            return None
        text = str(value).strip()
        if not text and required:
            self.fault(name, value, Text("non_empty_text"))
            return None
        return text or None

    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        value = self.data.get(name)
        if value is None:
            return None
        if value not in choices:
            self.fault(name, value, Text("one_of", values=", ".join(choices)))
            return None
        return value

    def choices(self, name: str, choices: tuple[str, ...]) -> list[str]:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fault(name, value, Text("list_of", values=", ".join(choices)))
            return []
        good = []
        for i, item in enumerate(value):
            if item not in choices:
                self.fault(f"{name}[{i}]", item, Text("one_of", values=", ".join(choices)))
            else:
                good.append(item)
        return good

    def texts(self, name: str) -> list[str]:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fault(name, value, Text("list_of_texts"))
            return []
        good = []
        for i, item in enumerate(value):
            if isinstance(item, (dict, list)) or item is None or str(item).strip() == "":
                self.fault(f"{name}[{i}]", item, Text("non_empty_text"))
            else:
                good.append(str(item).strip())
        return good

    def translated(self, name: str, require_en: bool) -> tuple[str | None, str | None]:
        """A text given in French and English: {fr: ..., en: ...}, or one plain text (French)."""
        value = self.data.get(name)
        if value is None:
            return None, None
        if isinstance(value, dict):
            sub = ProfileFields(value, self.file, self.problems, self.key(name) + ".")
            sub.check_keys(("fr", "en") if require_en else ("fr",), () if require_en else ("en",))
            return sub.text("fr"), sub.text("en")
        if require_en:
            self.fault(name, value, Text("fr_en_mapping"))
            return None, None
        # One plain text is French (the data's language): no English text, rather than French labelled English.
        return self.text(name), None

    def number(self, name: str) -> float | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fault(name, value, Text("number"))
            return None
        return float(value)


def number_text(value: object) -> str | None:
    """A YAML value as the text a user would have typed, for the same number checks as CSV cells."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, (dict, list)):
        return yaml.safe_dump(value, default_flow_style=True).strip()
    return str(value)
