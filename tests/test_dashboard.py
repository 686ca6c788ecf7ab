"""What the dashboards show, checked without a kernel: escaping, statuses in words, no contact details."""

from __future__ import annotations

import json
import re

import pytest

from observatory import dashboard, results
from observatory.pages import chart as chart_module
from tests.conftest import FIXTURE_ROOT
from tests.helpers import many_communes

HOSTILE = '<img src=x onerror="alert(1)"></script><script>alert(2)</script>'


@pytest.fixture
def hostile_root(root_copy):
    """A root whose texts try to inject markup into pages and charts."""
    alpha = root_copy / "data" / "coalitions" / "alpha.yml"
    alpha.write_text(alpha.read_text().replace("fr: Coalition Alpha", f"fr: '{HOSTILE}'")
                     .replace("intention: Former et équiper sans exclure.", f"intention: '{HOSTILE} Former'"), encoding="utf-8")
    territories = root_copy / "data" / "territories.csv"
    territories.write_text(territories.read_text().replace("Bretagne,region", '"Bretagne </script>",region'))
    obs = root_copy / "data" / "observations" / "figures.csv"
    obs.write_text(obs.read_text().replace("Registre de formation", "javascript:alert(3) <b>x</b>"))
    indicator = root_copy / "indicators" / "inclusif" / "illectronism-rate.yml"
    indicator.write_text(indicator.read_text().replace("https://www.insee.fr", "javascript:alert(4)"))
    return root_copy


def all_html(page) -> str:
    parts = [page.style(), page.demonstration_notice(), page.header(), page.compass(), page.targets_table(),
             *page.timelines(), page.missing(), page.method(), page.footer("x")]
    return "".join(str(p) for p in parts)


def test_texts_from_files_are_escaped_in_html_and_in_chart_json(hostile_root):
    page = dashboard.coalition_page("alpha", root=str(hostile_root), links="../")
    html = all_html(page)
    assert "<img src=x" not in html and "<script>alert(2)" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    # a data text can't close the chart's <script> element early
    for script in re.findall(r"<script[^>]*>(.*?)</script>", html, flags=re.S):
        assert "</script" not in script and "<img" not in script
    assert 'href="javascript:' not in html  # only http(s) links are kept
    specs = re.findall(r"var spec=(\{.*?\});var el", html, flags=re.S)
    assert specs
    # the chart JSON still carries the text, as inert entities, once decoded
    assert any("&lt;img src=x" in json.dumps(json.loads(s), ensure_ascii=False) for s in specs)


def test_status_is_given_in_words_not_colour_alone():
    page = dashboard.coalition_page("alpha", root=str(FIXTURE_ROOT))
    table = str(page.targets_table())
    for status, words in [("achieved", "Atteint"), ("on_track", "En bonne voie"), ("moderate", "Progrès modéré"),
                          ("limited", "Progrès limité"), ("deterioration", "Dégradation"),
                          ("no_data", "Pas de donnée")]:
        assert f'<span class="badge {status}">{words}</span>' in table
    assert 'aria-label="Progression 105\u00a0%"' in table


def test_english_edition():
    page = dashboard.coalition_page("alpha", lang="en", root=str(FIXTURE_ROOT))
    html = all_html(page)
    assert "Alpha coalition" in html and "Achieved" in html and "Demonstration data" in html
    assert "Atteint" not in html


def test_contact_details_are_never_published():
    everything = results.from_root(FIXTURE_ROOT)
    assert "camille@example.org" not in everything.coalitions.to_csv()
    page = dashboard.coalition_page("alpha", root=str(FIXTURE_ROOT))
    assert "camille@example.org" not in str(page.header())
    assert "Camille Exemple (Fing)" in str(page.header())


def test_missing_data_is_listed():
    page = dashboard.coalition_page("alpha", root=str(FIXTURE_ROOT))
    missing = str(page.missing())
    assert "Durée de vie moyenne des ordinateurs — Rennes" in missing


def test_programme_page_links_every_coalition_and_territory_with_data():
    page = dashboard.programme_page(root=str(FIXTURE_ROOT), links="")
    directory = str(page.directory())
    assert 'href="coalitions/alpha.html"' in directory and 'href="coalitions/beta.html"' in directory
    assert 'href="territories/rennes.html"' in directory
    assert "rennes-metropole.html" not in directory  # no data there: no page


