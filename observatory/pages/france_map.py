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

# Share of targets achieved or on track → fill (ColorBrewer "Blues", 4 classes, from its 5-class light end on: the
# lightest class is still clearly blue). Territories with no target, or with targets and no figure yet, are
# hatched (two different hatchings), so neither can pass for the lowest class, whatever one's colour vision
# (tests/test_dashboard.py checks the classes with observatory.pages.colourblind).
CLASSES = ((0.25, "#c6dbef"), (0.5, "#6baed6"), (0.75, "#2171b5"), (1.0001, "#08306b"))
NO_TARGET, NO_DATA = "url(#map-no-target)", "url(#map-no-data)"
HATCH = "#adb5bd"
# City and métropole marks: a dark outline inside a white halo, so they stand out at 3:1 or more on any fill.
HALO, OUTLINE = "#ffffff", "#212529"
PATTERNS = (
    '<svg width="0" height="0" aria-hidden="true" focusable="false" style="position:absolute"><defs>'
    f'<pattern id="map-no-target" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
    f'<rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="{HATCH}" stroke-width="1.5"/>'
    '</pattern>'
    f'<pattern id="map-no-data" width="6" height="6" patternUnits="userSpaceOnUse">'
    f'<rect width="6" height="6" fill="#ffffff"/><circle cx="3" cy="3" r="1.3" fill="{HATCH}"/></pattern>'
    '</defs></svg>')
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
    share: float | None  # achieved or on track / targets; None: no target, or no figure for any of them
    targets: int
    href: str | None

    @property
    def state(self) -> str:
        """"share", "no_data" (targets, none with a figure yet) or "no_target"."""
        return "share" if self.share is not None else "no_data" if self.targets else "no_target"


def shares(compass_all: pd.DataFrame) -> dict[str, tuple[float | None, int]]:
    """Per territory: the share of its targets achieved or on track (None when none of them has a figure yet:
    that is no data, not 0 %), and its number of targets."""
    out = {}
    for row in compass_all.itertuples():
        targets, no_data = int(row.targets), int(getattr(row, "no_data", 0))
        out[row.scope_id] = ((int(row.achieved) + int(row.on_track)) / targets if targets > no_data else None,
                             targets)
    return out


def fill(share: float | None, targets: int = 0) -> str:
    if share is None:
        return NO_DATA if targets else NO_TARGET
    return next(colour for limit, colour in CLASSES if share < limit)


def _label(place: Place, lang: str) -> str:
    if place.state == "no_target":
        return f"{place.name} — {i18n.t('map_no_target', lang)}"
    if place.state == "no_data":
        return f"{place.name} — {i18n.t('map_no_data', lang, targets=place.targets)}"
    share = round(place.share * 100)
    figure = (i18n.t("map_share_one", lang, share=share, targets=1) if place.targets == 1
              else i18n.t("map_share", lang, share=share, targets=place.targets))
    return f"{place.name} — {figure}"


def _shape(d: str, place: Place | None, name: str, lang: str, transform: str = "") -> str:
    colour = fill(place.share, place.targets) if place else NO_TARGET
    title = _label(place, lang) if place else name
    shape = (f'<path d="{d}" fill="{colour}" stroke="#495057" stroke-width="0.5"{transform}>'
             f'<title>{esc(title)}</title></path>')
    if place and place.href:
        return f'<a href="{esc(place.href)}">{shape}</a>'
    return shape


