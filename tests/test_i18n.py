"""The texts readers see: one catalogue per language, the same keys in each, every key used."""

from __future__ import annotations

import json
import os
import re
import shutil
import string
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from observatory.pages import contrast

from observatory import dashboard, i18n, vocabulary, selfdata
from tests.conftest import FIXTURE_ROOT, REPO

PACKAGE = REPO / "observatory"
# Closed vocabularies: their names are looked up with the value, e.g. status_names.<status>.
GROUPS = {
    "status_names": vocabulary.STATUSES,
    "quality_names": vocabulary.QUALITIES,
    "difficulty_names": selfdata.DIFFICULTIES,
    "answer_names": selfdata.ANSWERS,
    "level_names": vocabulary.TERRITORY_LEVELS,
    "level_plurals": vocabulary.TERRITORY_LEVELS,
    "maturity_names": vocabulary.MATURITIES,
    "axis_names": vocabulary.AXES,
    "lever_names": vocabulary.LEVERS,
    "figure_qualities": vocabulary.FIGURE_QUALITIES,
    "contribution_names": vocabulary.CONTRIBUTIONS,
}


def sources() -> str:
    """Every file of the package that can show a text: the code and the templates (not the catalogues)."""
    files = [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.j2")]
    return "\n".join(path.read_text(encoding="utf-8") for path in files)


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_the_same_keys_and_the_same_fields():
    french = i18n.catalogue("fr")
    for lang in i18n.LANGS:
        texts = i18n.catalogue(lang)
        assert sorted(texts) == sorted(french), f"{lang}.yml and fr.yml differ"
        for key, text in texts.items():
            assert text.strip(), f"{lang}.yml, key '{key}': empty"
            assert fields(text) == fields(french[key]), f"{lang}.yml, key '{key}': not the same {{fields}} as fr.yml"


def test_every_key_is_used_in_the_package():
    code = sources()
    flat = [key for key in i18n.catalogue("fr") if "." not in key]
    # t("key"…), self.t("key"…), i18n.t("key"…), in code and templates alike
    unused = [key for key in flat if not re.search(rf"""\bt\(\s*["']{re.escape(key)}["']""", code)]
    assert unused == [], f"texts no page shows: {unused}"


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_every_vocabulary_has_a_name_for_each_value_and_no_other(group):
    named = {key.split(".", 1)[1] for key in i18n.catalogue("fr") if key.startswith(group + ".")}
    assert named == set(GROUPS[group])
    assert group in sources()


def test_statuses_are_declared_once_with_a_colour_and_a_name():
    from observatory import results

    # Every status a target gets is one of the table's, so the compass counts every target (a status
    # missing from it would have no badge, no name, and fall out of the counts).
    computed = results.from_root(FIXTURE_ROOT)
    assert len(set(vocabulary.STATUSES)) == len(vocabulary.STATUSES)
    assert set(computed.progress["status"]) <= set(vocabulary.STATUSES)
    compass = computed.compass
    assert (compass[list(vocabulary.STATUSES)].sum(axis=1) == compass["targets"]).all()
    style = dashboard.style().html
    for status in vocabulary.STATUS_TABLE:
        assert re.fullmatch(r"#[0-9a-f]{6}", status.colour)
        # the badge keeps its status's colour, or a darker one, with a text colour that reads (4.5:1)
        background, text = contrast.badge(status.colour)
        assert f".obs .badge.{status.id} {{ background: {background}; color: {text}; }}" in style
        assert contrast.ratio(background, text) >= 4.5
        assert {i18n.status_name(status.id, lang) for lang in i18n.LANGS} - {""}


@pytest.mark.parametrize("line", ["answer_names:\n  yes: oui\n", "answer_names:\n  'yes': no\n"])
def test_an_unquoted_yes_or_no_in_a_catalogue_is_named(tmp_path, line):
    (tmp_path / "fr.yml").write_text(line, encoding="utf-8")
    with pytest.raises(ValueError, match=r"fr.yml, key 'answer_names.(True|yes)': found .*, expected a text"):
        i18n.read_catalogue(tmp_path / "fr.yml")


class _VisibleText(HTMLParser):
    """A page's text as a reader gets it: no script, style or <title>, and nothing marked as written in another
    language than the page's (``lang="fr"`` around a data text that has no translation, WCAG 3.1.2)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, lang: str):
        super().__init__()
        self.lang, self.hidden, self.parts = lang, [], []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            other = dict(attrs).get("lang") not in (None, self.lang)
            self.hidden.append(tag in ("script", "style", "title") or other or bool(self.hidden and self.hidden[-1]))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.hidden:
            self.hidden.pop()

    def handle_data(self, data):
        if not (self.hidden and self.hidden[-1]):
            self.parts.append(data)


def _words(text: str) -> set[str]:
    text = re.sub(r"\S+\.(csv|yml|json|html)\b", " ", text)  # file names are no one's words
    return set(re.findall(r"[a-zà-öø-ÿœ]{4,}", text.lower()))


def _page_words(path, lang: str) -> tuple[set[str], str]:
    parser = _VisibleText(lang)
    parser.feed(path.read_text(encoding="utf-8"))
    text = " ".join(parser.parts)
    return _words(text), text


FRENCH_COLON = r".{0,30}\w :.{0,10}"  # "targets :" (English writes "targets:")


def test_no_page_speaks_the_other_language(built_site):
    """Every page is scanned for the words only another language's catalogue has (an English page for the French
    words, a French page for the English ones). A data text shown untranslated on an English page is marked with its
    language, and skipped; proper nouns (places, organisations) and the French data texts are the data's own.
    English pages (a language whose colon has no space before it) don't write a French colon (« : »)."""
    import csv

    import yaml

    from tests.conftest import FIXTURE_ROOT

    vocabulary = {lang: set().union(*map(_words, i18n.catalogue(lang).values())) for lang in i18n.LANGS}
    names = set()
    with (FIXTURE_ROOT / "data" / "territories.csv").open(encoding="utf-8") as f:
        names |= set().union(*(_words(row["name"]) for row in csv.DictReader(f)))
    for path in (FIXTURE_ROOT / "data" / "coalitions").glob("*.yml"):
        coalition = yaml.safe_load(path.read_text(encoding="utf-8"))
        for who in [*coalition.get("leads", []), *coalition.get("partners", [])]:
            names |= _words(" ".join(who.values()) if isinstance(who, dict) else who)
    # French pages show the data's French texts as they are written (a method may quote a value: « easy »)
    data_texts = set().union(*(_words(path.read_text(encoding="utf-8"))
                               for path in (FIXTURE_ROOT / "indicators").rglob("*.yml")))
    # Each edition but the first in its folder (en/…), the first at the root.
    first, *others = i18n.LANGS
    editions = {lang: sorted((built_site / lang).rglob("*.html")) for lang in others}
    editions[first] = sorted(set(built_site.rglob("*.html")) - set().union(*editions.values()))
    assert len({len(pages) for pages in editions.values()}) == 1 and len(editions[first]) >= 6
    found = []
    for lang, pages in editions.items():
        foreign = set().union(*(vocabulary[other] for other in i18n.LANGS if other != lang)) - vocabulary[lang]
        if lang == i18n.DATA_LANG:
            foreign -= data_texts
        for path in pages:
            words, text = _page_words(path, lang)
            if words & foreign - names:
                found.append(f"{path.relative_to(built_site)}: {sorted(words & foreign - names)}")
            colon = re.search(FRENCH_COLON, " ".join(text.split()).replace("\u00a0", " ").replace("\u202f", " "))
            if not i18n.setting("colon", lang).startswith(" ") and colon:
                found.append(f"{path.relative_to(built_site)}: a French colon in {colon.group(0)!r}")
    assert found == []