def test_unknown_page_id_is_a_clear_error():
    with pytest.raises(KeyError, match="coalition 'gamma': expected one of alpha, beta"):
        dashboard.coalition_page("gamma", root=str(FIXTURE_ROOT))


def test_every_page_kind_escapes_texts_from_files(hostile_root):
    """Programme, territory and Self Data pages: names, sectors, URLs and notes from files stay text."""
    register = hostile_root / "data" / "self-data"
    register.mkdir()
    (register / "services.csv").write_text(
        f'id,name,url,sector,country\nevil,"{HOSTILE}",https://evil.example/?a=\'x\'&b=<b>,"{HOSTILE}",\n'
        "fine,Fine,https://example.org/?a=1&b=2,,\n", encoding="utf-8")
    (register / "assessments.csv").write_text(
        "service,date,difficulty,machine_readable,notes\n"
        f'evil,2025-01-01,easy,yes,"{HOSTILE}"\nfine,2025-01-01,hard,,\n', encoding="utf-8")
    root = str(hostile_root)
    programme = dashboard.programme_page(root=root, links="")
    rennes = dashboard.territory_page("rennes", root=root, links="../")
    register_page = dashboard.self_data_page(root=root, links="")
    html = "".join(str(p) for p in [
        programme.header(), programme.coverage(), programme.directory(), programme.targets_table(show_coalition=True),
        rennes.header(), rennes.siblings(), rennes.targets_table(show_coalition=True), *rennes.territory_wide(),
        register_page.header(), register_page.key_numbers(), register_page.services_table()])
    assert "<img src=x" not in html and "<script>alert(2)" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert 'href="https://evil.example/?a=&#x27;x&#x27;&amp;b=&lt;b&gt;" rel="noopener nofollow">&lt;img' in html
    assert 'href="https://example.org/?a=1&amp;b=2" rel="noopener nofollow">Fine</a>' in html
    for script in re.findall(r"<script[^>]*>(.*?)</script>", html, flags=re.S):
        assert "</script" not in script and "<img" not in script


@pytest.mark.parametrize("lang, expected", [
    ("fr", "Licences\u00a0: code MIT · Valeurs de démonstration de l&#x27;observatoire #Reset — CC0-1.0 · "
           "Registre de l&#x27;écosystème Self Data — MIT."),
    ("en", "Licences: code MIT · Demonstration values of the #Reset observatory — CC0-1.0 · "
           "Self Data ecosystem register — MIT."),
])
def test_every_page_footer_states_the_licences_of_what_it_shows(lang, expected):
    """The shipped Self Data page shows demonstration values and JustGetMyData's register: both licences."""
    from observatory import dashboard
    from tests.conftest import REPO

    footer = str(dashboard.self_data_page(lang, root=str(REPO)).footer("data/self-data"))
    assert expected in footer, footer


def test_the_map_colours_each_territory_by_its_share_of_targets_achieved_or_on_track():
    """Computed without a kernel: every région of the shipped data with an outline has a shape named with its
    figure, filled with its class's colour; overseas insets and the programme's cities are drawn."""
    import re

    from observatory.pages import france_map
    from tests.conftest import REPO

    everything = results.from_root(REPO)
    compass = everything.compass[(everything.compass["scope"] == "territory") & (everything.compass["quality"] == "all")]
    html = france_map.france_map(everything.territories, compass, "fr", lambda ident: f"territories/{ident}.html")
    shares = france_map.shares(compass)
    regions = everything.territories[everything.territories["level"] == "region"]
    drawn = 0
    for row in regions.itertuples():
        if not isinstance(row.code_insee, str) or row.code_insee not in france_map.outlines()["regions"]:
            continue
        share, targets = shares.get(row.id, (None, 0))
        shape = re.search(r'<path d="[^"]+" fill="([^"]+)"[^>]*><title>' + re.escape(row.name) + " — ", html)
        assert shape, row.name
        assert shape.group(1) == france_map.fill(share, targets), (row.name, share)
        drawn += 1
    assert drawn >= 7
    assert html.count('<rect width="70" height="70"') == 10  # five overseas insets on each of the two maps
    assert html.count("<circle") >= 7 + 6  # the seven cities and their six métropoles
    assert "Licence Ouverte 2.0" in html and "Les chiffres de la carte, en texte" in html


