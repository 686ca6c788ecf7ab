"""What each dashboard shows, as displayable fragments: notebooks only call these.

Every fragment is an object with ``_repr_html_``, so a notebook cell that ends
with one displays it (in papermill, nbconvert and Voilà alike), and a test can
read its HTML without a kernel. Every text that comes from data files is
escaped here; charts go through :func:`chart`, which never embeds plotly.js
(the page loads one shared copy).
"""

from __future__ import annotations

import html
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from observatory import figures, model
from observatory import results as results_module
from observatory.i18n import AXIS_NAMES, LEVEL_NAMES, LEVER_NAMES, MATURITY_NAMES, name_of, quality_name, status_name, t

CSS = """
.obs { font-family: "DejaVu Sans", Arial, sans-serif; color: #212529; line-height: 1.45; max-width: 1100px; }
.obs h1 { font-size: 1.7em; margin: 0.2em 0 0.3em; }
.obs h2 { font-size: 1.25em; margin: 1.2em 0 0.4em; border-bottom: 1px solid #dee2e6; padding-bottom: 0.2em; }
.obs .demo { background: #fff3bf; border: 1px solid #e0a100; padding: 0.5em 0.8em; border-radius: 4px; margin: 0.5em 0; }
.obs .meta { color: #495057; font-size: 0.92em; }
.obs dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 1em; margin: 0.5em 0; }
.obs dt { font-weight: bold; }
.obs dd { margin: 0; }
.obs table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
.obs th, .obs td { border-bottom: 1px solid #dee2e6; padding: 0.35em 0.5em; text-align: left !important; vertical-align: top; }
.obs th { background: #f1f3f5; }
.obs td.num { text-align: right !important; white-space: nowrap; }
.obs .badge { display: inline-block; padding: 0.1em 0.5em; border-radius: 1em; color: #fff; font-size: 0.85em; white-space: nowrap; }
.obs .badge.moderate, .obs .badge.no_data { color: #212529; }
.obs .bar { position: relative; background: #e9ecef; height: 1.1em; min-width: 7em; border-radius: 3px; }
.obs .bar span { position: absolute; left: 0; top: 0; bottom: 0; background: #4cae4f; border-radius: 3px; }
.obs .bar b { position: relative; font-weight: normal; font-size: 0.8em; padding-left: 0.3em; }
.obs nav a { margin-right: 1em; }
.obs .small { font-size: 0.85em; color: #495057; }
"""
for _status, _colour in figures.STATUS_COLOURS.items():
    CSS += f".obs .badge.{_status} {{ background: {_colour}; }}\n"


