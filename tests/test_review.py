"""Review before publication and late entry (issue 26): with `review: true`, or for a closed period, a lead's
submission waits; the team returns it with a comment the lead reads, or approves it, and only then is it
imported (by `observatory import`'s code) and published. Every step is in the review log and the audit log."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from tests.helpers import snapshot

FIRST = "indicator,territory,date,value,source\ndevice-lifetime,bretagne,2022,39,Inventaire\n"
CORRECTED = "indicator,territory,date,value,source\ndevice-lifetime,bretagne,2022,3.9,Inventaire\n"


@pytest.fixture
def desk(root_copy, tmp_path):
    from observatory.leads import Leads
    from observatory.submit import Desk

    secret = Leads.of(root_copy, tmp_path / "leads").create("alpha")
    return Desk(root_copy, None, tmp_path / "leads"), secret


def _send(desk, secret, content: str):
    checked = desk.check("alpha", secret, "chiffres.csv", content.encode(), False)
    assert checked.ok, checked
    return desk.confirm("alpha", secret, "chiffres.csv", content.encode(), False, checked.token)


def _published(root) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted((root / "data" / "observations").glob("*.csv")))


def _pending_id(cli, root) -> str:
    code, out, err = cli("review", "list", "--root", root)
    assert code == 0, err
    return out.split()[0]


def test_the_team_returns_then_approves_and_only_approved_figures_are_published(desk, root_copy, cli, tmp_path):
    from observatory import reporting
    from observatory.results import from_root

    the_desk, secret = desk
    (root_copy / "data" / "programme.yml").write_text("review: true\n", encoding="utf-8")
    published = _published(root_copy)
    missing_before = reporting.status(root_copy, "2022")[0].set_index("coalition").loc["alpha", "missing"]

    sent = _send(the_desk, secret, FIRST)
    assert sent.ok and "attendent la validation de l'équipe" in sent.message
    assert _published(root_copy) == published  # waiting: nothing applied
    assert not (root_copy / "data" / "history.csv").exists()
    code, out, _ = cli("review", "list", "--root", root_copy)
    assert "alpha" in out and "device-lifetime × bretagne 2022: — → 39" in out
    first = out.split()[0]

    before = snapshot(root_copy)
    code, _, err = cli("review", "return", first, "--root", root_copy, "--comment", "")
    assert code == 1 and "--comment: empty" in err and snapshot(root_copy) == before
    code, _, err = cli("review", "return", first, "--root", root_copy, "--comment",
                       "39 ans ? Sans doute 3,9.", "--leads-dir", tmp_path / "leads")
    assert code == 0, err
    mine = the_desk.mine("alpha", secret)
    assert any("renvoyé par l'équipe" in n and "39 ans ? Sans doute 3,9." in n for n in mine.notes)
    assert the_desk.mine("alpha", "pas-le-code").notes == []  # the comment only with the coalition's secret
    code, _, err = cli("review", "approve", first, "--root", root_copy)
    assert code == 1 and "found 'returned', expected a submission awaiting review" in err

    sent = _send(the_desk, secret, CORRECTED)
    assert sent.ok
    second = _pending_id(cli, root_copy)
    assert second != first
    code, _, err = cli("review", "approve", second, "--root", root_copy, "--leads-dir", tmp_path / "leads")
    assert code == 0 and "1 added" in err
    assert "device-lifetime,bretagne,2022,3.9,alpha,Inventaire" in _published(root_copy)
    assert "39," not in _published(root_copy).replace("2039", "")
    assert from_root(root_copy).observations.query("indicator == 'device-lifetime' and territory == 'bretagne'")[
        "value"].max() == 3.9
    after = reporting.status(root_copy, "2022")[0].set_index("coalition").loc["alpha", "missing"]
    assert after == missing_before - 1  # the completeness table moves

    # the history names the submission and the time the lead sent it; every step is in the review log
    with (root_copy / "data" / "history.csv").open(encoding="utf-8") as handle:
        history = list(csv.DictReader(handle))
    assert [(h["submission"], h["value"]) for h in history] == [(second, "3.9")]
    assert history[0]["recorded_at"].startswith(second[:4])
    with (root_copy / "data" / "submissions" / "reviews.csv").open(encoding="utf-8") as handle:
        steps = [(r["submission"], r["action"], r["by"]) for r in csv.DictReader(handle)]
    assert steps == [(first, "submitted", "lead"), (first, "returned", "team"), (second, "submitted", "lead"),
                     (second, "approved", "team")]
    events = [line["event"] for line in the_desk.leads.audit_lines()]
    assert events.count("submitted-for-review") == 2 and "returned" in events and "approved" in events
    code, out, err = cli("review", "list", "--root", root_copy)
    assert "no submission awaits review" in err


def test_late_entry_is_reviewed_whatever_the_setting(desk, root_copy, cli):
    the_desk, secret = desk
    # 2022 closed on 2023-06-29: a submission for it now is late and waits for the team
    (root_copy / "data" / "programme.yml").write_text(
        "review: false\nreporting: {frequency: yearly, due_days: 90, closing_days: 180}\n", encoding="utf-8")
    published = _published(root_copy)
    sent = _send(the_desk, secret, CORRECTED)
    assert sent.ok and "hors délai (période close)" in sent.message
    assert _published(root_copy) == published
    code, out, _ = cli("review", "list", "--root", root_copy)
    assert "LATE" in out and "periods 2022" in out


def test_with_review_off_a_submission_is_published_at_once(desk, root_copy):
    the_desk, secret = desk
    (root_copy / "data" / "programme.yml").write_text("review: false\n", encoding="utf-8")
    sent = _send(the_desk, secret, CORRECTED)
    assert sent.ok and "3.9" in _published(root_copy)
    assert not (root_copy / "data" / "submissions" / "pending").exists()