def test_the_banner_counts_the_fictitious_values_a_page_shows_and_names_their_file(root_copy):
    """Only pages showing fictitious values have the banner; it counts them; real figures carry none."""
    figures = root_copy / "data" / "observations"
    real = (figures / "figures.csv").read_text(encoding="utf-8")
    (figures / "measured.csv").write_text(real, encoding="utf-8")
    (figures / "measured.meta.yml").write_text("title: {fr: Relevés, en: Records}\ndemonstration: false\n"
                                              "license: etalab-2.0\n", encoding="utf-8")
    (figures / "figures.meta.yml").write_text("title: {fr: Démo, en: Demo}\ndemonstration: true\n", encoding="utf-8")
    header, *rows = real.splitlines()
    (figures / "figures.csv").write_text("\n".join([header, rows[0].replace("2020-12-31", "2020-06-30")]) + "\n",
                                         encoding="utf-8")
    alpha = dashboard.coalition_page("alpha", "fr", root=str(root_copy))
    count, total, files = alpha.fictitious_values()
    assert (count, files) == (1, ["data/observations/figures.csv"]) and total > 1
    assert f"1 des {total} valeurs de cette page est fictive (data/observations/figures.csv)" in \
        str(alpha.demonstration_notice())
    (figures / "figures.csv").write_text(header + "\n", encoding="utf-8")
    assert str(dashboard.coalition_page("alpha", "en", root=str(root_copy)).demonstration_notice()) == ""


def test_self_data_notes_are_markdown_rendered_safely():
    """JustGetMyData's notes are Markdown, some with HTML links: links become links (web only, nofollow),
    and nothing that runs or loads survives."""
    from observatory.pages.markup import markdown

    note = ('Go to [Google Takeout](https://takeout.google.com/) and click **Next**. '
            '<a href="https://form.example/x">this form</a> <script>alert(1)</script>'
            '<img src=x onerror=alert(2)> [bad](javascript:alert(3)) <b onclick="alert(4)">b</b>')
    html = markdown(note)
    assert '<a href="https://takeout.google.com/" rel="noopener nofollow">Google Takeout</a>' in html
    assert "<strong>Next</strong>" in html
    assert '<a href="https://form.example/x" rel="noopener nofollow">this form</a>' in html
    for bad in ("<script", "alert(1)", "<img", "onerror", 'href="javascript:', "onclick"):
        assert bad not in html, (bad, html)
    assert "[Google Takeout](" not in html  # no raw Markdown left


def test_a_territory_page_names_its_parent_in_words_with_a_link():
    from tests.conftest import FIXTURE_ROOT as root

    rennes = dashboard.territory_page("rennes", "fr", root=str(root), links="../")
    header = str(rennes.header())
    assert "⊂" not in header and "<dt>Fait partie de</dt>" in header
    english = str(dashboard.territory_page("rennes", "en", root=str(root), links="../").header())
    assert "<dt>Part of</dt>" in english


@pytest.mark.parametrize("lang, expected", [("fr", "520 personnes"), ("en", "520 people")])
def test_units_are_in_the_pages_language(lang, expected):
    """An indicator's unit may be given in both languages ({fr: personnes, en: people})."""
    table = str(dashboard.coalition_page("alpha", lang, root=str(FIXTURE_ROOT)).targets_table())
    assert expected in table