def esc(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def safe_url(url: object) -> str | None:
    """Only web links are kept: a javascript: or data: URL from a file must not become a link."""
    if isinstance(url, str) and url.strip().lower().startswith(("https://", "http://")):
        return url.strip()
    return None


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


def _json_for_script(value: object) -> str:
    """JSON safe inside a <script>: no '</script>' or comment opener can close it early."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") \
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


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
        height = self.spec.get("layout", {}).get("height", 400)
        return (
            f'<div class="obs-chart" id="{esc(self.div_id)}" style="height:{int(height)}px;width:100%"></div>'
            f'<script type="text/javascript">(function(){{'
            f'var spec={_json_for_script(self.spec)};'
            f'var el=document.getElementById({json.dumps(self.div_id)});'
            f'if(window.Plotly){{window.Plotly.newPlot(el,spec.data,spec.layout,{_json_for_script(PLOTLY_CONFIG)});}}'
            f'else{{el.textContent="plotly.js is missing: the chart cannot be drawn.";}}'
            f'}})();</script>'
        )

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"application/vnd.plotly.v1+json": {**self.spec, "config": PLOTLY_CONFIG}, "text/html": self.html}

    def __str__(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<chart {self.div_id}>"


def chart(fig, div_id: str) -> Chart:
    """A plotly figure as a :class:`Chart` (data texts already escaped by :mod:`observatory.figures`)."""
    return Chart(json.loads(fig.to_json()), div_id)


def _number(value: float | None, decimals: int | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if decimals is None:
        text = f"{value:,.10g}" if abs(value) >= 1000 else f"{value:.10g}"
    else:
        text = f"{value:,.{int(decimals)}f}"
    return text.replace(",", "\u202f")


def _date(value) -> str:
    return "—" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def badge(status: str, lang: str) -> str:
    return f'<span class="badge {esc(status)}">{esc(status_name(status, lang))}</span>'


def progress_bar(progress: float | None, lang: str) -> str:
    if progress is None or (isinstance(progress, float) and math.isnan(progress)):
        return "—"
    width = max(0.0, min(1.0, progress)) * 100
    label = f"{progress * 100:.0f} %"
    return (f'<div class="bar" role="img" aria-label="{esc(t("progress", lang))} {label}">'
            f'<span style="width:{width:.0f}%"></span><b>{label}</b></div>')


def style() -> Fragment:
    """The dashboards' stylesheet, emitted once at the top of every notebook."""
    return Fragment(f"<style>{CSS}</style>")


class Page:
    """One dashboard's data (a results slice) and the fragments it shows."""

    kind = "page"

    def __init__(self, results: results_module.Results, lang: str = "fr", links: str | None = None):
        self.results = results
        self.lang = lang
        self.links = links  # relative path to the site's root; None: no links (live pages)
        self._charts = 0

    # -- helpers ---------------------------------------------------------------------------
    def name(self, frame_row: pd.Series, key: str = "name") -> str:
        return frame_row.get(f"{key}_{self.lang}") or frame_row.get(f"{key}_fr") or ""

    @property
    def coalition_names(self) -> dict[str, str]:
        return {r["id"]: self.name(r) for _, r in self.results.coalitions.iterrows()}

    @property
    def territory_names(self) -> dict[str, str]:
        return dict(zip(self.results.territories["id"], self.results.territories["name"]))

    def has_page(self, kind: str, ident: str) -> bool:
        """Does the site have a page for this coalition or territory? (territories: only those with data)"""
        if kind == "coalition":
            return ident in set(self.results.coalitions["id"])
        return ident in set(self.results.progress["territory"]) | set(self.results.observations["territory"])

    def link(self, kind: str, ident: str, text: str) -> str:
        """``text`` (escaped), linked to the page of ``ident`` when the site has one."""
        if self.links is None or not self.has_page(kind, ident):
            return esc(text)
        folder = {"coalition": "coalitions", "territory": "territories"}[kind]
        return f'<a href="{esc(self.links)}{folder}/{esc(ident)}.html">{esc(text)}</a>'

    def chart(self, fig) -> Chart:
        self._charts += 1
        return chart(fig, f"{self.kind}-chart-{self._charts}")

    # -- fragments shared by every page ----------------------------------------------------
    def style(self) -> Fragment:
        return style()

    def demonstration_notice(self) -> Fragment:
        if not self.results.demonstration:
            return Fragment("")
        return Fragment(f'<div class="obs"><p class="demo" role="note"><strong>⚠</strong> '
                        f'{esc(t("demonstration", self.lang))}</p></div>')

    def method(self) -> Fragment:
        lang = self.lang
        rows = []
        for _, ind in self.results.indicators.sort_values(["quality", "id"]).iterrows():
            url = safe_url(ind["source_url"])
            source = esc(ind["source_name"])
            if url:
                source = f'<a href="{esc(url)}" rel="noopener">{source}</a>'
            method = ind.get(f"method_{lang}") or ind.get("method_fr")
            rows.append(f"<tr><td>{esc(self.name(ind))}</td><td>{esc(quality_name(ind['quality'], lang))}</td>"
                        f"<td>{esc(ind['unit'])}</td><td>{esc(method)}</td><td>{source}</td></tr>")
        datasets = []
        for _, ds in self.results.datasets.iterrows():
            title = ds.get(f"title_{lang}") or ds.get("title_fr") or ds["dataset"]
            flag = f" — <strong>{esc(t('demo_short', lang))}</strong>" if ds["demonstration"] else ""
            licence = f" ({esc(ds['license'])})" if ds.get("license") else ""
            datasets.append(f"<li>{esc(title)}{licence}{flag}</li>")
        table = ""
        if rows:
            table = (f"<table><thead><tr><th>{t('indicator', lang)}</th><th>{t('quality', lang)}</th>"
                     f"<th>{t('unit', lang)}</th><th>{t('method', lang)}</th><th>{t('source', lang)}</th></tr>"
                     f"</thead><tbody>{''.join(rows)}</tbody></table>")
        listing = f"<p>{t('observations', lang)} :</p><ul>{''.join(datasets)}</ul>" if datasets else ""
        return Fragment(f'<div class="obs"><h2>{t("method", lang)} · {t("sources", lang)}</h2>'
                        f"<p>{esc(t('method_text', lang))}</p>{table}{listing}</div>")

    def footer(self, download: str | None = None) -> Fragment:
        lang = self.lang
        as_of = self.results.data_as_of
        parts = []
        if as_of:
            parts.append(f"{esc(t('from_data_of', lang).capitalize())} {esc(as_of)}.")
        if download:
            label = {"fr": ("cibles", "observations"), "en": ("targets", "observations")}[lang]
            links = [f'<a href="{esc(download)}-{kind}.csv" download>{esc(name)}</a>'
                     for kind, name in zip(("targets", "observations"), label)]
            parts.append(f"{esc(t('download', lang))} : {' · '.join(links)}")
        return Fragment(f'<div class="obs"><p class="small">{" ".join(parts)}</p></div>')

    # -- targets ---------------------------------------------------------------------------
    def targets_table(self, show_coalition: bool = False) -> Fragment:
        lang = self.lang
        progress = self.results.progress
        if progress.empty:
            return Fragment(f'<div class="obs"><h2>{t("targets", lang)}</h2><p>{t("no_targets", lang)}</p></div>')
        indicators = self.results.indicators.set_index("id")
        places = self.territory_names
        coalitions = self.coalition_names
        head = [t("indicator", lang), t("territory", lang), t("baseline", lang), t("target", lang),
                t("latest", lang), t("progress", lang), t("status", lang)]
        if show_coalition:
            head.insert(0, t("coalition", lang))
        rows = []
        ordered = progress.assign(order=progress["status"].map({s: i for i, s in enumerate(model.STATUSES)}))
        for _, row in ordered.sort_values(["order", "quality", "indicator"]).iterrows():
            ind = indicators.loc[row["indicator"]]
            decimals = ind["decimals"] if not pd.isna(ind["decimals"]) else None
            unit = esc(ind["unit"])
            latest = "—"
            if not pd.isna(row["latest_value"]):
                source = f"<br><span class='small'>{esc(row['latest_source'])}</span>" if row["latest_source"] else ""
                if row.get("latest_submitted"):
                    imported = {"fr": "import du", "en": "imported on"}[lang]
                    source += f"<br><span class='small'>{imported} {esc(row['latest_submitted'])}</span>"
                latest = f"{_number(row['latest_value'], decimals)} {unit}<br><span class='small'>" \
                         f"{_date(row['latest_date'])}</span>{source}"
            cells = [
                f"{esc(self.name(ind))}<br><span class='small'>{esc(quality_name(row['quality'], lang))}</span>",
                self.link("territory", row["territory"], places.get(row["territory"], row["territory"])),
                f"{_number(row['baseline_value'], decimals)} {unit}<br><span class='small'>"
                f"{_date(row['baseline_date'])}</span>",
                f"{_number(row['target_value'], decimals)} {unit}<br><span class='small'>"
                f"{_date(row['target_date'])}</span>",
                latest,
                progress_bar(row["progress"], lang),
                badge(row["status"], lang),
            ]
            if show_coalition:
                cells.insert(0, self.link("coalition", row["coalition"], coalitions.get(row["coalition"], row["coalition"])))
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        header = "".join(f"<th scope='col'>{esc(h)}</th>" for h in head)
        return Fragment(f'<div class="obs"><h2>{t("targets", lang)}</h2><table class="targets">'
                        f"<thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")

    def missing(self) -> Fragment:
        lang = self.lang
        gaps = self.results.progress[self.results.progress["status"] == "no_data"]
        if gaps.empty:
            body = f"<p>{esc(t('nothing_missing', lang))}</p>" if len(self.results.progress) else ""
        else:
            indicators = self.results.indicators.set_index("id")
            items = [f"<li>{esc(self.name(indicators.loc[r['indicator']]))} — "
                     f"{esc(self.territory_names.get(r['territory'], r['territory']))} "
                     f"({esc(self.coalition_names.get(r['coalition'], r['coalition']))}, "
                     f"{t('baseline', lang).lower()} {_date(r['baseline_date'])})</li>"
                     for _, r in gaps.iterrows()]
            body = f"<ul>{''.join(items)}</ul>"
        return Fragment(f'<div class="obs"><h2>{t("missing", lang)}</h2>{body}</div>')

    def compass_rows(self, scope: str, scope_id: str) -> pd.DataFrame:
        c = self.results.compass
        return c[(c["scope"] == scope) & (c["scope_id"] == scope_id) & (c["quality"] != "all")]

    def timelines(self) -> list[Fragment]:
        """One chart per indicator and territory with targets: figures, baseline, path, target date."""
        out = []
        progress, obs = self.results.progress, self.results.observations
        indicators = self.results.indicators.set_index("id")
        for (indicator, territory), targets in progress.groupby(["indicator", "territory"], sort=True):
            series = obs[(obs["indicator"] == indicator) & (obs["territory"] == territory)
                         & (obs["coalition"].isna() | obs["coalition"].isin(set(targets["coalition"])))]
            fig = figures.timeline(series, targets, indicators.loc[indicator],
                                   self.territory_names.get(territory, territory), self.lang, self.coalition_names)
            out.append(self.chart(fig))
        return out


class CoalitionPage(Page):
    kind = "coalition"

    def __init__(self, results: results_module.Results, coalition: str, lang: str = "fr", links: str | None = None):
        super().__init__(results, lang, links)
        self.coalition = coalition
        self.profile = results.coalitions[results.coalitions["id"] == coalition].iloc[0]

    def header(self) -> Fragment:
        lang, p = self.lang, self.profile
        places = self.territory_names
        rows = [
            (t("maturity", lang), esc(name_of(MATURITY_NAMES, p["maturity"], lang)) if p["maturity"] else "—"),
            (t("axes", lang), ", ".join(esc(name_of(AXIS_NAMES, a, lang)) for a in p["axes"]) or "—"),
            (t("levers", lang), ", ".join(esc(name_of(LEVER_NAMES, lv, lang)) for lv in p["levers"]) or "—"),
            (t("leads", lang), ", ".join(esc(x) for x in p["leads"]) or "—"),
            (t("partners", lang), ", ".join(esc(x) for x in p["partners"]) or "—"),
            (t("territories", lang), ", ".join(self.link("territory", x, places.get(x, x))
                                               for x in p["territories"]) or "—"),
        ]
        facts = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows)
        return Fragment(f'<div class="obs"><p class="meta">{t("coalition", lang)}</p>'
                        f"<h1>{esc(self.name(p))}</h1><p><em>{esc(p['intention'])}</em></p><dl>{facts}</dl></div>")

    def compass(self) -> Fragment:
        return self.chart(figures.compass(self.compass_rows("coalition", self.coalition), self.lang))

    def key_figures(self) -> str:
        """The page's figures as plain text (checked by nbval: it must not change silently)."""
        counts = self.results.progress["status"].value_counts()
        parts = [f"{s}={int(counts.get(s, 0))}" for s in model.STATUSES]
        return f"{self.coalition}: {len(self.results.progress)} targets; " + ", ".join(parts)