def test_every_problem_message_is_used_and_said_in_french():
    """Issue 22: the texts of problem messages and of the command line (group ``messages``) are each used by the
    package, with the same {fields} in both languages (the test above), and a French message has no English."""
    from observatory.errors import DescribedText, Problem, Text

    code = sources()
    # keys made from a value: known_<kind>, target_<side>, xlsx_not_zip[_text], cli_problems[_nothing_written]
    dynamic = {"known_indicator", "known_territory", "known_coalition", "known_service", "target_above",
               "target_below"}
    # the frame of every message, said by errors.Problem itself
    frame = {"problem", "found_expected", "at_row", "at_line", "at_key", "at_column", "empty"}
    keys = [key.split(".", 1)[1] for key in i18n.catalogue("en") if key.startswith("messages.")]
    unused = [key for key in keys if key not in dynamic | frame and f'"{key}"' not in code]
    assert unused == [], f"problem texts no code says: {unused}"
    problem = Problem("data/observations/figures.csv", row=5, column="value", value="mille deux cents",
                      expected=Text("did_you_mean", text=Text("known_indicator", where=Text("indicator_file",
                                                                                          folder="indicators")),
                                    close="people-trained"))
    assert problem.text("en") == str(problem) == (
        "data/observations/figures.csv, row 5, column 'value': found 'mille deux cents', expected a known indicator "
        "id (a file indicators/<quality>/<id>.yml); did you mean 'people-trained'?")
    assert problem.text("fr") == (
        "data/observations/figures.csv, ligne 5, colonne 'value' : trouvé 'mille deux cents', attendu un "
        "identifiant d'indicateur connu (un fichier indicators/<qualité>/<id>.yml) ; vouliez-vous dire "
        "'people-trained' ?")
    empty = Problem("a.yml", value=DescribedText("empty_file"), expected=Text("fr_en_mapping"))
    assert empty.text("fr") == "a.yml : trouvé un fichier vide, attendu une table avec les textes français et " \
                               "anglais : {fr: ..., en: ...}"
    assert Problem("a.csv", row=2, column="date", value=None, expected=Text("date_iso")).text("fr") == \
        "a.csv, ligne 2, colonne 'date' : trouvé (vide), attendu une date ISO AAAA-MM-JJ, ou AAAA-MM pour un mois, " \
        "ou AAAA pour une année"