def test_every_chart_says_in_words_what_it_shows_and_its_figures():
    """A text alternative under each chart, read from the figure itself: the compass lists every quality with
    its mean progress, as the chart draws it."""
    page = dashboard.coalition_page("alpha", "fr", root=str(FIXTURE_ROOT))
    compass = page.compass()
    assert compass.summary.startswith("Boussole des sept qualités. Progression moyenne — Capacitant : 50\u00a0%; ")
    # A quality without targets has no bar, and its words say so: never a 0 that reads as no progress.
    assert "Frugal : 70\u00a0%" in compass.summary and "Équitable : pas de cible" in compass.summary
    assert "Équitable : 0" not in compass.summary
    bars = dict(zip(compass.spec["data"][0]["theta"], chart_module._values(compass.spec["data"][0]["r"])))
    assert bars["Équitable"] is None and bars["Frugal"] == 70
    assert '<p class="small chart-summary"><strong>En bref\u00a0:</strong> Boussole des sept qualités.' in compass.html
    heading, timeline = page.timelines()[:2]
    assert "<h2>Chaque cible dans le temps</h2>" in str(heading)  # charts don't follow one another untitled
    assert "31 déc. 2020 : 3,3; 31 déc. 2021 : 3,7" in timeline.summary  # the figures, French-formatted
    english = dashboard.coalition_page("alpha", "en", root=str(FIXTURE_ROOT)).compass()
    assert "In brief:" in english.html and "Empowering: 50%" in english.summary
    assert "Fair: no target" in english.summary


def test_a_target_no_source_states_is_marked_illustrative(root_copy):
    """A target says who states it (`source:`); the others are marked illustrative, and the page counts them."""
    alpha = root_copy / "data" / "coalitions" / "alpha.yml"
    text = alpha.read_text(encoding="utf-8")
    first = "  - indicator: people-trained\n    territory: rennes\n"
    assert first in text
    alpha.write_text(text.replace(first, first + "    source: Plan local d'inclusion numérique <b>2020</b>\n", 1),
                     encoding="utf-8")
    total = len([line for line in text.splitlines() if line.startswith("  - indicator:")])
    html = str(dashboard.coalition_page("alpha", "fr", root=str(root_copy)).targets_table())
    assert "fixée par : Plan local d&#x27;inclusion numérique &lt;b&gt;2020&lt;/b&gt;" in html  # escaped
    assert html.count("cible illustrative") == total - 1
    assert f"{total - 1} des {total} cibles de cette page sont illustratives" in html
    english = str(dashboard.coalition_page("alpha", "en", root=str(root_copy)).targets_table())
    assert f"{total - 1} of the {total} targets on this page are illustrative" in english
    assert 'stated by: <span lang="fr">Plan local' in english  # a French text on an English page, marked
    plain = str(dashboard.coalition_page("alpha", "fr", root=str(FIXTURE_ROOT)).targets_table())
    assert "Les cibles de cette page sont illustratives" in plain


def test_english_pages_name_territories_in_english_and_menus_sort_as_readers_expect(root_copy):
    from observatory import i18n, site

    territories = root_copy / "data" / "territories.csv"
    lines = territories.read_text(encoding="utf-8").splitlines()
    lines[0] += ",name_en"
    lines = [lines[0]] + [line + (",Brittany" if line.startswith("bretagne,") else ",") for line in lines[1:]]
    territories.write_text("\n".join(lines) + "\n", encoding="utf-8")
    english = dashboard.territory_page("bretagne", "en", root=str(root_copy))
    french = dashboard.territory_page("bretagne", "fr", root=str(root_copy))
    assert english.title() == "Brittany" and french.title() == "Bretagne"
    assert "Brittany" in str(dashboard.coalition_page("alpha", "en", root=str(root_copy)).targets_table())
    assert "Brittany" not in str(dashboard.coalition_page("alpha", "fr", root=str(root_copy)).targets_table())
    names = ["Occitanie", "Île-de-France", "Hauts-de-France", "Auvergne-Rhône-Alpes", "éducation"]
    assert sorted(names, key=i18n.sort_key) == ["Auvergne-Rhône-Alpes", "éducation", "Hauts-de-France",
                                                "Île-de-France", "Occitanie"]
    everything = results.from_root(root_copy)
    script = site.nav_script(everything, site.all_pages(everything, ("en",)), "en")
    assert "Brittany" in script and "Bretagne" not in script


def test_the_explorer_opens_on_a_coalition_with_targets(root_copy):
    """An empty compass tells a visitor nothing: the explorer opens on the first coalition (and territory)
    that has targets, not on the first name of the list."""
    from observatory.explore import Explorer

    alpha = root_copy / "data" / "coalitions" / "alpha.yml"
    text = alpha.read_text(encoding="utf-8")
    alpha.write_text(text[:text.index("targets:")] + "targets: []\n", encoding="utf-8")  # alpha, first by name: none
    explorer = Explorer(results.from_root(root_copy), "fr")
    assert explorer.choices("coalition")[0][1] == "alpha"
    assert explorer.opening("coalition") == "beta"
    assert explorer.opening("territory") in set(results.from_root(root_copy).progress["territory"])
    assert explorer.opening("programme") == "reset"