class TerritoryPage(Page):
    kind = "territory"

    def __init__(self, results: results_module.Results, territory: str, lang: str = "fr", links: str | None = None):
        super().__init__(results, lang, links)
        self.territory = territory
        self.profile = results.territories[results.territories["id"] == territory].iloc[0]

    def header(self) -> Fragment:
        lang, p = self.lang, self.profile
        places = self.territory_names
        codes = [f"{label} {esc(p[c])}" for c, label in (("code_insee", "INSEE"), ("siren", "SIREN"),
                                                           ("iso_3166", "ISO 3166")) if p.get(c)]
        names = self.coalition_names
        coalitions = ", ".join(self.link("coalition", c, names[c])
                               for c in sorted(names, key=lambda c: names[c].lower())) or "—"
        rows = [(t("territory", lang), esc(name_of(LEVEL_NAMES, p["level"], lang))),
                ("Codes", " · ".join(codes) or "—"),
                (t("coalitions", lang), coalitions)]
        if p.get("parent"):
            rows.insert(1, ("⊂", esc(places.get(p["parent"], p["parent"]))))
        facts = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows)
        return Fragment(f'<div class="obs"><p class="meta">{t("territory", lang)}</p>'
                        f"<h1>{esc(p['name'])}</h1><dl>{facts}</dl></div>")

    def compass(self) -> Fragment:
        return self.chart(figures.compass(self.compass_rows("territory", self.territory), self.lang))

    def territory_wide(self) -> list[Fragment]:
        """Figures about the territory itself (no coalition), one chart per indicator."""
        obs = self.results.observations
        wide = obs[obs["coalition"].isna()]
        indicators = self.results.indicators.set_index("id")
        out = []
        for indicator, series in wide.groupby("indicator", sort=True):
            fig = figures.timeline(series, self.results.progress.iloc[0:0], indicators.loc[indicator],
                                   self.profile["name"], self.lang)
            out.append(self.chart(fig))
        if not out:
            return [Fragment('<div class="obs"><p class="small">—</p></div>')]
        return out

    def siblings(self) -> Fragment:
        lang = self.lang
        c = self.results.compass
        near = results_module.siblings(self.results.territories, self.territory)
        stats = c[(c["scope"] == "territory") & (c["quality"] == "all")].set_index("scope_id")
        rows = []
        for _, place in near.iterrows():
            if place["id"] in stats.index:
                s = stats.loc[place["id"]]
                good = int(s["achieved"] + s["on_track"])
                rows.append((place["name"], int(s["targets"]), good, s["mean_progress"], place["id"]))
            else:
                rows.append((place["name"], 0, 0, float("nan"), place["id"]))
        rows.sort(key=lambda r: (-(r[3] if not math.isnan(r[3]) else -1), r[0]))
        bold = ' style="font-weight:bold"'
        body = "".join(
            f"<tr{bold if ident == self.territory else ''}><td>{esc(name)}</td>"
            f"<td class='num'>{n}</td><td class='num'>{good}</td><td>{progress_bar(mean, lang) if n else '—'}</td></tr>"
            for name, n, good, mean, ident in rows)
        return Fragment(f'<div class="obs"><h2>{t("siblings", lang)}</h2><table><thead><tr>'
                        f"<th>{t('territory', lang)}</th><th>{t('number_of_targets', lang)}</th>"
                        f"<th>{t('share_on_track', lang)}</th><th>{t('mean_progress', lang)}</th></tr></thead>"
                        f"<tbody>{body}</tbody></table></div>")

    def key_figures(self) -> str:
        counts = self.results.progress["status"].value_counts()
        parts = [f"{s}={int(counts.get(s, 0))}" for s in model.STATUSES]
        return f"{self.territory}: {len(self.results.progress)} targets, " \
               f"{len(self.results.observations)} figures; " + ", ".join(parts)


