"""The published site in real headless Chromium, opened from file:// with no network."""

from __future__ import annotations

import pytest

from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def charts_drawn(tab) -> int:
    tab.wait_for_selector("svg.main-svg", timeout=15000)
    return tab.locator(".obs-chart svg.main-svg").count()


def test_home_then_coalition_then_territory(built_site, page):
    page.goto((built_site / "index.html").as_uri())
    assert page.title() == "Observatoire d'impact #Reset"
    assert charts_drawn(page) >= 4  # compass, ranking, two status charts (and the map, in SVG)
    assert "Données de démonstration" in page.inner_text("body")
    screenshot(page, "site-home")

    page.locator("main a", has_text="Coalition Alpha").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/coalitions/alpha.html")
    assert page.inner_text("h1") == "Coalition Alpha"
    assert charts_drawn(page) >= 1 + 6  # the compass and one chart per indicator and territory
    table = page.inner_text("table.targets")
    for status in ("Atteint", "En bonne voie", "Progrès modéré", "Progrès limité", "Dégradation", "Pas de donnée"):
        assert status in table
    screenshot(page, "site-coalition-alpha")

    page.locator("main dd a", has_text="Rennes").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/territories/rennes.html")
    assert page.inner_text("h1") == "Rennes"
    assert charts_drawn(page) >= 2
    screenshot(page, "site-territory-rennes")

    assert page.problems == []
    assert page.outside_requests == []


def test_english_edition_and_menus(built_site, page):
    page.goto((built_site / "coalitions" / "alpha.html").as_uri())
    page.locator("header a", has_text="English").click()
    page.wait_for_load_state()
    assert page.url.endswith("/en/coalitions/alpha.html")
    assert "Alpha coalition" in page.inner_text("h1")
    assert "Demonstration data" in page.inner_text("body")
    charts_drawn(page)
    # the menus come from the shared assets/nav-en.js
    page.click("header >> text=Territories")
    page.locator("header a", has_text="Bretagne").click()
    page.wait_for_load_state()
    assert page.url.endswith("/en/territories/bretagne.html")
    assert page.problems == [] and page.outside_requests == []


def test_the_map_of_territories_works_offline_and_leads_to_their_pages(built_site, page):
    """The programme's map is drawn from the package's outlines: from file://, nothing is fetched from
    the network (every request is watched), its legend shows, and a territory leads to its page."""
    page.goto((built_site / "index.html").as_uri())
    region_map = page.locator("figure.map svg").first
    region_map.scroll_into_view_if_needed()
    assert region_map.is_visible() and region_map.bounding_box()["height"] > 200
    assert "de 75 à 100 % des cibles atteintes ou en bonne voie" in page.inner_text(".map-legend")
    screenshot(page, "site-map")
    page.locator('figure.map a[href$="territories/bretagne.html"]').first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/territories/bretagne.html")
    assert page.problems == [] and page.outside_requests == []


SHORT_DATES = """() => { const d = document.createElement('div'); d.style.width = '600px'; document.body.appendChild(d);
  return Plotly.newPlot(d, [{x: ['2021-01-10', '2021-04-20'], y: [1, 2]}], {}, {locale: %s})
    .then(() => Array.from(d.querySelectorAll('.xtick text')).map(t => t.textContent).join(' ')); }"""


def test_charts_speak_the_pages_language(built_site, page):
    """French pages load plotly.js's French locale and draw their charts with it (months: « Fév », not « Feb »)."""
    page.goto((built_site / "coalitions" / "alpha.html").as_uri())
    charts_drawn(page)
    assert page.evaluate("document.querySelector('.obs-chart')._context.locale") == "fr"
    french = page.evaluate(SHORT_DATES % "'fr'")
    assert "Fév 2021" in french and "Feb" not in french, french
    page.goto((built_site / "en" / "coalitions" / "alpha.html").as_uri())
    charts_drawn(page)
    assert page.evaluate("document.querySelector('.obs-chart')._context.locale") == "en"
    english = page.evaluate(SHORT_DATES % "'en'")
    assert "Feb" in english, english
    assert page.problems == [] and page.outside_requests == []


def test_the_territory_search_filters_the_directory(page, root_copy):
    """Typing in the directory's search box (case aside) leaves the matching territories and opens their
    folded group; emptying it brings every territory back."""
    from observatory import dashboard
    from tests.helpers import many_communes

    many_communes(root_copy)
    programme = dashboard.programme_page("fr", root=str(root_copy), links="")
    page.set_content(f"<html lang='fr'><body>{programme.style()}{programme.directory()}</body></html>")
    page.fill("#territory-search", "COMMUNE 07")
    assert page.locator(".territory-group li:visible").all_inner_texts() == ["Commune 07"]
    assert page.locator("details.territory-group").evaluate("d => d.open")
    page.fill("#territory-search", "")
    assert page.locator(".territory-group li").count() == 43
    assert page.problems == []


@pytest.mark.parametrize("path, words", [("territories/bretagne.html", "démonstration (valeurs fictives)"),
                                         ("en/territories/bretagne.html", "demonstration (fictitious values)")])
def test_a_territory_page_draws_demonstration_figures_apart(built_site, page, path, words):
    """On the built territory page, plotly draws demonstration figures with their own marker (open diamonds) and
    dotted line, names them in the legend and in the chart's words; the compass says 'no target', never 0."""
    page.goto((built_site / path).as_uri())
    charts_drawn(page)
    drawn = page.evaluate("""words => [...document.querySelectorAll('.obs-chart')].flatMap(el =>
        (el.data || []).filter(t => (t.name || '').includes(words)).map(t => [t.marker.symbol, t.line.dash]))""",
                          words)
    assert drawn and all(pair == ["diamond-open", "dot"] for pair in drawn)
    legend = " ".join(page.locator(".obs-chart .legendtext").all_text_contents())
    assert words in legend
    summaries = page.locator("p.chart-summary").all_inner_texts()
    assert any(words in s for s in summaries)
    compass = summaries[0]
    assert ("pas de cible" if path.startswith("territories") else "no target") in compass
    assert not any(f"{q} : 0;" in compass or f"{q}: 0;" in compass for q in ("Capacitant", "Empowering", "Frugal"))
    assert page.problems == [] and page.outside_requests == []
