"""The live pages' HTML (the review page, the submission page, the busy page) is written by templates
(observatory/templates/), and reads exactly as it did when it was written in Python strings: every expected string
below was captured from the f-strings before they became templates, for texts with an apostrophe, quotes, ``<`` and
``&`` (in French, where the catalogue's texts have apostrophes too)."""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from pathlib import Path

from tests.conftest import FIXTURE_ROOT

PACKAGE = Path(__file__).resolve().parent.parent / "observatory"
HOSTILE = "l'été <b>&amp; \"co\""  # a name that is not HTML and must never become HTML


def recorded(widget) -> list[str]:
    """Every value the page gives ``widget`` from now on (a status shown for an instant included)."""
    values: list[str] = []
    widget.observe(lambda change: values.append(change["new"]), names="value")
    return values


def without_payload(text: str) -> str:
    """A template's download link with its data (a spreadsheet made anew each time) left out."""
    return re.sub(r";base64,[A-Za-z0-9+/=]+", ";base64,…", text)


# --- the busy page ---------------------------------------------------------------------------------------

BUSY_FR = (
    '<!DOCTYPE html>\n<html lang="fr" data-observatory="busy">\n<head><meta charset="utf-8"><meta name="viewport" '
    'content="width=device-width, initial-scale=1.0"><title>L&#x27;explorateur en direct est occupé — '
    'Observatoire d&#x27;impact #Reset</title><style>body{font-family:"DejaVu Sans",Arial,sans-serif;'
    'color:#212529;max-width:40rem;margin:3rem auto;padding:0 1.5rem}a{color:#1c3d5a}</style></head>\n<body>'
    '<main><h1>L&#x27;explorateur en direct est occupé</h1><p>Trop de visiteurs utilisent en ce moment les pages '
    'en direct de l&#x27;observatoire. Réessayez dans quelques minutes.</p><p><a href="">Réessayer</a></p></main>'
    '</body>\n</html>\n')
BUSY_EN = (
    '<!DOCTYPE html>\n<html lang="en" data-observatory="busy">\n<head><meta charset="utf-8"><meta name="viewport" '
    'content="width=device-width, initial-scale=1.0"><title>The live explorer is busy — #Reset impact '
    'observatory</title><style>body{font-family:"DejaVu Sans",Arial,sans-serif;color:#212529;max-width:40rem;'
    'margin:3rem auto;padding:0 1.5rem}a{color:#1c3d5a}</style></head>\n<body><main><h1>The live explorer is busy'
    '</h1><p>Too many visitors are using the observatory&#x27;s live pages right now. Please try again in a few '
    'minutes.</p><p><a href="https://example.org/o&#x27;b&amp;r/en/self-data.html">Meanwhile, here is the static '
    'page of the same dashboard</a></p><p><a href="">Try again</a></p></main></body>\n</html>\n')


def test_the_busy_page_reads_as_before_in_both_languages():
    from observatory.kernels import BUSY_MARK, busy_page

    assert busy_page("explorer.ipynb") == BUSY_FR
    assert busy_page("en/self_data.ipynb", "https://example.org/o'b&r/") == BUSY_EN
    assert BUSY_MARK in BUSY_EN


# --- the review page -------------------------------------------------------------------------------------

PENDING = (
    "<section class='review-item' data-submission='alpha-20260101'><h3>l&#x27;été &lt;b&gt;&amp;amp; &quot;co"
    "&quot; — <code>alpha-20260101</code></h3><p>l&#x27;été &lt;b&gt;&amp;amp; &quot;co&quot;.csv, "
    "2026-01-01T10:00:00+00:00 — <strong>hors délai (période close)</strong></p><table class='preview'><thead><tr>"
    "<th scope=\"col\">Ligne</th><th scope=\"col\">Indicateur</th><th scope=\"col\">Territoire</th><th "
    "scope=\"col\">Date</th><th scope=\"col\">Valeur enregistrée</th><th scope=\"col\">Nouvelle valeur</th></tr>"
    "</thead><tbody><tr><td>2</td><td>l&#x27;été &lt;b&gt;&amp;amp; &quot;co&quot;</td><td>rennes</td><td>"
    "2021-12-31</td><td>—</td><td>300</td></tr><tr><td>3</td><td>device-lifetime</td><td>bretagne</td><td>"
    "2022-06-30</td><td>3.5</td><td>3.9</td></tr></tbody></table></section><section class='review-item' "
    "data-submission='beta-1'><h3>beta — <code>beta-1</code></h3><p>b.xlsx, 2026-01-02</p><table class='preview'>"
    "<thead><tr><th scope=\"col\">Ligne</th><th scope=\"col\">Indicateur</th><th scope=\"col\">Territoire</th><th "
    "scope=\"col\">Date</th><th scope=\"col\">Valeur enregistrée</th><th scope=\"col\">Nouvelle valeur</th></tr>"
    "</thead><tbody></tbody></table></section>")