class ProgrammePage(Page):
    kind = "programme"

    def header(self) -> Fragment:
        lang = self.lang
        p = self.results.progress
        n_coalitions = len(self.results.coalitions)
        with_targets = p["coalition"].nunique()
        intro = {
            "fr": (f"{n_coalitions} coalitions, dont {with_targets} avec des cibles chiffrées ; {len(p)} cibles sur "
                   f"{p['territory'].nunique()} territoires, suivies vers 2022 selon les sept qualités d'un "
                   "numérique capacitant, inclusif, frugal, innovant, démocratique, protecteur et équitable."),
            "en": (f"{n_coalitions} coalitions, {with_targets} of them with quantified targets; {len(p)} targets "
                   f"on {p['territory'].nunique()} territories, tracked toward 2022 along the seven qualities of "
                   "an empowering, inclusive, frugal, innovative, democratic, protective and fair digital."),
        }[lang]
        return Fragment(f'<div class="obs"><h1>{esc(t("site_title", lang))}</h1><p>{esc(intro)}</p></div>')

    def compass(self) -> Fragment:
        return self.chart(figures.compass(self.compass_rows("programme", "reset"), self.lang))

    def ranking(self) -> Fragment:
        return self.chart(figures.ranking(self.results.progress, self.coalition_names, self.lang))

    def status_by_quality(self) -> Fragment:
        c = self.results.compass
        rows = c[(c["scope"] == "programme") & (c["quality"] != "all")]
        labels = {q: quality_name(q, self.lang) for q in model.QUALITIES}
        return self.chart(figures.status_bars(rows, "quality", labels, self.lang, t("status_by_quality", self.lang)))

    def status_by_coalition(self) -> Fragment:
        c = self.results.compass
        rows = c[(c["scope"] == "coalition") & (c["quality"] == "all")]
        return self.chart(figures.status_bars(rows, "scope_id", self.coalition_names, self.lang,
                                              t("status_by_coalition", self.lang)))

    def territory_map(self) -> Fragment:
        c = self.results.compass
        return self.chart(figures.territory_tiles(self.results.territories,
                                                  c[(c["scope"] == "territory") & (c["quality"] == "all")], self.lang))

    def coverage(self) -> Fragment:
        lang = self.lang
        p = self.results.progress
        table = p.assign(missing=p["status"] == "no_data").groupby("coalition").agg(
            targets=("status", "size"), missing=("missing", "sum")).reset_index()
        names = self.coalition_names
        rows = "".join(f"<tr><td>{self.link('coalition', r.coalition, names.get(r.coalition, r.coalition))}</td>"
                       f"<td class='num'>{r.targets}</td>"
                       f"<td class='num'>{r.missing}</td></tr>" for r in table.itertuples())
        without = sorted(set(self.results.coalitions["id"]) - set(p["coalition"]))
        note = ""
        if without:
            label = {"fr": "Coalitions sans cible chiffrée", "en": "Coalitions without quantified targets"}[lang]
            note = f"<p class='small'>{label} : {', '.join(esc(names.get(c, c)) for c in without)}.</p>"
        return Fragment(f'<div class="obs"><h2>{t("coverage", lang)}</h2><table><thead><tr>'
                        f"<th>{t('coalition', lang)}</th><th>{t('number_of_targets', lang)}</th>"
                        f"<th>{t('missing', lang)}</th></tr></thead><tbody>{rows}</tbody></table>{note}</div>")

    def directory(self) -> Fragment:
        """Every coalition (by maturity) and every territory with data, linked to its page."""
        lang = self.lang
        sections = []
        coalitions = self.results.coalitions
        for maturity in model.MATURITIES:
            group = coalitions[coalitions["maturity"] == maturity]
            if group.empty:
                continue
            items = "".join(f"<li>{self.link('coalition', r['id'], self.name(r))}</li>"
                            for _, r in group.sort_values("id").iterrows())
            sections.append(f"<h3>{esc(name_of(MATURITY_NAMES, maturity, lang))}</h3><ul>{items}</ul>")
        places = self.results.territories
        with_data = places[places["id"].map(lambda i: self.has_page("territory", i))]
        items = "".join(f"<li>{self.link('territory', r['id'], r['name'])} "
                        f"<span class='small'>({esc(name_of(LEVEL_NAMES, r['level'], lang))})</span></li>"
                        for _, r in with_data.sort_values("name").iterrows())
        return Fragment(f'<div class="obs"><h2>{t("coalitions", lang)}</h2>{"".join(sections)}'
                        f'<h2>{t("territories", lang)}</h2><ul>{items}</ul></div>')

    def key_figures(self) -> str:
        counts = self.results.progress["status"].value_counts()
        parts = [f"{s}={int(counts.get(s, 0))}" for s in model.STATUSES]
        return f"programme: {len(self.results.progress)} targets; " + ", ".join(parts)


