"""A plotly figure on a page: drawn by the page's one shared plotly.js, or by Jupyter's plotly extension."""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import dataclass

from markupsafe import Markup

from observatory import i18n
from observatory.i18n import formatting
from observatory.pages.markup import json_for_script
from observatory.pages.render import render

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


@dataclass
class Chart:
    """A plotly figure, displayed two ways at once.

    * ``text/html``: a <div> and a script drawing it with the page's one shared plotly.js
      (what nbconvert keeps for the static site: no plotly.js embedded, no CDN);
    * ``application/vnd.plotly.v1+json``: what JupyterLab and Voilà draw with the plotly
      extension shipped in the plotly package (live pages, where page scripts don't run).
    """

    spec: dict
    div_id: str
    lang: str = "fr"
    note: str = ""  # said right under the chart, after its words (e.g. how much of it is demonstration data)

    @property
    def summary(self) -> str:
        """The chart in words: what it shows and its figures (a text alternative, WCAG 1.1.1)."""
        return describe(self.spec, self.lang)

    @property
    def html(self) -> str:
        return str(render("chart.html.j2", div_id=self.div_id, id_json=Markup(json.dumps(self.div_id)),
                          height=int(self.spec.get("layout", {}).get("height", 400)),
                          spec=Markup(json_for_script(self.spec)),
                          config=Markup(json_for_script({**PLOTLY_CONFIG, "locale": self.lang})),
                          summary=self.summary, in_brief=i18n.t("in_brief", self.lang), note=self.note))

    @property
    def summary_html(self) -> str:
        return str(render("chart_summary.html.j2", summary=self.summary, in_brief=i18n.t("in_brief", self.lang),
                          note=self.note))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"application/vnd.plotly.v1+json": {**self.spec, "config": PLOTLY_CONFIG}, "text/html": self.html}

    def __str__(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<chart {self.div_id}>"


class LiveChart(Chart):
    """A chart on a live page (Voilà): Voilà draws the plotly output and drops the HTML one, summary included,
    so the chart in words follows as an output of its own."""

    def _ipython_display_(self):
        from IPython.display import HTML, display

        drawn = {kind: data for kind, data in self._repr_mimebundle_().items() if kind != "text/html"}
        display({**drawn, "text/plain": repr(self)}, raw=True)
        display(HTML(self.summary_html))


def live() -> bool:
    """Is this kernel serving live pages? (``observatory serve`` says so to its kernels.)"""
    return os.environ.get("OBSERVATORY_LIVE") == "1"


def chart(fig, div_id: str, lang: str = "fr", note: str = "") -> Chart:
    """A plotly figure as a :class:`Chart` (data texts already escaped by :mod:`observatory.figures`)."""
    return (LiveChart if live() else Chart)(json.loads(fig.to_json()), div_id, lang, note)


def _plain(text) -> str:
    """A label as text: plotly's HTML-like markup dropped, the entities figures.py escaped read back."""
    return html.unescape(re.sub(r"<[^>]+>", " ", str(text or ""))).strip()


def _figure(value, lang: str) -> str:
    if isinstance(value, (int, float)):
        return formatting.number(round(float(value), 1), lang)
    if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value):
        return formatting.day(value[:10], lang)
    return _plain(value)


def _values(value) -> list:
    """A trace's values: a list, or plotly's typed array ({"dtype": "f8", "bdata": base64})."""
    if isinstance(value, dict) and "bdata" in value:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value or [])


def describe(spec: dict, lang: str, points: int = 12) -> str:
    """Each trace's name and figures, read from the figure itself, so the words can't disagree with the chart."""
    title = (spec.get("layout", {}).get("title") or {}).get("text") or ""
    colon = i18n.setting("colon", lang)
    parts = []
    for trace in spec.get("data", [])[:10]:
        kind, name = trace.get("type"), _plain(trace.get("name"))
        if (trace.get("meta") or {}).get("describe") == "text" and trace.get("text"):
            # Each mark's own label: a figure, or why there is none ("no target", "no data"), never a 0.
            keys = _values(trace.get("theta") or trace.get("y"))
            labels = "; ".join(_plain(label) if kind == "barpolar" else f"{_plain(key)}{colon}{_plain(label)}"
                               for key, label in zip(keys, _values(trace.get("text"))))
            parts.append(f"{name} — {labels}" if name else labels)
            continue
        if kind in ("barpolar", "scatterpolar"):
            pairs = list(zip(_values(trace.get("theta")), _values(trace.get("r"))))
        elif trace.get("orientation") == "h":
            pairs = [(y, x) for x, y in zip(_values(trace.get("x")), _values(trace.get("y")))]
        else:
            pairs = list(zip(_values(trace.get("x")), _values(trace.get("y"))))
        pairs = [(k, v) for k, v in pairs if v is not None]
        if not pairs:
            continue
        if kind == "scatter" and len(pairs) > 2:  # a line: where it starts and where it ends
            pairs = [pairs[0], pairs[-1]]
        shown = "; ".join(f"{_figure(k, lang)}{colon}{_figure(v, lang)}" for k, v in pairs[:points])
        parts.append(f"{name} — {shown}" if name else shown)
    return ". ".join([_plain(title), *parts]).strip(". ") + "."