REVIEW_HEADING_EN = (
    "<h2>Review submissions</h2><p>For the programme team: each submission awaiting review, with what it adds and "
    "replaces (old value → new value). Approve it to publish it, or return it with a comment the lead reads on "
    "the submission page.</p>")


def _pending(**values):
    from observatory.review import Pending

    return Pending(**{"stored_as": "x", "replace": False, "periods": [], "late": False, **values})


def test_the_pending_submissions_read_as_before():
    from observatory.review_page import pending_html

    found = [_pending(id="alpha-20260101", coalition=HOSTILE, original_name=HOSTILE + ".csv",
                      received_at="2026-01-01T10:00:00+00:00", late=True,
                      changes=[{"row": 2, "indicator": HOSTILE, "territory": "rennes", "date": "2021-12-31",
                                "previous_value": None, "value": "300"},
                               {"row": 3, "indicator": "device-lifetime", "territory": "bretagne",
                                "date": "2022-06-30", "previous_value": "3.5", "value": "3.9"}]),
             _pending(id="beta-1", coalition="beta", original_name="b.xlsx", received_at="2026-01-02", changes=[])]
    assert pending_html(found, "fr") == PENDING
    assert pending_html([], "fr") == "<p class='review-empty'>Aucun dépôt en attente.</p>"
    assert pending_html([], "en") == "<p class='review-empty'>No submission awaits review.</p>"


REVIEW_SAID = [
    '<div class="review-outcome ok" role="status" data-sequence="1"><p><strong>0 submission(s) awaiting review.'
    '</strong></p></div>',
    '<div class="review-outcome ok" role="status" data-sequence="2"><p><strong>0 submission(s) awaiting review.'
    '</strong></p></div>',
    '<div class="review-outcome refused" role="alert" data-sequence="3"><p><strong>File refused: nothing was '
    'written.</strong></p><ul><li><code>submission &#x27;l\\&#x27;été &lt;b&gt;&amp;amp; &quot;co&quot;&#x27;: '
    'expected an id as `observatory review list` shows it, e.g. 20260301T101500Z-0123456789ab</code></li></ul>'
    '</div>',
]


def test_the_review_page_says_what_it_said_before(root_copy, tmp_path):
    from observatory.leads import Leads
    from observatory.review_page import TEAM, app

    team = Leads.of(root_copy, tmp_path / "leads").create(TEAM)
    page = app("en", root=root_copy, leads_dir=tmp_path / "leads")
    heading, secret, show, listing, choice, _, buttons, result = page.children
    said = recorded(result)
    assert heading.value == REVIEW_HEADING_EN
    secret.value = team
    show.click()
    assert listing.value == "<p class='review-empty'>No submission awaits review.</p>"
    choice.options = [("?", HOSTILE)]  # an id no submission has: refused, the id in the problem escaped
    choice.value = HOSTILE
    buttons.children[0].click()
    assert said == REVIEW_SAID


# --- the submission page ---------------------------------------------------------------------------------

SUBMIT_HEADING = (
    "<h2>Déposer des chiffres</h2><p>Les responsables de coalition envoient ici leurs chiffres, sans terminal : le "
    "fichier est vérifié ligne par ligne avant que rien ne soit enregistré.</p><ol><li>Choisissez votre coalition "
    "et saisissez le code secret que l&#x27;équipe de l&#x27;observatoire vous a remis.</li><li>Téléchargez le "
    "modèle de votre coalition, remplissez les colonnes value et source, puis choisissez le fichier rempli.</li>"
    "<li>Vérifiez : vous voyez chaque problème (ligne, colonne) ou ce qui sera ajouté et remplacé ; puis confirmez "
    "l&#x27;envoi.</li></ol>")
SUBMIT_UNDO_HINT = (
    "<p>Une erreur dans un dépôt déjà enregistré ? Le dernier dépôt de la coalition peut être annulé : ses chiffres "
    "sont retirés et ceux qu&#x27;il avait remplacés reviennent.</p>")
