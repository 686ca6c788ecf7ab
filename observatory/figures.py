"""Plotly figures of the dashboards, built from results tables (no kernel needed to test them).

Colours follow the statuses, but never alone: every mark also carries its
status in words (labels, hover text, legend).
"""

from __future__ import annotations

import math
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go

from observatory import vocabulary
from observatory.i18n import data_text, difficulty_name, formatting, quality_name, setting, status_name, t
from observatory.vocabulary import STATUS_COLOURS
from observatory.pages.markup import esc  # data texts in labels: plotly renders entities back
from observatory.selfdata import DIFFICULTIES

QUALITY_COLOURS = {
    "capacitant": "#3b5bdb",
    "inclusif": "#ae3ec9",
    "frugal": "#2f9e44",
    "innovant": "#f08c00",
    "democratique": "#1098ad",
    "protecteur": "#5f3dc4",
    "equitable": "#d6336c",
}
FONT = "DejaVu Sans, Arial, sans-serif"



# The trace types the dashboards draw, and the parts of plotly's layout they use.
TRACE_TYPES = ("bar", "barpolar", "scatter")
_UNUSED_LAYOUT = ("colorscale", "coloraxis", "scene", "ternary", "geo", "mapbox", "map")


@lru_cache(maxsize=1)
def template() -> dict:
    """plotly's default look (its "plotly" template), less what no chart here uses.

    Every chart carries its template: the whole one is 7 kB of JSON, and a page of ten charts carried it
    ten times in the page and twice in the notebook. This one draws the same charts (only the styles of
    other trace types and of 3-D, ternary and map subplots are left out) at a fifth of the size.
    """
    import plotly.io as pio

    whole = pio.templates["plotly"].to_plotly_json()
    return {"data": {kind: whole["data"][kind] for kind in TRACE_TYPES if kind in whole["data"]},
            "layout": {key: value for key, value in whole["layout"].items() if key not in _UNUSED_LAYOUT}}


def _merged(base: dict, more: dict) -> dict:
    """``base`` updated by ``more``, nested dictionaries merged (as plotly's ``update_layout`` merges them)."""
    out = dict(base)
    for key, value in more.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _figure(traces: list[dict], layout: dict, title: str, height: int = 360, lang: str = "fr") -> go.Figure:
    """A figure built in one go, in the dashboards' common style, ``layout`` on top of it.

    Traces and layout are plain dictionaries checked once by plotly, here: each ``add_*`` or
    ``update_layout`` call checked the whole figure again (40 % of a page's work, 2026-12-02).
    """
    common = {
        "separators": setting("plotly_separators", lang),  # 16,5 in French, 16.5 in English
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        "font": {"family": FONT, "size": 12},
        "height": height,
        "margin": {"l": 40, "r": 20, "t": 50, "b": 40},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "template": template(),
    }
    return go.Figure(data=traces, layout=_merged(common, layout))


def _status_counts_text(row: pd.Series, lang: str) -> str:
    parts = [f"{status_name(s, lang)} : {int(row[s])}" for s in vocabulary.STATUSES if row.get(s, 0)]
    return "<br>".join(parts)