def mark(x: float, y: float, ring: bool, share: float | None, title: str = "") -> str:
    """A city (dot) or métropole (ring) at (x, y), coloured by its class; dashed and white where it has no share
    (no target, or no figure yet). The same drawing is the legend's swatch."""
    colour = None if share is None else fill(share)
    dash = "" if colour else ' stroke-dasharray="2.5 1.5"'
    titled = f"<title>{esc(title)}</title>" if title else ""
    if ring:
        inner = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="none" stroke="{colour}" stroke-width="2.5"/>'
                 if colour else "")
        return (f'<g>{titled}<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="none" stroke="{HALO}" stroke-width="6"/>'
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="none" stroke="{OUTLINE}" '
                f'stroke-width="{4.5 if colour else 1.5}"{dash}/>{inner}</g>')
    return (f'<g>{titled}<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{HALO}"/>'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour or HALO}" stroke="{OUTLINE}" '
            f'stroke-width="1"{dash}/></g>')


def _point(x: float, y: float, place: Place, lang: str, ring: bool) -> str:
    drawn = mark(x, y, ring, place.share, _label(place, lang))
    if place.href:
        return f'<a href="{esc(place.href)}">{drawn}</a>'
    return drawn


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


def _swatch(inside: str) -> str:
    return (f'<svg class="swatch" width="22" height="18" viewBox="0 0 22 18" aria-hidden="true" focusable="false">'
            f'{inside}</svg>')


def legend(lang: str) -> str:
    """Every mark the maps draw, drawn the same way, with its meaning in words."""
    bounds = [0, 25, 50, 75, 100]
    box = '<rect x="2" y="1" width="18" height="16" fill="{}" stroke="#495057" stroke-width="1"/>'
    items = [(_swatch(box.format(colour)), i18n.t("map_class", lang, low=bounds[i], high=bounds[i + 1]))
             for i, (_, colour) in enumerate(CLASSES)]
    items += [(_swatch(box.format(NO_DATA)), i18n.t("map_no_data_legend", lang)),
              (_swatch(box.format(NO_TARGET)), i18n.t("map_no_target_legend", lang)),
              (_swatch(mark(11, 9, False, 0.6)), i18n.t("map_city", lang)),
              (_swatch(mark(11, 9, True, 0.6)), i18n.t("map_metropole", lang)),
              (_swatch(mark(5, 9, False, None) + mark(14, 9, True, None)), i18n.t("map_mark_without", lang))]
    cells = "".join(f"<li>{swatch}{esc(text)}</li>" for swatch, text in items)
    return f'<ul class="map-legend" aria-label="{esc(i18n.t("map_legend", lang))}">{cells}</ul>'


def places_of(territories: pd.DataFrame, compass_all: pd.DataFrame, href, lang: str = "fr") -> dict[str, Place]:
    figures = shares(compass_all)
    return {row["id"]: Place(row["id"], i18n.place_name(row, lang), *figures.get(row["id"], (None, 0)),
                             href(row["id"])) for _, row in territories.iterrows()}


def france_map(territories: pd.DataFrame, compass_all: pd.DataFrame, lang: str, href, provenance: str = "") -> str:
    """Both maps (régions, départements), the legend, what they are computed from (``provenance``), the
    attribution and the figures as text."""
    note = f'<p class="small provenance" role="note">{esc(provenance)}</p>' if provenance else ""
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
    shown = [p for p in places.values() if p.targets and p.id in
             set(codes.get("region", {})) | set(codes.get("departement", {})) | {p.id for p, _, _ in points}]
    summary = "".join(f"<li>{esc(_label(p, lang))}</li>" for p in sorted(shown, key=lambda p: i18n.sort_key(p.name)))
    return (f'<section class="obs territory-map" aria-labelledby="territory-map-title">'
            f'<h2 id="territory-map-title">{esc(i18n.t("territory_map", lang))}</h2>'
            f'<p class="small">{esc(i18n.t("map_intro", lang))}</p>'
            f'{PATTERNS}<div class="maps">{maps}</div>{legend(lang)}{note}'
            f'<details><summary>{esc(i18n.t("map_as_text", lang))}</summary><ul>{summary}</ul></details>'
            f'<p class="small">{esc(outlines()["attribution"][lang])}. '
            f'{esc(i18n.t("map_not_to_scale", lang))}</p></section>')