def test_a_live_chart_shows_its_words_as_an_output_of_its_own(monkeypatch):
    """Voilà draws a chart's plotly output and drops its HTML one, where the static page has the chart in words:
    on a live page the words are a second output, after the chart."""
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.setenv("OBSERVATORY_LIVE", "1")
    shell = InteractiveShell.instance()
    published = []
    monkeypatch.setattr(shell.display_pub, "publish", lambda data, metadata=None, **_: published.append(data))
    shell.display_formatter.format(dashboard.coalition_page("alpha", "en", root=str(FIXTURE_ROOT)).compass())
    assert [sorted(d) for d in published] == [["application/vnd.plotly.v1+json", "text/plain"],
                                                ["text/html", "text/plain"]]
    assert "In brief:</strong> Compass of the seven qualities. Mean progress — Empowering: 50%;" in published[1]["text/html"]
    monkeypatch.delenv("OBSERVATORY_LIVE")
    static = dashboard.coalition_page("alpha", "en", root=str(FIXTURE_ROOT)).compass()
    assert not hasattr(static, "_ipython_display_")  # the static page keeps one output: chart and words together


def test_a_territory_is_compared_with_the_siblings_that_have_targets(root_copy):
    """The siblings' table lists the territories of the same level and parent that have targets, with the share
    of their targets achieved or on track as a percentage; those without targets are counted, not listed."""
    data = root_copy / "data"
    with (data / "territories.csv").open("a", encoding="utf-8") as f:
        f.write("cesson,Cesson-Sévigné,commune,rennes-metropole,35051,,\n"
                "betton,Betton,commune,rennes-metropole,35024,,\n"
                "chartres,Chartres-de-Bretagne,commune,rennes-metropole,35066,,\n")
    alpha = data / "coalitions" / "alpha.yml"
    alpha.write_text(alpha.read_text(encoding="utf-8").replace("targets:\n", """targets:
  - indicator: people-trained
    territory: cesson
    baseline: {date: 2019-12-31, value: 10}
    target: {date: 2030-12-31, value: 20}
""", 1), encoding="utf-8")
    html = str(dashboard.territory_page("rennes", "fr", root=str(root_copy), links="../").siblings())
    rows = re.findall(r"<tr[^>]*>\s*<td>(.*?)</td><td class='num'>(\d+)</td>\s*<td class='num'>(.*?)</td>", html, re.S)
    assert [(re.sub(r"\s+", " ", name).strip(), targets, share) for name, targets, share in rows] == [
        ("Rennes", "3", "33\u00a0%"),  # one of its three targets is achieved or on track
        ('<a href="../territories/cesson.html">Cesson-Sévigné</a>', "1", "0\u00a0%")]
    assert "Betton" not in html and "Chartres" not in html
    assert "2 autres territoires de même niveau n&#x27;ont pas encore de cible." in html
    alone = str(dashboard.territory_page("bretagne", "en", root=str(root_copy)).siblings())
    assert "<table>" not in alone and "No other territory of the same level has targets" in alone


def test_the_directory_groups_territories_by_level_and_folds_a_long_group(root_copy):
    """Hundreds of territories with figures: the programme's directory groups them by level (in the order
    country, régions… communes), folds a group longer than 30, and offers a labelled search box."""
    many_communes(root_copy)
    html = str(dashboard.programme_page("fr", root=str(root_copy), links="").directory())
    titles = re.findall(r"<h3>([^<]+)</h3>|<summary>([^<]+)</summary>", html)
    assert [a or b for a, b in titles][-3:] == ["Pays (1)", "Régions (1)", "Communes (41)"]
    assert '<details class="territory-group"><summary>Communes (41)</summary>' in html
    assert '<label for="territory-search">Rechercher un territoire :</label>' in html
    assert 'href="territories/commune-7.html">Commune 07</a>' in html
    small = str(dashboard.programme_page("en", root=str(FIXTURE_ROOT), links="").directory())
    assert "territory-search" not in small and "<details" not in small and "<h3>Municipalities (1)</h3>" in small