def test_problems_keep_their_language_through_the_cache():
    """Problems are cached as pickles (observatory.cache): read back, they still speak both languages."""
    import pickle

    from observatory.errors import Problem, Text

    problem = Problem("f.csv", row=2, column="value", value="x", expected=Text("at_most_limit", limit="100"))
    again = pickle.loads(pickle.dumps(problem))
    assert again == problem and again.text("fr") == problem.text("fr") != problem.text("en")


def _with_german(tmp_path):
    """The recipe of docs/architecture.md ("A language") followed in a copy of the package: a German catalogue (fr.yml
    with German settings) and "de" in LANGS, nothing else. Gives the copy and a way to run Python on it."""
    copy = tmp_path / "package" / "observatory"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    french = (copy / "i18n" / "fr.yml").read_text(encoding="utf-8")
    german = {"name": "Deutsch", "locale": "de_DE", "plotly_separators": ",.", "percent_suffix": "\u00a0%",
              "colon": ": "}
    for name, value in german.items():
        french, found = re.subn(rf"^  {name}: .*$", lambda _: f"  {name}: {json.dumps(value)}", french, count=1,
                                flags=re.M)
        assert found, f"fr.yml: no setting {name!r} in its group 'language'"
    (copy / "i18n" / "de.yml").write_text(french, encoding="utf-8")
    declaration = (copy / "i18n" / "__init__.py").read_text(encoding="utf-8")
    assert declaration.count('\nLANGS = ("fr", "en")\n') == 1
    (copy / "i18n" / "__init__.py").write_text(declaration.replace('\nLANGS = ("fr", "en")\n',
                                                                   '\nLANGS = ("fr", "en", "de")\n'), encoding="utf-8")
    # The copy first on the path, and not the checkout (python -m puts the working folder first: not the repo's).
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(copy.parent), os.environ.get("PYTHONPATH")]))}

    def run(*args):
        return subprocess.run([sys.executable, *args], env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=300)

    assert run("-c", "import observatory; print(observatory.__file__)").stdout.strip() == str(copy / "__init__.py")
    return copy, run


