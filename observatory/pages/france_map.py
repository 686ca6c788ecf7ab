"""The map of the programme's territories: régions and départements coloured by the share of their
targets achieved or on track, overseas territories in insets, cities and métropoles as points.

Drawn as inline SVG (templates/france_map.html.j2) from the package's outlines (:mod:`observatory.pages.outlines`): no tile, no
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
from observatory.pages.render import render

# Share of targets achieved or on track → fill (ColorBrewer "Blues", 4 classes, from its 5-class light end on: the
# lightest class is still clearly blue). Territories with no target, or with targets and no figure yet, are
# hatched (two different hatchings), so neither can pass for the lowest class, whatever one's colour vision
# (tests/test_dashboard.py checks the classes with observatory.pages.colourblind).
CLASSES = ((0.25, "#c6dbef"), (0.5, "#6baed6"), (0.75, "#2171b5"), (1.0001, "#08306b"))
NO_TARGET, NO_DATA = "url(#map-no-target)", "url(#map-no-data)"
HATCH = "#adb5bd"
# City and métropole marks: a dark outline inside a white halo, so they stand out at 3:1 or more on any fill.
HALO, OUTLINE = "#ffffff", "#212529"
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


def _shape(d: str, place: Place | None, name: str, lang: str) -> dict:
    """A territory's outline, as the template draws it: filled by its class, titled with its figure, linked."""
    return {"d": d, "fill": fill(place.share, place.targets) if place else NO_TARGET,
            "title": _label(place, lang) if place else name, "href": place.href if place else None}


def mark(x: float, y: float, ring: bool, share: float | None, title: str = "") -> dict:
    """A city (dot) or métropole (ring) at (x, y), coloured by its class (None: no share, drawn dashed and white);
    the template draws it on the map and, the same, as the legend's swatch."""
    return {"x": f"{x:.1f}", "y": f"{y:.1f}", "ring": ring, "colour": None if share is None else fill(share),
            "title": title}


def _project(lon: float, lat: float) -> tuple[float, float]:
    p = outlines()["project"]
    return (lon - p["left"]) * p["cos"] * p["scale"], (p["top"] - lat) * p["scale"]


def drawing(level: str, places: dict[str, Place], codes: dict[str, str], points: list[tuple[Place, str, bool]],
            lang: str) -> dict:
    """One map, as the template draws it: the shapes of ``level`` ("regions" or "departements"), points, insets.

    ``codes``: territory id → INSEE code, for the territories of that level.
    """
    asset = outlines()
    by_code = {code: places.get(ident) for ident, code in codes.items()}
    inset, width, height = asset["inset"], asset["width"], asset["height"]
    shapes = [_shape(shape["d"], by_code.get(code), shape["name"], lang)
              for code, shape in sorted(asset[level].items())]
    marks = [{"href": place.href, "mark": mark(*_project(*CITY_CENTRES[code]), ring, place.share, _label(place, lang))}
             for place, code, ring in points]
    # Overseas: the région and its one département share an outline.
    insets = [{"x": i * (inset + 6), "y": height + 12, "size": inset,
               "shape": _shape(shape["d"], by_code.get(shape["region"] if level == "regions" else code),
                               shape["name"], lang)}
              for i, (code, shape) in enumerate(sorted(asset["insets"].items()))]
    total_height = height + 12 + inset + 4
    return {"level": level, "title": _title(level, lang), "width": width + 4, "height": total_height + 4,
            "shapes": shapes, "points": marks, "insets": insets}


def _title(level: str, lang: str) -> str:
    return i18n.t("map_regions", lang) if level == "regions" else i18n.t("map_departements", lang)


def legend(lang: str) -> list[dict]:
    """Every mark the maps draw, drawn the same way (a box's fill, or marks), with its meaning in words."""
    bounds = [0, 25, 50, 75, 100]
    items = [{"box": colour, "marks": [], "text": i18n.t("map_class", lang, low=bounds[i], high=bounds[i + 1])}
             for i, (_, colour) in enumerate(CLASSES)]
    items += [{"box": NO_DATA, "marks": [], "text": i18n.t("map_no_data_legend", lang)},
              {"box": NO_TARGET, "marks": [], "text": i18n.t("map_no_target_legend", lang)},
              {"box": None, "marks": [mark(11, 9, False, 0.6)], "text": i18n.t("map_city", lang)},
              {"box": None, "marks": [mark(11, 9, True, 0.6)], "text": i18n.t("map_metropole", lang)},
              {"box": None, "marks": [mark(5, 9, False, None), mark(14, 9, True, None)],
               "text": i18n.t("map_mark_without", lang)}]
    return items


def places_of(territories: pd.DataFrame, compass_all: pd.DataFrame, href, lang: str = "fr") -> dict[str, Place]:
    figures = shares(compass_all)
    return {row["id"]: Place(row["id"], i18n.place_name(row, lang), *figures.get(row["id"], (None, 0)),
                             href(row["id"])) for _, row in territories.iterrows()}


def france_map(territories: pd.DataFrame, compass_all: pd.DataFrame, lang: str, href, provenance: str = "") -> str:
    """Both maps (régions, départements), the legend, what they are computed from (``provenance``), the
    attribution and the figures as text."""
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
    maps = [drawing(level, places, codes.get(level[:-1], {}), points if level == "departements" else [], lang)
            for level in ("regions", "departements")]
    shown = [p for p in places.values() if p.targets and p.id in
             set(codes.get("region", {})) | set(codes.get("departement", {})) | {p.id for p, _, _ in points}]
    return str(render("france_map.html.j2", lang=lang, t=lambda key, **values: i18n.t(key, lang, **values),
                      maps=maps, legend=legend(lang), provenance=provenance, hatch=HATCH, halo=HALO, outline=OUTLINE,
                      summary=[_label(p, lang) for p in sorted(shown, key=lambda p: i18n.sort_key(p.name))]))
