"""A plotly figure on a page: drawn by the page's one shared plotly.js, or by Jupyter's plotly extension."""

from __future__ import annotations

import json
from dataclasses import dataclass

from markupsafe import Markup

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

    @property
    def html(self) -> str:
        return str(render("chart.html.j2", div_id=self.div_id, id_json=Markup(json.dumps(self.div_id)),
                          height=int(self.spec.get("layout", {}).get("height", 400)),
                          spec=Markup(json_for_script(self.spec)), config=Markup(json_for_script(PLOTLY_CONFIG))))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"application/vnd.plotly.v1+json": {**self.spec, "config": PLOTLY_CONFIG}, "text/html": self.html}

    def __str__(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<chart {self.div_id}>"


def chart(fig, div_id: str) -> Chart:
    """A plotly figure as a :class:`Chart` (data texts already escaped by :mod:`observatory.figures`)."""
    return Chart(json.loads(fig.to_json()), div_id)
