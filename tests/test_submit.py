"""« Déposer des chiffres / Submit figures »: a lead's file sent from the browser, through `observatory import`'s
own code. A real `observatory serve --submissions` driven in Debian's Chromium, and the desk's rules without a
browser (secrets, attempts, refusals that write nothing)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_ROOT, axe_violations, screenshot
from tests.helpers import choose, next_outcome, observatory, open_desk, send, served, snapshot

GOOD = ("indicator,territory,date,value,source,comment\n"
        "people-trained,rennes,2021-12-31,300,Registre 2021,\n"
        "device-lifetime,bretagne,2022-06-30,3.9,Inventaire,\n")
THREE_BAD = ("indicator,territory,date,value,source\n"
             "people-trained,rennes,2021-12-31,mille deux cents,Registre\n"
             "people-trained,atlantis,2021-12-31,300,Registre\n"
             "device-lifetime,bretagne,2022-06-30,3.9,Inventaire\n"
             "people-trained,rennes,31/02/2021,12,Registre\n")
# An unquoted decimal comma: the value split in two cells (issue 22: the message validate gives).
SPLIT_VALUE = ("indicator,territory,date,value,source,comment\n"
               "device-lifetime,bretagne,2022-06-30,3,9,Inventaire,mi-année\n")
OTHER_COALITION = ("indicator,territory,date,value,source,coalition\n"
                   "people-trained,rennes,2021-12-31,300,Registre,beta\n")


# --- the page, in a real browser ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def desk_server(tmp_path_factory):
    """`observatory serve --submissions` on a copy of the fixture root, the cache on (as leads would have it)."""
    work = tmp_path_factory.mktemp("submit")
    root = work / "root"
    shutil.copytree(FIXTURE_ROOT, root)
    env = {"OBSERVATORY_LEADS_DIR": str(work / "leads"), "OBSERVATORY_CACHE_DIR": str(work / "cache"),
           "OBSERVATORY_NO_CACHE": ""}
    made = observatory("leads", "token", "--root", str(root), "--coalition", "alpha", env=env)
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    with served(root, work / "serve.log", "--submissions", "--pool-size", "0", env=env) as running:
        yield {"base": running.base, "root": root, "secret": secret, "leads": work / "leads", "log": running.log,
               "files": work}


@pytest.mark.browser
def test_a_lead_submits_in_the_browser_and_every_refusal_writes_nothing(desk_server, page):
    server, root = desk_server, desk_server["root"]
    open_desk(page, server["base"])
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert axe_violations(page) == []
    before = snapshot(root)

    # a wrong secret: refused before the file is even read
    said = send(page, server, "chiffres.csv", GOOD, "pas-le-bon-code")
    assert "code incorrect pour la coalition « alpha »" in said
    assert snapshot(root) == before

    # a file for another coalition: the CLI's message, row and column
    said = send(page, server, "beta.csv", OTHER_COALITION, server["secret"])
    assert "beta.csv, ligne 2, colonne 'coalition' : trouvé 'beta', attendu 'alpha'" in said
    assert snapshot(root) == before

    # three bad rows: each one with its spreadsheet row and column, as `observatory import` words it, in French
    said = send(page, server, "trois-erreurs.csv", THREE_BAD, server["secret"])
    assert "3 problème(s) dans le fichier : rien n'a été écrit" in said
    assert ("trois-erreurs.csv, ligne 2, colonne 'value' : trouvé 'mille deux cents', attendu un nombre écrit avec "
            "un point décimal et sans séparateur de milliers, par exemple 1234.5") in said
    assert "trois-erreurs.csv, ligne 3, colonne 'territory' : trouvé 'atlantis'" in said
    assert "trois-erreurs.csv, ligne 5, colonne 'date' : trouvé '31/02/2021'" in said
    assert "found" not in said and "expected" not in said
    assert page.locator("button:has-text('Confirmer l\\'envoi')").is_disabled()
    assert snapshot(root) == before
    cli = observatory("--lang", "fr", "import", "--root", str(root),
                      str(_written(server, "trois-erreurs.csv", THREE_BAD)), "--coalition", "alpha")
    for line in cli.stderr.splitlines()[:-1]:  # the same lines as the command (less its last, the count)
        assert line in said, line

    # one mistake, one message: an unquoted 3,9 is told as `observatory validate` tells it
    said = send(page, server, "virgule.csv", SPLIT_VALUE, server["secret"])
    assert ("virgule.csv, ligne 2, colonne 'value' : trouvé '3,9', attendu pas plus de cellules que les 6 colonnes "
            "de l'en-tête (une virgule décimale ? écrivez 3.9 ou mettez la cellule entre guillemets)") in said
    assert snapshot(root) == before

    # a good file: a preview, nothing written until confirmed
    said = send(page, server, "chiffres.csv", GOOD, server["secret"])
    assert "2 chiffre(s) à ajouter, 0 à remplacer" in said
    rows = page.locator("table.preview tbody tr")
    # the names the site shows (the file's id beside the indicator's), not only ids
    assert rows.count() == 2 and "Personnes formées au numérique (people-trained)" in rows.nth(0).inner_text()
    assert "\tRennes\t" in rows.nth(0).inner_text()
    assert snapshot(root) == before
    assert axe_violations(page) == []
    screenshot(page, "submit-preview-fr")
    # while « Enregistrement en cours… » shows, « Confirmer l'envoi » can't be clicked again
    page.evaluate("""() => {
      window.confirmWhileBusy = [];
      new MutationObserver(() => {
        if (!document.querySelector('.submit-busy')) return;
        const button = [...document.querySelectorAll('button')].find(b => b.textContent.includes("Confirmer l'envoi"));
        window.confirmWhileBusy.push(button.disabled);
      }).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
    }""")
    page.click("button:has-text('Confirmer l\\'envoi')")
    done = next_outcome(page)
    seen = page.evaluate("window.confirmWhileBusy")
    assert seen and all(seen), seen
    assert "Enregistré : 2 chiffre(s) ajouté(s)" in done
    assert "coalition:alpha" in done and "territory:rennes" in done and "programme" in done
    screenshot(page, "submit-done-fr")
    alpha = (root / "data" / "observations" / "alpha.csv").read_text(encoding="utf-8")
    assert "people-trained,rennes,2021-12-31,300,alpha,Registre 2021" in alpha
    kept = list((root / "data" / "submissions" / "alpha").glob("*.csv"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == GOOD
    history = (root / "data" / "history.csv").read_text(encoding="utf-8")
    assert history.count("chiffres.csv") == 2
    events = (server["leads"] / "audit.csv").read_text(encoding="utf-8")
    assert ",alpha,refused-secret," in events and ",alpha,submitted," in events
    # the secret is nowhere in the data root, only its hash beside the audit
    assert not any(server["secret"].encode() in p.read_bytes() for p in root.rglob("*") if p.is_file())
    assert server["secret"] not in (server["leads"] / "secrets.json").read_text()

    # undo, from the same page: its label whole, and it asks first, naming what it would take back and when
    undo = page.locator("button:has-text('Annuler mon dernier dépôt')")
    assert undo.evaluate("b => b.scrollWidth <= b.clientWidth"), "the undo button's label is cut"
    undo.click()
    asked = next_outcome(page)
    assert "Annuler le dépôt de chiffres.csv du " in asked and "(heure de Paris, UTC+" in asked, asked
    assert "300" in (root / "data" / "observations" / "alpha.csv").read_text(encoding="utf-8")  # nothing yet
    page.click("button:has-text('Non, le garder')")
    assert "Rien n'a été annulé" in next_outcome(page)
    assert "300" in (root / "data" / "observations" / "alpha.csv").read_text(encoding="utf-8")
    undo.click()
    next_outcome(page)
    page.click("button:has-text('Oui, annuler ce dépôt')")
    undone = next_outcome(page)
    assert "Dépôt annulé" in undone and "(heure de Paris, UTC+" in undone
    assert "300" not in (root / "data" / "observations" / "alpha.csv").read_text(encoding="utf-8")
    assert page.problems == [] and page.outside_requests == []


# A browser cannot be made to fail reading a file it was given (as root, every file is readable): the page's
# reading of the file named so fails as a moved or protected file's would.
UNREADABLE = """(() => {
  const read = Blob.prototype.arrayBuffer;
  File.prototype.arrayBuffer = function () {
    return this.name === "illisible.csv" ? Promise.reject(new DOMException("gone", "NotReadableError"))
                                         : read.call(this);
  };
})();"""


@pytest.mark.browser
def test_a_file_too_large_or_unreadable_clears_the_choice_and_says_why(desk_server, page):
    """Check a good file A, then choose a file B of 12.6 MB: B was dropped without a word (over Voilà's websocket
    limit) and Check then Confirm imported A. A refused choice now leaves no file chosen, and says why."""
    from observatory.submission_page import MAX_UPLOAD

    server, root = desk_server, desk_server["root"]
    page.add_init_script(UNREADABLE)
    open_desk(page, server["base"])
    before = snapshot(root)
    confirm = page.locator("button:has-text('Confirmer l\\'envoi')")
    for name, size in (("gros.csv", 12_600_000), ("moyen.csv", 6_000_000), ("illisible.csv", len(GOOD))):
        said = send(page, server, "chiffres.csv", GOOD, server["secret"])  # file A, checked: a preview
        assert "2 chiffre(s) à ajouter" in said and confirm.is_enabled()
        choose(page, name, GOOD + "x" * (size - len(GOOD)))  # file B
        said = next_outcome(page)
        if name == "illisible.csv":
            assert "Fichier illisible : illisible.csv n'a pas pu être lu par le navigateur" in said
        else:
            assert f"Fichier trop volumineux : {name} ({size:,} octets, au plus {MAX_UPLOAD // 2**20} Mo" in said
        assert "Aucun fichier n'est choisi" in said
        page.wait_for_selector(".submit-form >> text=Aucun fichier choisi.")
        assert confirm.is_disabled()
        page.click("button:has-text('Vérifier le fichier')")
        assert "Aucun fichier choisi." in next_outcome(page)  # not file A
        assert snapshot(root) == before
    # after a refusal, a good file goes through as before
    assert "2 chiffre(s) à ajouter" in send(page, server, "chiffres.csv", GOOD, server["secret"])
    assert page.problems == [] and page.outside_requests == []


def _written(server, name: str, content: str) -> Path:
    path = server["files"] / name
    path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.browser
def test_the_page_speaks_english_when_asked(desk_server, page):
    open_desk(page, desk_server["base"])
    page.click("button:has-text('English')")
    page.wait_for_selector("text=Check the file")
    assert page.locator("text=Submit figures").count() >= 1
    page.keyboard.press("Tab")  # reachable by keyboard: the focus moves into the form
    assert page.evaluate("document.activeElement && document.activeElement.tagName") in ("BUTTON", "SELECT", "INPUT",
                                                                                         "A")
    assert axe_violations(page) == []
    screenshot(page, "submit-en")


def test_the_language_switch_offers_every_language_named_in_itself(root_copy, tmp_path):
    from observatory.i18n import LANGS
    from observatory.submission_page import app

    choice = app("en", root=str(root_copy), leads_dir=str(tmp_path / "leads")).children[0]
    assert choice.value == "en"
    assert list(choice.options) == [("Français", "fr"), ("English", "en")][:len(LANGS)]
    assert [code for _, code in choice.options] == list(LANGS)


def test_without_submissions_there_is_no_upload_page(tmp_path):
    from observatory.serve import notebooks_served

    served = notebooks_served(tmp_path / "off", submissions=False)
    assert "submit.ipynb" not in {p.name for p in served.iterdir()}
    assert "explorer.ipynb" in {p.name for p in served.iterdir()}
    assert "submit.ipynb" in {p.name for p in notebooks_served(tmp_path / "on", submissions=True).iterdir()}


# --- the desk's rules, without a browser ------------------------------------------------------------

@pytest.fixture
def desk(root_copy, tmp_path):
    from observatory.leads import Leads
    from observatory.submission_page import SubmissionDesk

    secret = Leads.of(root_copy, tmp_path / "leads").create("alpha")
    return SubmissionDesk(root_copy, None, tmp_path / "leads"), secret


def test_a_secret_is_stored_hashed_and_guessing_is_refused(desk, root_copy):
    from observatory.submission_page import SubmissionDesk

    the_desk, secret = desk
    stored = json.loads((the_desk.leads.where / "secrets.json").read_text())
    assert secret not in json.dumps(stored) and set(stored) == {"alpha"}
    assert oct((the_desk.leads.where / "secrets.json").stat().st_mode & 0o777) == "0o600"
    for _ in range(4):  # the fourth makes this page wait 4 s
        assert "incorrect" in the_desk.check("alpha", "guess", "a.csv", GOOD.encode(), False).message
    # the page that guessed waits (tests in tests/test_leads.py); another page, the lead's, does not
    assert "depuis cette page pour la coalition « alpha » : réessayez dans" in the_desk.check(
        "alpha", secret, "a.csv", GOOD.encode(), False).message
    lead = SubmissionDesk(root_copy, None, the_desk.leads.where, source="the lead's page")
    assert lead.check("alpha", secret, "chiffres.csv", GOOD.encode(), False).ok
    with pytest.raises(Exception, match="has no secret yet"):
        the_desk.leads.check("beta", secret)


def test_bad_files_get_the_cli_messages_and_write_nothing(desk, root_copy):
    from observatory.submission_page import MAX_UPLOAD

    the_desk, secret = desk
    before = snapshot(root_copy)
    # the desk speaks French unless told otherwise (issue 22: the page's messages in its language)
    cases = {
        "notes.pdf": (b"%PDF-1.4", "attendu un classeur .xlsx ou un fichier .csv"),
        "big.csv": (b"x" * (MAX_UPLOAD + 1), "attendu au plus 5,242,880 octets"),
        "binary.xlsx": (b"\x00\x01garbage", "pas un classeur .xlsx"),
    }
    for name, (content, expected) in cases.items():
        outcome = the_desk.check("alpha", secret, name, content, False)
        assert not outcome.ok and any(expected in p for p in outcome.problems), (name, outcome)
    assert snapshot(root_copy) == before


def test_a_confirmation_needs_the_same_file_checked_on_the_same_data(desk, root_copy):
    the_desk, secret = desk
    content = GOOD.encode()
    checked = the_desk.check("alpha", secret, "chiffres.csv", content, False)
    assert checked.ok and checked.token
    before = snapshot(root_copy)
    other = the_desk.confirm("alpha", secret, "chiffres.csv", content.replace(b"300", b"301"), False, checked.token)
    assert not other.ok and snapshot(root_copy) == before
    # the data changed between the check and the confirmation (another submission): nothing written
    figures = root_copy / "data" / "observations" / "figures.csv"
    figures.write_bytes(figures.read_bytes().replace(b"\n", b"\r\n"))
    changed = snapshot(root_copy)
    late = the_desk.confirm("alpha", secret, "chiffres.csv", content, False, checked.token)
    # said in the page's language (French here), not in both glued together
    assert not late.ok and "les données ont changé depuis la vérification" in " ".join(late.problems)
    assert "the data changed" not in " ".join(late.problems)
    assert snapshot(root_copy) == changed


def test_undo_asks_first_and_undoes_only_the_submission_it_named(desk, root_copy):
    """The page asks before undoing (which file, sent when, in Paris time with its offset); if another
    submission of the coalition came between the question and the « yes », nothing is undone."""
    the_desk, secret = desk
    assert not the_desk.undo_question("alpha", secret).token  # nothing to undo yet
    first = "indicator,territory,date,value,source\npeople-trained,rennes,2031-12-31,300,R\n"
    second = "indicator,territory,date,value,source\npeople-trained,rennes,2032-12-31,310,R\n"
    for name, content in (("premier.csv", first),):
        checked = the_desk.check("alpha", secret, name, content.encode(), False)
        assert the_desk.confirm("alpha", secret, name, content.encode(), False, checked.token).ok
    asked = the_desk.undo_question("alpha", secret)
    assert "Annuler le dépôt de premier.csv du " in asked.message and "(heure de Paris, UTC+" in asked.message
    assert "2031-12-31,300" in (root_copy / "data" / "observations" / "alpha.csv").read_text()  # only asked
    checked = the_desk.check("alpha", secret, "second.csv", second.encode(), False)
    assert the_desk.confirm("alpha", secret, "second.csv", second.encode(), False, checked.token).ok
    before = snapshot(root_copy)
    late = the_desk.undo("alpha", secret, expected=asked.token[2])
    assert not late.ok and "un autre dépôt de la coalition est arrivé" in late.message
    assert snapshot(root_copy) == before
    asked = the_desk.undo_question("alpha", secret)
    assert "second.csv" in asked.message
    assert the_desk.undo("alpha", secret, expected=asked.token[2]).ok
    assert "2032-12-31" not in (root_copy / "data" / "observations" / "alpha.csv").read_text()


@pytest.mark.parametrize("lang, says, never", [
    ("fr", ["code incorrect pour la coalition « alpha »", "la coalition « beta » n'a pas encore de code",
            "code incorrect pour la page de revue de l'équipe"], ["wrong secret", "no secret", "review page"]),
    ("en", ["wrong secret for coalition 'alpha'", "coalition 'beta' has no secret yet",
            "wrong secret for the team's review page"], ["code incorrect", "pas encore", "revue"]),
])
def test_a_refused_secret_is_said_in_the_page_language_only(root_copy, tmp_path, lang, says, never):
    """A lead on the French page reads French, on the English page English — not both glued together."""
    from observatory.leads import Leads
    from observatory.review_page import TEAM, ReviewDesk
    from observatory.submission_page import SubmissionDesk

    Leads.of(root_copy, tmp_path / "leads").create("alpha")
    Leads.of(root_copy, tmp_path / "leads").create(TEAM)
    lead_page = SubmissionDesk(root_copy, None, tmp_path / "leads", lang)
    said = [lead_page.check("alpha", "guess", "a.csv", GOOD.encode(), False).message,
            lead_page.check("beta", "guess", "a.csv", GOOD.encode(), False).message,
            ReviewDesk(root_copy, tmp_path / "leads", lang).pending("guess")[1]]
    for message, expected in zip(said, says):
        assert expected in message
        assert not any(word in message for word in never), message