def test_every_chart_is_drawn_with_plotlys_own_look_and_weighs_less():
    """Each chart carries plotly's default template, less the styles of what no chart here draws: its trace types
    and subplots keep every style plotly gives them, and the page does not carry 7 kB of template per chart."""
    import plotly.io as pio

    from observatory import figures

    whole = pio.templates["plotly"].to_plotly_json()
    coalition = dashboard.coalition_page("alpha", "fr", root=str(FIXTURE_ROOT))
    programme = dashboard.programme_page("en", root=str(FIXTURE_ROOT))
    charts = [coalition.compass(), *coalition.timelines(), programme.ranking(), programme.status_by_quality(),
              programme.status_by_coalition()]
    charts = [chart for chart in charts if hasattr(chart, "spec")]
    assert len(charts) > 5
    for chart in charts:
        template = chart.spec["layout"]["template"]
        assert {trace["type"] for trace in chart.spec["data"]} <= set(figures.TRACE_TYPES) <= set(template["data"])
        for kind, styles in template["data"].items():
            assert styles == whole["data"][kind]
        for key, value in whole["layout"].items():
            if key in template["layout"] or any(key.startswith(axis) for axis in ("xaxis", "yaxis", "polar")):
                assert template["layout"][key] == value, key
        assert len(json.dumps(template)) < len(json.dumps(whole)) / 3


def test_the_map_legend_explains_every_mark_and_its_classes_stay_apart_for_every_colour_vision():
    """Every fill and mark the map draws is drawn in its legend with words; "no target" and "no data" are
    hatched, never a light class; the classes stay apart (ΔE ≥ 12) under protanopia, deuteranopia and
    tritanopia (Machado 2009); city marks reach 3:1 (WCAG 1.4.11) against the page and every fill."""
    import re

    from observatory.pages import colourblind, contrast, france_map
    from tests.conftest import REPO

    everything = results.from_root(REPO)
    compass = everything.compass[(everything.compass["scope"] == "territory") & (everything.compass["quality"] == "all")]
    for lang in ("fr", "en"):
        html = france_map.france_map(everything.territories, compass, lang, lambda ident: f"t/{ident}.html")
        legend = html[html.index('<ul class="map-legend"'):]
        legend = legend[:legend.index("</ul>")]
        drawn_fills = set(re.findall(r'<path d="[^"]+" fill="([^"]+)"', html))
        legend_fills = set(re.findall(r'<rect x="2" y="1" width="18" height="16" fill="([^"]+)"', legend))
        assert drawn_fills <= legend_fills, drawn_fills - legend_fills
        assert {france_map.NO_TARGET, france_map.NO_DATA} <= legend_fills
        # Every kind of city mark drawn (coloured dot, coloured ring, dashed ones) is in the legend.
        kinds = lambda text: {(m.group(1), m.group(2)) for m in re.finditer(  # noqa: E731
            r'stroke="#212529" stroke-width="([\d.]+)"( stroke-dasharray="[^"]+")?', text)}
        assert kinds(html) <= kinds(legend), kinds(html) - kinds(legend)
        assert france_map.i18n.t("map_no_target_legend", lang) in legend
    colours = [c for _, c in france_map.CLASSES] + ["#ffffff"]  # the hatchings' ground is white
    worst = colourblind.closest_pair(colours)
    assert worst[0] >= 12, worst
    for fill in colours:
        # The mark's dark outline or its white halo: one of them stands out from the fill at 3:1 or more.
        assert max(contrast.ratio(fill, france_map.OUTLINE), contrast.ratio(fill, france_map.HALO)) >= 3, fill
    assert contrast.ratio(france_map.OUTLINE, "#ffffff") >= 3


@pytest.mark.parametrize("lang, words, label", [("fr", "démonstration (valeurs fictives)", "Démonstration (valeur fictive)"),
                                                ("en", "demonstration (fictitious values)",
                                                 "Demonstration (fictitious value)")])