def compass(compass_rows: pd.DataFrame, lang: str = "fr", title: str | None = None) -> go.Figure:
    """The compass of the seven qualities: mean progress per quality, as a polar bar chart.

    ``compass_rows`` holds the rows of one scope (one coalition, one territory, or the
    programme). A quality without targets, or whose targets have no figure yet, has no bar (never a bar
    of 0): its label says "no target" or "no data", and the chart's words say so too.
    """
    by_quality = compass_rows.set_index("quality")
    names, values, hovers, colours, labels = [], [], [], [], []
    for quality in vocabulary.QUALITIES:
        names.append(quality_name(quality, lang))
        colours.append(QUALITY_COLOURS[quality])
        if quality in by_quality.index and by_quality.loc[quality, "targets"] > 0:
            row = by_quality.loc[quality]
            mean = row["mean_progress"]
            empty = mean is None or (isinstance(mean, float) and math.isnan(mean)) or \
                row.get("no_data", 0) == row["targets"]
            values.append(None if empty else float(mean) * 100)
            counts = _status_counts_text(row, lang)
            shown = status_name("no_data", lang).lower() if empty else formatting.percent(float(mean), lang)
            labels.append(f"{names[-1]}{setting('colon', lang)}{shown}")
            hovers.append(f"<b>{names[-1]}</b><br>{t('mean_progress', lang)} : {shown}<br>"
                          f"{t('number_of_targets', lang)} : {int(row['targets'])}<br>{counts}")
        else:
            values.append(None)
            labels.append(f"{names[-1]}{setting('colon', lang)}{t('no_target_here', lang)}")
            hovers.append(f"<b>{names[-1]}</b><br>{t('no_target_here', lang)}")
    bars = {"type": "barpolar", "r": values, "theta": names,
            "marker": {"color": colours, "line": {"color": "white", "width": 1}},
            "hovertext": hovers, "hoverinfo": "text", "text": labels, "name": t("mean_progress", lang),
            "meta": {"describe": "text"}}  # its words: each quality's label, "no target" included
    layout = {
        # The radial scale runs along the border between the first two qualities, not through the first one's
        # name at the top (they overlapped): half a sector clockwise from the top.
        "polar": {"radialaxis": {"range": [0, 100], "ticksuffix": setting("percent_suffix", lang),
                                 "tickvals": [25, 50, 75, 100],
                                 "angle": 90 - 180 / len(vocabulary.QUALITIES),
                                 "tickangle": 90 - 180 / len(vocabulary.QUALITIES), "tickfont": {"size": 10}},
                  "angularaxis": {"direction": "clockwise", "rotation": 90}},
        "showlegend": False,
    }
    return _figure([bars], layout, title or t("compass", lang), height=420, lang=lang)


def status_bars(frame: pd.DataFrame, by: str, labels: dict[str, str], lang: str = "fr",
                title: str | None = None) -> go.Figure:
    """Stacked horizontal bars: how many targets in each status, per ``by`` (a column of ``frame``).

    ``frame`` has one row per group with a column per status (a compass table slice).
    """
    order = list(frame[by])
    # A group without targets has no bar and says so: its counts are no target, not 0 targets in each status.
    empty = (frame[list(vocabulary.STATUSES)].astype(int).sum(axis=1) == 0).to_list()
    names = [esc(labels.get(v, v)) + (f" ({t('no_target_here', lang)})" if none else "")
             for v, none in zip(order, empty)]
    bars = []
    for status in vocabulary.STATUSES:
        counts = frame[status].astype(int)
        bars.append({
            "type": "bar", "y": names, "x": [None if none else int(c) for c, none in zip(counts, empty)],
            "orientation": "h",
            "name": status_name(status, lang), "marker": {"color": STATUS_COLOURS[status]},
            "text": [str(c) if c else "" for c in counts],
            "textposition": "inside", "textangle": 0, "insidetextanchor": "middle",
            "hovertemplate": "%{y} — " + status_name(status, lang) + " : %{x}<extra></extra>",
        })
    layout = {"barmode": "stack", "legend": {"orientation": "h", "yanchor": "top", "y": -0.22, "traceorder": "normal"},
              "xaxis": {"title": t("number_of_targets", lang),
                        "dtick": 1 if frame[list(vocabulary.STATUSES)].sum(axis=1).max() <= 10 else None},
              "yaxis": {"autorange": "reversed"}, "margin": {"b": 110}}
    title = title or t("status", lang)
    if any(empty):  # said in the title too, so the chart's words name them
        without = ", ".join(esc(labels.get(v, v)) for v, none in zip(order, empty) if none)
        title = f"{title}<br><sup>{t('no_target_here', lang).capitalize()}{t('colon', lang)} {without}</sup>"
    return _figure(bars, layout, title, height=max(300, 140 + 28 * len(order)), lang=lang)