SUBMIT_TEMPLATES = (
    '<p>Modèle à remplir : <a download="alpha.xlsx" href="data:application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.sheet;base64,…">classeur Excel / LibreOffice (.xlsx)</a> · <a download="alpha.csv" '
    'href="data:text/csv;base64,…">fichier CSV</a></p>')
SUBMIT_NO_TEMPLATE = "<p>Pas de modèle pour cette coalition : elle n&#x27;a pas encore de cible.</p>"
SUBMIT_CHOSEN = [  # the file's name as the page shows it: made safe (observatory.submission_desk.safe_name)
    "<p>Fichier choisi : l_été _b__amp_ _co_.csv (5 octets).</p>",
    "<p>Aucun fichier choisi.</p>",
    "<p>Réception du fichier l_été _b__amp_ _co_.csv…</p>",
    "<p>Fichier choisi : l_été _b__amp_ _co_.csv (5 octets).</p>",
]
SUBMIT_BUSY = '<p role="status" class="submit-busy">Vérification en cours…</p>'


def test_the_submission_page_says_what_it_said_before(root_copy, tmp_path):
    from observatory.leads import Leads
    from observatory.submission_page import SubmissionDesk, form, template_links

    desk = SubmissionDesk(root_copy, None, tmp_path / "leads", "fr")
    Leads.of(root_copy, tmp_path / "leads").create("alpha")
    page = form(desk)
    heading, template, (upload, chosen, notice), result, undo_hint = (
        page.children[0], page.children[3], page.children[4].children, page.children[7], page.children[8])
    assert heading.value == SUBMIT_HEADING
    assert undo_hint.value == SUBMIT_UNDO_HINT
    assert chosen.value == "<p>Aucun fichier choisi.</p>"
    assert without_payload(template.value).startswith(SUBMIT_TEMPLATES)
    assert template_links(desk, HOSTILE, "fr") == SUBMIT_NO_TEMPLATE

    lines, said = recorded(chosen), recorded(result)
    hostile_file = {"name": HOSTILE + ".csv", "type": "text/csv", "size": 5, "content": memoryview(b"a,b\n\n"),
                    "last_modified": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)}
    upload.value = (hostile_file,)
    notice.value = json.dumps({"kind": "choosing", "name": HOSTILE + ".csv", "size": 5})
    upload.value = (hostile_file,)
    page.children[2].value = "not-the-secret"
    page.children[6].children[0].click()  # check
    assert lines == SUBMIT_CHOSEN
    assert said[0] == SUBMIT_BUSY  # while the file is checked, then the outcome (submit_outcome.html.j2)
    assert len(said) == 2
    assert said[1].startswith('<div class="submit-outcome refused" role="alert" data-sequence="1">')


# --- the guard: page HTML in templates only --------------------------------------------------------------

# Tags of HTML pages (and of sitemap.xml): written in a Python string, they are a page built outside the templates.
PAGE_TAGS = re.compile(
    r"<(/?(?:html|head|body|main|header|footer|nav|section|article|aside|div|span|p|a|ul|ol|li|dl|dt|dd|h[1-6]"
    r"|code|pre|strong|em|small|table|caption|thead|tbody|tfoot|tr|th|td|form|label|input|button|select|option"
    r"|details|summary|figure|figcaption|img|svg|script|style|link|meta|title|abbr|time"
    r"|urlset|url|loc|xhtml:link))(?=[\s>/])|<!DOCTYPE|<\?xml", re.IGNORECASE)
# plotly's own label markup in figures.py's hover labels and titles (https://plotly.com/chart-studio-help/adding-HTML-
# and-links-to-charts/): not page HTML, plotly draws it in SVG.
PLOTLY_LABELS = {"observatory/figures.py": re.compile(r"</?(b|br|i|sup|sub|extra)>")}


def _docstrings(tree: ast.AST) -> set[int]:
    """Docstrings may name a tag (``<html lang>``) without writing one."""
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body
            and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}


def test_no_module_writes_page_html_in_python_strings():
    """Every piece of page HTML is a template of observatory/templates/ (escaped by Jinja2, found in one place):
    no string constant or f-string of the package writes a page's tags."""
    offenders: dict[tuple[str, int], str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE.parent).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        allowed = PLOTLY_LABELS.get(name)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                text = allowed.sub("", node.value) if allowed else node.value
                if PAGE_TAGS.search(text):
                    offenders.setdefault((name, node.lineno), node.value[:60])
    assert not offenders, "HTML written in Python strings (write a template of observatory/templates/ instead):\n" \
        + "\n".join(f"{name}:{line}: {text!r}" for (name, line), text in sorted(offenders.items()))
