"""The whole reporting cycle in Chromium on a real `observatory serve --submissions` (issue 26): a lead
submits; the team returns it with a comment on its review page; the lead reads the comment and submits
again; the team approves; the next build shows the figure and the completeness table moves."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.conftest import FIXTURE_ROOT, axe_violations
from tests.helpers import next_outcome, observatory, open_desk, send, served, snapshot

FIRST = "indicator,territory,date,value,source\ndevice-lifetime,bretagne,2022,39,Inventaire\n"
CORRECTED = "indicator,territory,date,value,source\ndevice-lifetime,bretagne,2022,3.9,Inventaire\n"


@pytest.fixture(scope="module")
def cycle_server(tmp_path_factory):
    work = tmp_path_factory.mktemp("cycle")
    root = work / "root"
    shutil.copytree(FIXTURE_ROOT, root)
    (root / "data" / "programme.yml").write_text("review: true\nreporting: {frequency: yearly, due_days: 90}\n",
                                                 encoding="utf-8")
    env = {"OBSERVATORY_LEADS_DIR": str(work / "leads"), "OBSERVATORY_CACHE_DIR": str(work / "cache"),
           "OBSERVATORY_NO_CACHE": ""}
    lead = observatory("leads", "token", "--root", str(root), "--coalition", "alpha", env=env)
    team = observatory("review", "token", "--root", str(root), env=env)
    assert lead.returncode == 0 and team.returncode == 0, (lead.stderr, team.stderr)
    with served(root, work / "serve.log", "--submissions", "--pool-size", "0", env=env) as running:
        yield {"base": running.base, "root": root, "secret": lead.stdout.strip(), "team": team.stdout.strip(),
               "env": env, "work": work}


def review_says(page, text: str) -> str:
    return page.wait_for_selector(f".review-outcome:has-text('{text}')", timeout=120000).inner_text()


def alpha_2022(html: str) -> list[str]:
    """The cells of the 2022 row of the coalition page's reporting table."""
    table = html[html.find("reporting") + 1:]
    row = re.search(r"<td>2022</td>(.*?)</tr>", table, re.S).group(1)
    return re.findall(r'<td class="num">(\d+)</td>', row)


@pytest.mark.browser
def test_the_whole_cycle_in_the_browser(cycle_server, page, browser, tmp_path):
    server, root = cycle_server, cycle_server["root"]
    published = snapshot(root / "data" / "observations")

    # the lead submits: checked, then kept for review, nothing published
    open_desk(page, server["base"])
    page.select_option("select", label="Coalition Alpha")
    table = page.wait_for_selector(".reporting", timeout=60000)  # the coalition's table, as its page shows it
    assert alpha_2022(table.inner_html()) == ["6", "2", "2", "0", "4"]  # expected, received, on time, late, missing
    said = send(page, server, "chiffres.csv", FIRST, server["secret"])
    assert "1 chiffre(s) à ajouter" in said
    page.click("button:has-text('Confirmer l\\'envoi')")
    assert "attendent la validation de l'équipe" in next_outcome(page)
    assert snapshot(root / "data" / "observations") == published

    # the team returns it with a comment, on its own page, behind its own secret
    team = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    team.goto(server["base"] + "/voila/render/review.ipynb", wait_until="commit", timeout=90000)
    team.wait_for_selector("text=Afficher les dépôts en attente", timeout=90000)
    team.fill("input[type=password]", server["secret"])  # the lead's secret does not open it
    team.click("button:has-text('Afficher les dépôts en attente')")
    assert "code incorrect" in review_says(team, "code incorrect")
    team.fill("input[type=password]", server["team"])
    team.click("button:has-text('Afficher les dépôts en attente')")
    listed = team.wait_for_selector(".review-item", timeout=60000).inner_text()
    assert "Coalition Alpha" in listed and "39" in listed and "Durée de vie moyenne des ordinateurs (device-lifetime)" in listed
    assert axe_violations(team) == []
    team.fill("textarea", "39 ans ? Sans doute 3,9.")
    team.click("button:has-text('Renvoyer avec le commentaire')")
    review_says(team, "renvoyé avec le commentaire")

    # the lead reads the comment and sends a corrected file
    page.click("button:has-text('Mes envois')")
    mine = next_outcome(page)
    assert "renvoyé par l'équipe" in mine and "39 ans ? Sans doute 3,9." in mine
    said = send(page, server, "chiffres-corriges.csv", CORRECTED, server["secret"])
    assert "1 chiffre(s) à ajouter" in said
    page.click("button:has-text('Confirmer l\\'envoi')")
    assert "attendent la validation de l'équipe" in next_outcome(page)

    # the team approves: imported, and the next build shows it
    team.click("button:has-text('Afficher les dépôts en attente')")
    listed = team.wait_for_selector(".review-item:has-text('chiffres-corriges.csv')", timeout=60000).inner_text()
    assert "3.9" in listed
    team.click("button:has-text('Valider')")
    assert "1 chiffre(s) ajouté(s)" in review_says(team, "validé")
    assert "device-lifetime,bretagne,2022,3.9,alpha,Inventaire" in \
        (root / "data" / "observations" / "alpha.csv").read_text(encoding="utf-8")
    site = tmp_path / "site"
    built = observatory("build", "--root", str(root), "--out", str(site), "--only", "coalition:alpha", "--lang", "fr",
                        env=server["env"])
    assert built.returncode == 0, built.stderr
    html = (site / "coalitions" / "alpha.html").read_text(encoding="utf-8")
    assert alpha_2022(html) == ["6", "3", "2", "1", "3"]  # received today, after 2022's due date: late
    assert "3,9" in html
    steps = (root / "data" / "submissions" / "reviews.csv").read_text(encoding="utf-8")
    assert steps.count(",submitted,lead,") == 2 and ",returned,team (page)," in steps \
        and ",approved,team (page)," in steps
    assert page.problems == [] and team.context.pages and page.outside_requests == []