FINAL_COLOURS = {"reached": "#1a7f37", "missed": "#c92a2a", "not_assessable": "#868e96"}


def deadline_bars(progress: pd.DataFrame, by: str, labels: dict[str, str], lang: str = "fr",
                  title: str = "") -> go.Figure:
    """Targets whose deadline has passed, per ``by``: reached, missed, not assessable at the deadline (counts in
    words on every bar)."""
    from observatory.projection import FINAL_STATUSES

    passed = progress[progress["deadline_passed"].astype(bool)]
    counts = pd.crosstab(passed[by], passed["final_status"]).reindex(columns=list(FINAL_STATUSES), fill_value=0)
    order = sorted(counts.index, key=lambda v: labels.get(v, v))
    bars = []
    for final in FINAL_STATUSES:
        values = counts.loc[order, final].astype(int) if order else pd.Series(dtype=int)
        name = t(f"final_statuses.{final}", lang)
        bars.append({"type": "bar", "orientation": "h", "y": [esc(labels.get(v, v)) for v in order],
                     "x": list(values), "name": name, "marker": {"color": FINAL_COLOURS[final]},
                     "text": [str(c) if c else "" for c in values], "textposition": "inside", "textangle": 0,
                     "insidetextanchor": "middle", "hovertemplate": "%{y} — " + name + " : %{x}<extra></extra>"})
    layout = {"barmode": "stack", "legend": {"orientation": "h", "yanchor": "top", "y": -0.22, "traceorder": "normal"},
              "xaxis": {"title": t("number_of_targets", lang)}, "yaxis": {"autorange": "reversed"},
              "margin": {"b": 110}}
    return _figure(bars, layout, title, height=max(300, 140 + 28 * len(order)), lang=lang)


def ranking(progress: pd.DataFrame, coalition_names: dict[str, str], lang: str = "fr") -> go.Figure:
    """Coalitions ranked by their share of targets achieved or on track; a coalition none of whose targets has a
    figure yet has no bar and says "no data" (a 0 % would read as failure)."""
    good = progress["status"].isin(["achieved", "on_track"])
    with_data = progress["status"] != "no_data"
    table = (progress.assign(good=good, with_data=with_data).groupby("coalition")
             .agg(targets=("status", "size"), good=("good", "sum"), with_data=("with_data", "sum")).reset_index())
    table["share"] = (table["good"] / table["targets"] * 100).where(table["with_data"] > 0)
    table = table.sort_values(["share", "targets"], ascending=[False, False], na_position="last")
    no_data = status_name("no_data", lang).lower()
    names = [esc(coalition_names.get(c, c)) for c in table["coalition"]]
    texts = [f"{formatting.percent(s / 100, lang)} ({g}/{n})" if not pd.isna(s) else f"{no_data} (0/{n})"
             for s, g, n in zip(table["share"], table["good"], table["targets"])]
    bars = {
        "type": "bar", "y": names, "x": [None if pd.isna(s) else float(s) for s in table["share"]],
        "orientation": "h", "marker": {"color": STATUS_COLOURS["on_track"]},
        "text": texts, "textposition": "auto", "hovertemplate": "%{y}<br>%{text}<extra></extra>",
        "meta": {"describe": "text"}, "name": t("share_on_track", lang),
    }
    # "No data" written where a bar would start (a bar of no length shows no text).
    annotations = [{"x": 0, "y": name, "text": text, "xanchor": "left", "showarrow": False, "font": {"size": 11}}
                   for name, text, s in zip(names, texts, table["share"]) if pd.isna(s)]
    layout = {"xaxis": {"range": [0, 100], "ticksuffix": setting("percent_suffix", lang),
                        "title": t("share_on_track", lang)},
              "yaxis": {"autorange": "reversed"}, "annotations": annotations}
    return _figure([bars], layout, t("ranking", lang), height=max(240, 60 + 34 * len(table)), lang=lang)


DAY_MS = 86_400_000  # plotly's dtick of a date axis is in milliseconds
FEW_DAYS = 7  # below this span plotly would tick hours, or less


