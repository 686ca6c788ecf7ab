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


# What a note may keep once rendered: text formatting, lists and web links (nothing that runs or loads).
NOTE_TAGS = {"a", "p", "em", "strong", "code", "ul", "ol", "li", "br"}


def markdown(text: object) -> str:
    """A note from a data file (Markdown, sometimes with HTML links) as safe HTML.

    markdown-it-py renders CommonMark (HTML passed through, then cleaned), and nh3 (the Rust
    ammonia sanitiser) keeps only :data:`NOTE_TAGS`, links to http(s) with rel="noopener nofollow".
    """
    import nh3
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark", {"html": True, "linkify": False}).render("" if text is None else str(text))
    return nh3.clean(rendered, tags=NOTE_TAGS, attributes={"a": {"href"}}, url_schemes={"http", "https"},
                     link_rel="noopener nofollow").strip()


def json_for_script(value: object, spaced: bool = False) -> str:
    """JSON safe inside a <script>: no '</script>' or comment opener can close it early. ``spaced``: with
    json.dumps' default ", " and ": " (the menus' scripts are written so)."""
    text = json.dumps(value, separators=(", ", ": ") if spaced else (",", ":"), ensure_ascii=False)
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
