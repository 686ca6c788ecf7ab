"""The names readers see for a data root's coalitions, territories and indicators, in one language.

The live pages (the lead's submission page, the team's review page) show what the site shows, not the
files' ids; both read the names here, once per page.
"""

from __future__ import annotations

from pathlib import Path

from observatory.i18n import data_text, place_name, sort_key


class RootNames:
    def __init__(self, root: Path, lang: str):
        self.root, self.lang = root, lang
        self._names: dict[tuple[str, str], str] | None = None

    def read(self) -> dict[tuple[str, str], str]:
        """Every name, read again from the root (a submission may have changed none, but a new root may)."""
        from observatory.load import load_root

        loaded = load_root(self.root)
        names = {("coalition", str(r["id"])): str(data_text(r, "name", self.lang))
                 for _, r in loaded.coalitions.iterrows()}
        names.update({("territory", str(r["id"])): place_name(r, self.lang) for _, r in loaded.territories.iterrows()})
        names.update({("indicator", str(r["id"])): str(data_text(r, "name", self.lang))
                      for _, r in loaded.indicators.iterrows()})
        self._names = names
        return names

    def coalitions(self) -> list[tuple[str, str]]:
        """(name, id) of every coalition, by name."""
        return sorted(((name, ident) for (kind, ident), name in self.read().items() if kind == "coalition"),
                      key=lambda pair: sort_key(pair[0]))

    def label(self, kind: str, ident: str) -> str:
        """The name of a coalition, territory or indicator (its id when unknown, or when the root can't be
        read: the ids still say it)."""
        if self._names is None:
            try:
                self.read()
            except Exception:  # noqa: BLE001
                self._names = {}
        return self._names.get((kind, str(ident)), str(ident))