def _load(results_dir: str | None, root: str | None) -> results_module.Results:
    """Results written by a build or by ``observatory serve`` ($OBSERVATORY_RESULTS), else computed from a root."""
    results_dir = results_dir or os.environ.get("OBSERVATORY_RESULTS")
    root = root or os.environ.get("OBSERVATORY_ROOT") or str(Path(__file__).resolve().parent.parent)
    return results_module.load(results_dir, root)


def coalition_page(coalition: str | None = None, lang: str = "fr", results_dir: str | None = None,
                   root: str | None = None, links: str | None = None) -> CoalitionPage:
    """The dashboard of one coalition (the first one, alphabetically, when none is named)."""
    everything = _load(results_dir, root)
    coalition = coalition or sorted(everything.coalitions["id"])[0]
    return CoalitionPage(results_module.slice_for(everything, "coalition", coalition), coalition, lang, links)


def territory_page(territory: str | None = None, lang: str = "fr", results_dir: str | None = None,
                   root: str | None = None, links: str | None = None) -> TerritoryPage:
    everything = _load(results_dir, root)
    territory = territory or next(ident for kind, ident in results_module.pages(everything) if kind == "territory")
    return TerritoryPage(results_module.slice_for(everything, "territory", territory), territory, lang, links)


def programme_page(lang: str = "fr", results_dir: str | None = None, root: str | None = None,
                   links: str | None = None) -> ProgrammePage:
    return ProgrammePage(results_module.slice_for(_load(results_dir, root), "programme", None), lang, links)


