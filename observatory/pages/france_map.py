"""The map of the programme's territories: régions and départements coloured by the share of their
targets achieved or on track, overseas territories in insets, cities and métropoles as points.

Drawn as inline SVG from the package's outlines (:mod:`observatory.pages.outlines`): no tile, no
topojson, no script, so it works offline from ``file://``; each shape names its territory and figure
(``<title>``), links to its page, and the figures are also given as text beside the map.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from observatory import i18n
from observatory.pages.markup import esc

# Share of targets achieved or on track → fill (ColorBrewer "Blues", 4 classes); no target: light grey.
CLASSES = ((0.25, "#deebf7"), (0.5, "#9ecae1"), (0.75, "#4292c6"), (1.0001, "#08519c"))
NO_TARGET = "#f1f3f5"
# City centres (WGS 84), entered by hand to place the programme's cities and métropoles on the map.
CITY_CENTRES = {  # commune INSEE code → (longitude, latitude)
    "44109": (-1.554, 47.218),  # Nantes
    "35238": (-1.678, 48.117),  # Rennes
    "29019": (-4.486, 48.390),  # Brest
    "59350": (3.057, 50.629),  # Lille
    "69123": (4.836, 45.764),  # Lyon
    "38185": (5.724, 45.188),  # Grenoble
    "75056": (2.352, 48.857),  # Paris
}


@functools.lru_cache(maxsize=1)
def outlines() -> dict:
    return json.loads(resources.files("observatory.pages").joinpath("assets/france-outlines.json").read_text(
        encoding="utf-8"))


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    share: float | None  # achieved or on track / targets; None: no target
    targets: int
    href: str | None


def shares(compass_all: pd.DataFrame) -> dict[str, tuple[float | None, int]]:
    """Per territory: the share of its targets achieved or on track, and its number of targets."""
    out = {}
    for row in compass_all.itertuples():
        targets = int(row.targets)
        out[row.scope_id] = ((int(row.achieved) + int(row.on_track)) / targets if targets else None, targets)
    return out


def fill(share: float | None) -> str:
    if share is None:
        return NO_TARGET
    return next(colour for limit, colour in CLASSES if share < limit)


def _label(place: Place, lang: str) -> str:
    if place.share is None:
        return f"{place.name} — {i18n.t('map_no_target', lang)}"
    share = round(place.share * 100)
    figure = (i18n.t("map_share_one", lang, share=share, targets=1) if place.targets == 1
              else i18n.t("map_share", lang, share=share, targets=place.targets))
    return f"{place.name} — {figure}"


def _shape(d: str, place: Place | None, name: str, lang: str, transform: str = "") -> str:
    colour = fill(place.share) if place else NO_TARGET
    title = _label(place, lang) if place else name
    shape = (f'<path d="{d}" fill="{colour}" stroke="#495057" stroke-width="0.5"{transform}>'
             f'<title>{esc(title)}</title></path>')
    if place and place.href:
        return f'<a href="{esc(place.href)}">{shape}</a>'
    return shape


def _point(x: float, y: float, place: Place, lang: str, ring: bool) -> str:
    colour = fill(place.share)
    outline = colour if ring and place.share is not None else "#212529"
    mark = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{7 if ring else 3.5}" fill="{"none" if ring else colour}" '
            f'stroke="{outline}" stroke-width="{3 if ring else 1}">'
            f'<title>{esc(_label(place, lang))}</title></circle>')
    if place.href:
        return f'<a href="{esc(place.href)}">{mark}</a>'
    return mark


def _project(lon: float, lat: float) -> tuple[float, float]:
    p = outlines()["project"]
    return (lon - p["left"]) * p["cos"] * p["scale"], (p["top"] - lat) * p["scale"]


def svg(level: str, places: dict[str, Place], codes: dict[str, str], points: list[tuple[Place, str, bool]],
        lang: str) -> str:
    """One map: the shapes of ``level`` ("regions" or "departements"), insets, and points.

    ``codes``: territory id → INSEE code, for the territories of that level.
    """
    asset = outlines()
    by_code = {code: places.get(ident) for ident, code in codes.items()}
    inset, width, height = asset["inset"], asset["width"], asset["height"]
    parts = [_shape(shape["d"], by_code.get(code), shape["name"], lang)
             for code, shape in sorted(asset[level].items())]
    for place, code, ring in points:
        parts.append(_point(*_project(*CITY_CENTRES[code]), place, lang, ring))
    # Overseas: the région and its one département share an outline.
    for i, (code, shape) in enumerate(sorted(asset["insets"].items())):
        key = shape["region"] if level == "regions" else code
        x = i * (inset + 6)
        parts.append(f'<g transform="translate({x},{height + 12})"><rect width="{inset}" height="{inset}" '
                     f'fill="none" stroke="#adb5bd"/>'
                     + _shape(shape["d"], by_code.get(key), shape["name"], lang) + "</g>")
    total_height = height + 12 + inset + 4
    title = _title(level, lang)
    return (f'<svg viewBox="-2 -2 {width + 4} {total_height + 4}" role="group" aria-labelledby="map-{level}-title" '
            f'class="france-map" xmlns="http://www.w3.org/2000/svg"><title id="map-{level}-title">{esc(title)}'
            f'</title>{"".join(parts)}</svg>')


def _title(level: str, lang: str) -> str:
    return i18n.t("map_regions", lang) if level == "regions" else i18n.t("map_departements", lang)


def legend(lang: str) -> str:
    bounds = [0, 25, 50, 75, 100]
    items = [(colour, i18n.t("map_class", lang, low=bounds[i], high=bounds[i + 1]))
             for i, (_, colour) in enumerate(CLASSES)] + [(NO_TARGET, i18n.t("map_no_target", lang))]
    cells = "".join(f'<li><span class="swatch" style="background:{c}"></span>{esc(text)}</li>' for c, text in items)
    return (f'<ul class="map-legend" aria-label="{esc(i18n.t("map_legend", lang))}">{cells}'
            f'<li><span class="swatch dot"></span>{esc(i18n.t("map_city", lang))}</li>'
            f'<li><span class="swatch ring"></span>{esc(i18n.t("map_metropole", lang))}</li></ul>')


def places_of(territories: pd.DataFrame, compass_all: pd.DataFrame, href, lang: str = "fr") -> dict[str, Place]:
    figures = shares(compass_all)
    return {row["id"]: Place(row["id"], i18n.place_name(row, lang), *figures.get(row["id"], (None, 0)),
                             href(row["id"])) for _, row in territories.iterrows()}


def france_map(territories: pd.DataFrame, compass_all: pd.DataFrame, lang: str, href) -> str:
    """Both maps (régions, départements), the legend, the attribution and the figures as text."""
    places = places_of(territories, compass_all, href, lang)
    french = territories[territories["code_insee"].notna() & (territories["code_insee"] != "")]
    codes = {level: dict(zip(group["id"], group["code_insee"]))
             for level, group in french.groupby("level")}
    communes = french[french["level"] == "commune"]
    points = []
    for row in communes.itertuples():
        if row.code_insee not in CITY_CENTRES:
            continue
        parent = territories[territories["id"] == row.parent]
        if len(parent) and parent.iloc[0]["level"] == "epci":
            points.append((places[parent.iloc[0]["id"]], row.code_insee, True))
        points.append((places[row.id], row.code_insee, False))
    maps = "".join(
        f'<figure class="map"><figcaption>{esc(_title(level, lang))}</figcaption>'
        f'{svg(level, places, codes.get(level[:-1], {}), points if level == "departements" else [], lang)}</figure>'
        for level in ("regions", "departements"))
    shown = [p for p in places.values() if p.share is not None and p.id in
             set(codes.get("region", {})) | set(codes.get("departement", {})) | {p.id for p, _, _ in points}]
    summary = "".join(f"<li>{esc(_label(p, lang))}</li>" for p in sorted(shown, key=lambda p: i18n.sort_key(p.name)))
    return (f'<section class="obs territory-map" aria-labelledby="territory-map-title">'
            f'<h2 id="territory-map-title">{esc(i18n.t("territory_map", lang))}</h2>'
            f'<p class="small">{esc(i18n.t("map_intro", lang))}</p>'
            f'<div class="maps">{maps}</div>{legend(lang)}'
            f'<details><summary>{esc(i18n.t("map_as_text", lang))}</summary><ul>{summary}</ul></details>'
            f'<p class="small">{esc(outlines()["attribution"][lang])}. '
            f'{esc(i18n.t("map_not_to_scale", lang))}</p></section>')