def date_axis(*dates) -> dict:
    """An x axis of dates that ticks nothing finer than a day.

    Left to itself, plotly zooms on a single date until its ticks are fractions of a millisecond
    ("23:59:59.9995"): a series of one date shows that date alone, a fortnight wide, and a span of a few
    days ticks each day.
    """
    days = pd.to_datetime(pd.concat([pd.Series(d, dtype=object) for d in dates], ignore_index=True),
                          errors="coerce").dropna()
    if days.empty:
        return {}
    first, last = days.min().normalize(), days.max().normalize()
    if first == last:
        return {"type": "date", "range": [f"{first - pd.Timedelta(days=7):%Y-%m-%d}",
                                          f"{first + pd.Timedelta(days=7):%Y-%m-%d}"],
                "tickmode": "array", "tickvals": [f"{first:%Y-%m-%d}"], "ticktext": [f"{first:%Y-%m-%d}"]}
    if (last - first).days < FEW_DAYS:
        return {"type": "date", "tick0": f"{first:%Y-%m-%d}", "dtick": DAY_MS, "tickformat": "%Y-%m-%d"}
    return {}


# A figure that is not measured: its line's dash and its open marker, one pair per quality (vocabulary.FIGURE_QUALITIES).
QUALITY_STYLES = {
    "estimated": ("longdash", "triangle-up-open"),
    "provisional": ("dashdot", "square-open"),
    "proxy": ("longdashdot", "cross-open"),
    "demonstration": ("dot", "diamond-open"),
    "roll-up": ("8px,3px,2px,3px,2px,3px", "hexagon-open"),  # dash, dot, dot: the path is dashed
}