def test_a_language_is_its_catalogue_and_its_code_in_langs(tmp_path):
    """With the recipe followed (and nothing else changed), a German page is built (beside the French one, to see
    each link to the other): German dates and numbers, each edition linking to the other by its name."""
    copy, run = _with_german(tmp_path)
    out = tmp_path / "site"
    built = run("-m", "observatory", "build", "--root", str(FIXTURE_ROOT), "--lang", "fr,de", "--only", "programme",
                "--out", str(out))
    assert built.returncode == 0, built.stdout + built.stderr
    page = (out / "de" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="de"' in page
    assert "31 Dez. 2022" in page and "déc." not in page  # dates as German writes them (Babel's de_DE)
    assert '"separators":",."' in page  # the charts' decimal comma and thousands point
    assert 'lang="fr">Français</a>' in page and 'lang="de">Deutsch</a>' in (out / "index.html").read_text()

    # Nothing else of the package had to change (and the build wrote nothing into it).
    def differs(path):
        original = PACKAGE / path.relative_to(copy)
        return not original.is_file() or original.read_bytes() != path.read_bytes()

    changed = sorted(path.relative_to(copy).as_posix() for path in copy.rglob("*")
                     if path.is_file() and "__pycache__" not in path.parts and differs(path))
    assert changed == ["i18n/__init__.py", "i18n/de.yml"]


LIVE_IN_GERMAN = """
import json, sys
from pathlib import Path
from observatory import explore, kernels, serve
folder = serve.notebooks_served(Path(sys.argv[1]), submissions=False)
print(json.dumps({"explorer": json.loads((folder / "de" / "explorer.ipynb").read_text())["metadata"],
                  "live": serve.live_notebooks(False), "pools": serve.pool_sizes(1, 3),
                  "busy": kernels.busy_page("de/explorer.ipynb", "https://example.org/"),
                  "switch": str(explore.header("de"))}))
"""


def test_a_language_is_served_live_and_spoken_by_the_command_line(tmp_path):
    """With the recipe followed, serve has the live pages in German under de/ (each with its pool, its busy page,
    its explorer linking to the others), and the command line speaks German on --lang de."""
    _, run = _with_german(tmp_path)
    live = run("-c", LIVE_IN_GERMAN, str(tmp_path / "live"))
    assert live.returncode == 0, live.stderr
    live = json.loads(live.stdout)
    assert live["explorer"]["language_code"] == "de" and live["explorer"]["title"].startswith("Explorateur")
    assert {"de/coalition.ipynb", "de/explorer.ipynb", "en/explorer.ipynb", "explorer.ipynb"} <= set(live["live"])
    assert live["pools"]["de/explorer.ipynb"] == live["pools"]["en/explorer.ipynb"] == 3
    assert '<html lang="de"' in live["busy"] and 'href="https://example.org/de/index.html"' in live["busy"]
    assert 'href="../explorer.ipynb" hreflang="fr" lang="fr">Français<' in live["switch"]
    assert 'href="../en/explorer.ipynb" hreflang="en" lang="en">English<' in live["switch"]
    checked = run("-m", "observatory", "--lang", "de", "validate", "--no-cache", "--root", str(FIXTURE_ROOT))
    assert checked.returncode == 0, checked.stderr


# A fresh interpreter: imports what `observatory validate` and `observatory --help` import, then says whether a
# catalogue was read (a module-level Text reads it when the module is imported: ~18 ms of every command's start).
STARTUP_PROBE = """
import contextlib, io, sys
import observatory.validate
from observatory import cli, i18n
with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):
    cli.main(["--help"])
print(i18n.catalogue.cache_info().currsize)
"""


def test_validate_and_help_read_no_catalogue_when_nothing_is_said():
    done = subprocess.run([sys.executable, "-c", STARTUP_PROBE], capture_output=True, text=True, cwd=REPO,
                          check=True)
    assert done.stdout.split()[-1] == "0", "a module builds a Text at import: make it where the text is said"