def test_a_demonstration_figure_shows_without_the_banner(lang, words, label):
    """A made-up figure is drawn so a reader sees it: its own marker and dotted line, a legend entry and the words
    of the chart's text alternative; the targets table says it beside the value, in the page's language; the
    method table says the named source did not give it; the compass says how much of it is demonstration."""
    page = dashboard.territory_page("bretagne", lang, root=str(FIXTURE_ROOT))
    charts = page.timelines()[1:]
    demo = [trace for c in charts for trace in c.spec["data"] if words in (trace.get("name") or "")]
    assert demo and all(t["marker"]["symbol"] == "diamond-open" and t["line"]["dash"] == "dot" for t in demo)
    real = [trace for c in charts for trace in c.spec["data"] if trace.get("mode") == "lines+markers"
            and words not in trace["name"] and "(" not in trace["name"]]
    assert all((trace.get("marker") or {}).get("symbol") != "diamond-open" for trace in real)
    assert any(words in c.summary for c in charts)
    table = str(page.targets_table(show_coalition=True))
    assert f"<strong class='small demo-value'>{label}</strong>" in table
    if lang == "en":
        assert "Démonstration (valeur fictive)" not in table
    method = str(page.method())
    assert page.t("source_not_used_all") in method or page.t("source_not_used_some") in method
    assert page.compass().note == page.t("provenance", targets=len(page.results.progress),
                                         demo=int(page.results.progress["demonstration"].sum()),
                                         illustrative=len(page.results.progress))


def test_no_heading_over_nothing_and_no_maintainer_instruction_on_public_pages(root_copy):
    """A page without targets has no 'Missing data' heading over nothing; the Self Data page without sectors says
    so to the public, without telling them which file to edit."""
    territory = dashboard.territory_page("fr", "en", root=str(FIXTURE_ROOT))
    if territory.results.progress.empty:
        assert "Missing data" not in str(territory.missing())
    empty = dashboard.Page(territory.results.__class__(**{
        **territory.results.__dict__, "progress": territory.results.progress.iloc[0:0]}), "en")
    assert str(empty.missing()).strip() == ""
    for lang in ("fr", "en"):
        text = dashboard.Page(territory.results, lang).t("sectors_missing")
        assert "services.csv" not in text and "data/" not in text


def test_an_english_page_shows_the_coalitions_english_intention():
    """A coalition's intention_en is its English page's intention (not the French one marked lang="fr"); every
    shipped coalition has one."""
    from tests.conftest import REPO

    everything = results.from_root(REPO)
    assert everything.coalitions["intention_en"].notna().all()
    page = dashboard.coalition_page("self-data", "en", root=str(REPO))
    header = str(page.header())
    assert "Take Self Data out of its experts" in header and 'lang="fr"' not in header
    assert "Faire sortir le Self Data" in str(dashboard.coalition_page("self-data", "fr", root=str(REPO)).header())


def test_the_self_data_headline_says_it_is_its_targets_baseline():
    """The Self Data page's headline figure is the baseline of the coalition's own targets: the page says so, and
    a target without a figure after its baseline says that, not just a dash beside "No data"."""
    from tests.conftest import REPO

    page = dashboard.self_data_page("en", root=str(REPO))
    assert "also the baseline of the coalition's targets" in str(page.key_numbers()).replace("&#x27;", "'")
    assert "no figure after the baseline (10 Nov 2025)" in str(page.coalition.targets_table())


def test_the_self_data_page_shows_each_measure_once():
    """"Getting a copy of one's data is easy" was on the Self Data page twice: a fictitious series classed
    Protecteur and the register's real one classed Capacitant. Only the real one is left."""
    from tests.conftest import REPO

    everything = results.from_root(REPO)
    mine = everything.progress[everything.progress["coalition"] == "self-data"]
    names = everything.indicators.set_index("id").loc[mine["indicator"].unique(), "name_en"]
    measures = names.str.replace(r"\s*\(Self Data register\)$", "", regex=True).str.lower()
    assert not measures.duplicated().any(), sorted(measures)
    easy = mine[mine["indicator"].map(names.to_dict()).str.contains("getting a copy of one's data is easy")]
    assert list(easy["indicator"]) == ["self-data-easy-copy-share"] and list(easy["quality"]) == ["capacitant"]
    html = str(dashboard.self_data_page("en", root=str(REPO)).targets_table()).lower().replace("&#x27;", "'")
    assert html.count("getting a copy of one's data is easy") == 1
