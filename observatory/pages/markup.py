"""The one escaping function, the one link filter, and the displayable HTML fragment."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass


def esc(text: object) -> str:
    """Text from data files made inert in HTML (and in plotly's HTML-like labels); None is empty."""
    return html.escape("" if text is None else str(text), quote=True)


def safe_url(url: object) -> str | None:
    """Only web links are kept: a javascript: or data: URL from a file must not become a link."""
    if isinstance(url, str) and url.strip().lower().startswith(("https://", "http://")):
        return url.strip()
    return None


def json_for_script(value: object) -> str:
    """JSON safe inside a <script>: no '</script>' or comment opener can close it early."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") \
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


@dataclass
class Fragment:
    """A piece of HTML, shown by notebooks through ``_repr_html_``."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html

    def __repr__(self) -> str:  # what text-only front-ends show instead of the HTML
        return f"<{len(self.html)} characters of HTML>"