def timeline(observations: pd.DataFrame, targets: pd.DataFrame, indicator: pd.Series, territory_name: str,
             lang: str = "fr", coalition_names: dict[str, str] | None = None) -> go.Figure:
    """One indicator on one territory over time: the figures, each target's baseline, path and date."""
    coalition_names = coalition_names or {}
    unit = esc(data_text(indicator, "unit", lang))
    name = esc(data_text(indicator, "name", lang))
    territory_name = esc(territory_name)
    lines, shapes, annotations = [], [], []
    obs = observations.sort_values("date")
    review = obs["under_review"].fillna(False).astype(bool) if "under_review" in obs else pd.Series(False, index=obs.index)
    pending, obs = obs[review], obs[~review]  # awaiting review: a trace of their own, in no projection
    observations = observations[~review.reindex(observations.index, fill_value=False)]
    # Each figure's quality as a rank of vocabulary.FIGURE_QUALITIES (measured first: its trace comes first, as before).
    quality = (obs["quality"] if "quality" in obs else pd.Series(None, index=obs.index, dtype=object))
    # (A frame without the column demonstration, a workbench user's selection, has none: `~False` would be -1.)
    demo = obs["demonstration"].astype(bool) if "demonstration" in obs else pd.Series(False, index=obs.index)
    quality = quality.where(quality.notna(), "measured").where(~demo, "demonstration")
    rank = quality.map({q: i for i, q in enumerate(vocabulary.FIGURE_QUALITIES)}).fillna(0).astype(int)
    for (coalition, ranked), group in obs.groupby([obs["coalition"].fillna(""), rank], sort=True):
        label = esc(coalition_names.get(coalition, coalition)) if coalition else t("territory_figures", lang)
        kind = vocabulary.FIGURE_QUALITIES[ranked]
        # A figure that is not measured (demonstration, estimated, roll-up…): a trace of its own, with its own open
        # marker and line style, named so in the legend and in the chart's words (a reader sees it without the
        # banner; the path's baseline is an open circle). A demonstration figure's source is the catalogue's label.
        if kind == "demonstration":
            label = f"{label} — {t('demonstration_series', lang)}"
            sources = pd.Series([t("demonstration_source", lang)] * len(group), index=group.index)
        else:
            if kind != "measured":
                label = f"{label} — {t(f'figure_qualities.{kind}', lang)}"
            sources = group["source"].fillna("—").map(esc)
        lines.append({
            "type": "scatter", "x": group["date"], "y": group["value"], "mode": "lines+markers", "name": label,
            **({"line": {"dash": QUALITY_STYLES[kind][0]},
                "marker": {"symbol": QUALITY_STYLES[kind][1], "size": 10, "line": {"width": 2}}}
               if kind != "measured" else {}),
            "customdata": list(zip(sources, group["date"].dt.strftime("%Y-%m-%d"))),
            "hovertemplate": "%{customdata[1]} : %{y} " + unit + "<br>" + t("source", lang)
            + " : %{customdata[0]}<extra>" + label + "</extra>",
        })
    for coalition, group in pending.groupby(pending["coalition"].fillna(""), sort=True):
        # Sent, not yet approved (the programme shows them: show_pending): hourglass markers, dash-dot line,
        # named so in the legend and in the chart's words.
        label = (esc(coalition_names.get(coalition, coalition)) if coalition else t("territory_figures", lang)) \
            + f" — {t('under_review_series', lang)}"
        lines.append({
            "type": "scatter", "x": group["date"], "y": group["value"], "mode": "markers", "name": label,
            "marker": {"symbol": "hourglass-open", "size": 12, "line": {"width": 2}},
            "customdata": list(group["date"].dt.strftime("%Y-%m-%d")),
            "hovertemplate": "%{customdata} : %{y} " + unit + "<extra>" + label + "</extra>",
        })
    for _, target in targets.iterrows():
        status = status_name(target["status"], lang)
        lines.append({
            "type": "scatter", "x": [target["baseline_date"], target["target_date"]],
            "y": [target["baseline_value"], target["target_value"]],
            "mode": "lines+markers", "line": {"dash": "dash", "color": "#495057"},
            "marker": {"symbol": ["circle-open", "star"], "size": [9, 13], "color": "#495057"},
            "name": f"{t('path', lang)} ({status})",
            "hovertemplate": "%{x|%Y-%m-%d} : %{y} " + unit + "<extra>" + t("baseline", lang) + " → "
            + t("target", lang) + "</extra>",
        })
        lines.extend(_projection_traces(target, observations, unit, lang))
        # What plotly's add_vline(annotation_position="top left") makes: a line across the plot's height at
        # the target date, its words at the top, left of it.
        at = target["target_date"].timestamp() * 1000
        shapes.append({"type": "line", "x0": at, "x1": at, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
                       "line": {"dash": "dot", "color": "#868e96"}})
        annotations.append({"text": f"{t('target_date', lang)} {target['target_date']:%Y-%m-%d}", "font": {"size": 10},
                            "showarrow": False, "x": at, "xanchor": "right", "xref": "x", "y": 1, "yanchor": "top",
                            "yref": "y domain"})
    layout = {"xaxis": date_axis(obs["date"], pending["date"], targets.get("baseline_date"), targets.get("target_date")),
              "yaxis": {"title": unit}, "legend": {"orientation": "h", "y": -0.2}, "hovermode": "closest"}
    if shapes:
        layout.update(shapes=shapes, annotations=annotations)
    return _figure(lines, layout, f"{name} — {territory_name}", height=340, lang=lang)


PROJECTION_COLOUR = "#7048e8"