class SelfDataPage(Page):
    """The Self Data observatory: the state of portability, its change, the services, the coalition's targets."""

    kind = "self-data"

    def __init__(self, results: results_module.Results, lang: str = "fr", links: str | None = None):
        super().__init__(results, lang, links)
        from observatory import selfdata

        self.selfdata = selfdata
        self.assessments = results.assessments
        has_coalition = results_module.SELF_DATA in set(results.coalitions["id"])
        self.coalition = CoalitionPage(results, results_module.SELF_DATA, lang, links) if has_coalition else None
        self.coalition_page = self.coalition
        if self.coalition is not None:
            self.coalition._charts = 100  # distinct chart ids on one page

    @property
    def dates(self) -> list[pd.Timestamp]:
        return sorted(pd.to_datetime(self.assessments["date"]).dropna().unique())

    def state(self) -> pd.DataFrame:
        """Each service's latest assessment."""
        if self.assessments.empty:
            return self.assessments
        latest = self.selfdata.state_at(self.assessments.assign(date=pd.to_datetime(self.assessments["date"])),
                                        self.dates[-1])
        return latest.merge(self.results.services, left_on="service", right_on="id", how="left")

    def header(self) -> Fragment:
        lang = self.lang
        n = len(self.results.services)
        dates = ", ".join(pd.Timestamp(d).strftime("%Y-%m-%d") for d in self.dates) or "—"
        intro = {
            "fr": (f"La coalition Self Data qualifie l'écosystème des données personnelles : peut-on récupérer ses "
                   f"données, sous quelle forme, peuvent-elles passer d'un service à l'autre ? Registre : {n} "
                   f"services ; évaluations du {dates}."),
            "en": (f"The Self Data coalition qualifies the personal-data ecosystem: can people get their data back, "
                   f"in what form, can it move between services? Register: {n} services; assessments of {dates}."),
        }[lang]
        return Fragment(f'<div class="obs"><h1>{esc(t("self_data_title", lang))}</h1><p>{esc(intro)}</p></div>')

    def demonstration_notice(self) -> Fragment:
        if not self.results.demonstration:
            return Fragment("")
        text = {"fr": "Les cibles de la coalition mesurées par des indicateurs hors registre s'appuient sur des "
                      "données de démonstration (valeurs fictives). Le registre des services, lui, vient de sources "
                      "publiées (JustGetMyData) et des évaluations de la coalition.",
                "en": "The coalition's targets measured by indicators outside the register rely on demonstration "
                      "data (fictitious values). The register of services comes from published sources "
                      "(JustGetMyData) and the coalition's own assessments."}[self.lang]
        return Fragment(f'<div class="obs"><p class="demo" role="note"><strong>⚠</strong> {esc(text)}</p></div>')

    def key_numbers(self) -> Fragment:
        lang = self.lang
        state = self.state()
        if state.empty:
            text = {"fr": "Le registre est vide : importez une évaluation avec « observatory import-source jgmd "
                          "sites.json --date AAAA-MM-JJ ».",
                    "en": "The register is empty: import an assessment with `observatory import-source jgmd "
                          "sites.json --date YYYY-MM-DD`."}[lang]
            return Fragment(f'<div class="obs"><p class="demo">{esc(text)}</p></div>')
        easy = int((state["difficulty"] == "easy").sum())
        total = len(state)
        label = {"fr": "services où obtenir une copie de ses données est facile",
                 "en": "services where getting a copy of one's data is easy"}[lang]
        return Fragment(f'<div class="obs"><p style="font-size:1.3em"><strong>{easy} / {total}</strong> {esc(label)} '
                        f'({easy / total * 100:.1f} %) — {esc(t("assessed_on", lang))} '
                        f'{pd.Timestamp(self.dates[-1]):%Y-%m-%d}</p></div>')

    def _counts(self, frame: pd.DataFrame, group: pd.Series) -> pd.DataFrame:
        counts = pd.crosstab(group, frame["difficulty"]).reindex(columns=list(self.selfdata.DIFFICULTIES),
                                                                   fill_value=0)
        return counts.reset_index().rename(columns={counts.index.name or "row_0": "group"}).rename(
            columns={group.name: "group"})

    def distribution(self) -> Fragment | Chart:
        state = self.state()
        if state.empty:
            return Fragment("")
        group = pd.Series([f"{t('assessed_on', self.lang)} {pd.Timestamp(self.dates[-1]):%Y-%m-%d}"] * len(state),
                          index=state.index, name="group")
        return self.chart(figures.difficulty_bars(self._counts(state, group), self.lang, esc(t("difficulty", self.lang))))

    def by_sector(self) -> Fragment | Chart:
        lang = self.lang
        state = self.state()
        if state.empty:
            return Fragment("")
        if state["sector"].isna().all():
            text = {"fr": "Secteurs non renseignés : complétez la colonne « sector » de data/self-data/services.csv "
                          "(énergie, banque, télécoms, mobilité, santé, services publics, réseaux sociaux…) pour "
                          "voir la portabilité par secteur.",
                    "en": "Sectors not filled in: complete the 'sector' column of data/self-data/services.csv "
                          "(energy, banking, telecoms, mobility, health, public services, social networks…) to see "
                          "portability by sector."}[lang]
            return Fragment(f'<div class="obs"><h2>{esc(t("sector", lang))}</h2><p class="small">{esc(text)}</p></div>')
        group = state["sector"].fillna("?").rename("group")
        title = {"fr": "Par secteur", "en": "By sector"}[lang]
        return self.chart(figures.difficulty_bars(self._counts(state, group), lang, title))

    def change(self) -> list:
        lang = self.lang
        if len(self.dates) < 2:
            only = pd.Timestamp(self.dates[0]).strftime("%Y-%m-%d") if self.dates else "—"
            text = {"fr": f"Une seule évaluation à ce jour ({only}) : l'évolution apparaîtra à la suivante.",
                    "en": f"One assessment so far ({only}): the change will show with the next one."}[lang]
            return [Fragment(f'<div class="obs"><p class="small">{esc(text)}</p></div>')]
        typed = self.assessments.assign(date=pd.to_datetime(self.assessments["date"]))
        rows = []
        for date in self.dates:
            state = self.selfdata.state_at(typed, date)
            counts = state["difficulty"].value_counts()
            rows.append({"group": pd.Timestamp(date).strftime("%Y-%m-%d"),
                         **{d: int(counts.get(d, 0)) for d in self.selfdata.DIFFICULTIES}})
        by_date = pd.DataFrame(rows)
        names = {r["id"]: self.name(r) for _, r in self.results.indicators.iterrows()}
        shares = self.selfdata.shares(typed)
        shares = shares[shares["indicator"].isin(set(self.results.indicators["id"]))]
        title = {"fr": "Difficulté d'obtenir une copie, à chaque évaluation",
                 "en": "Difficulty of getting a copy, at each assessment"}[lang]
        return [self.chart(figures.difficulty_bars(by_date, lang, title)),
                self.chart(figures.shares_over_time(shares, names, lang))]

    def services_table(self) -> Fragment:
        """Every service with its latest assessment, searchable in the page (no server needed)."""
        lang = self.lang
        state = self.state()
        if state.empty:
            return Fragment("")
        answers = {"yes": {"fr": "oui", "en": "yes"}, "no": {"fr": "non", "en": "no"},
                   "unknown": {"fr": "inconnu", "en": "unknown"}}
        rows = []
        for _, row in state.sort_values("name", key=lambda s: s.str.lower()).iterrows():
            url = safe_url(row.get("url"))
            name = esc(row["name"])
            if url:
                name = f'<a href="{esc(url)}" rel="noopener nofollow">{name}</a>'
            difficulty = row["difficulty"]
            label = self.selfdata.DIFFICULTY_NAMES[difficulty][lang]
            colour = figures.DIFFICULTY_COLOURS[difficulty]
            machine = answers.get(row.get("machine_readable") or "unknown", answers["unknown"])[lang]
            rows.append(f"<tr><td>{name}</td><td>{esc(row.get('sector') or '—')}</td>"
                        f'<td><span class="badge" style="background:{colour}">{esc(label)}</span></td>'
                        f"<td>{esc(machine)}</td><td class='small'>{esc(row.get('notes') or '')}</td></tr>")
        head = "".join(f"<th>{esc(h)}</th>" for h in (t("services", lang), t("sector", lang), t("difficulty", lang),
                                                        t("machine_readable", lang), t("notes", lang)))
        search = esc(t("search", lang))
        script = ("(function(){var box=document.getElementById('service-search');"
                  "var rows=document.querySelectorAll('#services tbody tr');"
                  "box.addEventListener('input',function(){var q=box.value.toLowerCase();"
                  "rows.forEach(function(r){r.style.display=r.textContent.toLowerCase().indexOf(q)>=0?'':'none';});"
                  "});})();")
        return Fragment(f'<div class="obs"><h2>{esc(t("services", lang))} ({len(state)})</h2>'
                        f'<p><input id="service-search" type="search" placeholder="{search}" aria-label="{search}" '
                        f'style="width:24em;padding:0.3em"></p><table id="services"><thead><tr>{head}</tr></thead>'
                        f"<tbody>{''.join(rows)}</tbody></table><script>{script}</script></div>")

    def register_method(self) -> Fragment:
        text = {
            "fr": ("Le registre (data/self-data/) garde chaque évaluation datée de chaque service : difficulté "
                   "d'obtenir une copie (facile, moyen, difficile, limité, impossible), format lisible par machine, "
                   "API, transfert vers un autre service, standards. À chaque date d'évaluation, l'état de "
                   "l'écosystème est la dernière évaluation de chaque service à cette date ; les parts en découlent "
                   "et alimentent les indicateurs de la coalition comme toute autre mesure. Les évaluations "
                   "importées de JustGetMyData (licence MIT) ne renseignent que la difficulté et des notes ; un "
                   "format lisible par machine n'est compté que si les notes le nomment."),
            "en": ("The register (data/self-data/) keeps every dated assessment of every service: difficulty of "
                   "getting a copy (easy, medium, hard, limited, impossible), machine-readable format, API, transfer "
                   "to another service, standards. At each assessment date, the state of the ecosystem is each "
                   "service's latest assessment as of that date; the shares follow and feed the coalition's "
                   "indicators like any other figure. Assessments imported from JustGetMyData (MIT licence) only "
                   "give the difficulty and notes; a machine-readable format counts only if the notes name it."),
        }[self.lang]
        return Fragment(f'<div class="obs"><h2>{esc(t("method", self.lang))} — {esc(t("self_data", self.lang))}</h2>'
                        f"<p>{esc(text)}</p></div>")


def self_data_page(lang: str = "fr", results_dir: str | None = None, root: str | None = None,
                   links: str | None = None) -> SelfDataPage:
    return SelfDataPage(results_module.slice_for(_load(results_dir, root), "self-data", None), lang, links)