def _projection_traces(target: pd.Series, observations: pd.DataFrame, unit: str, lang: str) -> list[dict]:
    """A target's projection (observatory.projection): the fitted line, dashed, to the target date, and its
    80 % band shaded; their names say the projected value, the interval and the projected status in words."""
    from observatory import projection

    if not isinstance(target.get("projected_status"), str):
        return []
    points = projection.target_points(pd.DataFrame([target]).reset_index(drop=True), observations)
    start = target["baseline_date"]
    days = (points["date"] - start).dt.days.to_numpy(dtype="float64")
    until = float((target["target_date"] - start).days)
    xs, ys, lows, highs = projection.band(days, points["value"].to_numpy(dtype="float64"), until)
    dates = [start + pd.Timedelta(days=float(x)) for x in xs]
    value = formatting.number(round(float(target["projected_value"]), 1), lang)
    status = t(f"projected_statuses.{target['projected_status']}", lang)
    name = t("projection_named", lang, date=formatting.day(target["target_date"], lang), value=value, unit=unit,
             status=status)
    traces = []
    if lows is not None:
        low = formatting.number(round(float(target["projected_low"]), 1), lang)
        high = formatting.number(round(float(target["projected_high"]), 1), lang)
        traces.append({"type": "scatter", "x": dates + dates[::-1], "y": list(highs) + list(lows[::-1]),
                       "fill": "toself", "fillcolor": "rgba(112, 72, 232, 0.15)", "line": {"width": 0},
                       "mode": "lines", "hoverinfo": "skip",
                       "name": t("projection_band_named", lang, low=low, high=high, unit=unit)})
    traces.append({"type": "scatter", "x": [dates[0], dates[-1]], "y": [float(ys[0]), float(ys[-1])],
                   "mode": "lines", "line": {"dash": "dash", "color": PROJECTION_COLOUR, "width": 2}, "name": name,
                   "hovertemplate": "%{x|%Y-%m-%d} : %{y:.1f} " + unit + "<extra>" + status + "</extra>"})
    return traces


DIFFICULTY_COLOURS = {"easy": "#1a7f37", "medium": "#4cae4f", "hard": "#e0a100", "limited": "#e8590c",
                      "impossible": "#c92a2a"}



def difficulty_bars(counts: pd.DataFrame, lang: str = "fr", title: str = "") -> go.Figure:
    """How hard getting a copy is, per difficulty, with the count and share in words on every bar.

    ``counts`` has one row per group (``group``: a date or a sector) and a column per difficulty.
    """

    bars = []
    totals = counts[list(DIFFICULTIES)].sum(axis=1).replace(0, 1)
    for difficulty in DIFFICULTIES:
        label = difficulty_name(difficulty, lang)
        share = counts[difficulty] / totals * 100
        bars.append({
            "type": "bar", "y": [esc(g) for g in counts["group"]], "x": share, "orientation": "h", "name": label,
            "marker": {"color": DIFFICULTY_COLOURS[difficulty]},
            "text": [f"{int(n)} ({formatting.percent(s / 100, lang)})" if n else ""
                     for n, s in zip(counts[difficulty], share)],
            "textposition": "inside", "textangle": 0, "insidetextanchor": "middle",
            "hovertemplate": "%{y} — " + label + " : %{text}<extra></extra>",
        })
    layout = {"barmode": "stack", "xaxis": {"range": [0, 100], "ticksuffix": setting("percent_suffix", lang)},
              "yaxis": {"autorange": "reversed", "type": "category"},
              "legend": {"orientation": "h", "yanchor": "top", "y": -0.25, "traceorder": "normal"},
              "margin": {"b": 100}}
    return _figure(bars, layout, title, height=max(260, 150 + 36 * len(counts)), lang=lang)


def shares_over_time(shares: pd.DataFrame, names: dict[str, str], lang: str = "fr") -> go.Figure:
    """The register's indicators at each assessment date."""
    lines = [{"type": "scatter", "x": group["date"], "y": group["value"], "mode": "lines+markers+text",
              "name": esc(names.get(indicator, indicator)),
              "text": [formatting.percent(v / 100, lang) for v in group["value"]], "textposition": "top center",
              "customdata": list(zip(group["count"], group["assessed"])),
              "hovertemplate": "%{x|%Y-%m-%d} : %{y:.1f} % (%{customdata[0]} / %{customdata[1]})<extra></extra>"}
             for indicator, group in shares.groupby("indicator", sort=True)]
    layout = {"xaxis": date_axis(shares["date"]),
              "yaxis": {"range": [0, 105], "ticksuffix": setting("percent_suffix", lang)},
              "legend": {"orientation": "h", "y": -0.25}}
    return _figure(lines, layout, t("change_between_assessments", lang), height=380, lang=lang)
