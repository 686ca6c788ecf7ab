"""Review before publication and late entry (issue 26): with `review: true`, or for a closed period, a lead's
submission waits; the team returns it with a comment the lead reads, or approves it, and only then is it
imported (by `observatory import`'s code) and published. Every step is in the review log and the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from tests.helpers import snapshot

FIRST = "indicator,territory,date,value,source\ndevice-lifetime,bretagne,2022,39,Inventaire\n"
CORRECTED = "indicator,territory,date,value,source\ndevice-lifetime,bretagne,2022,3.9,Inventaire\n"


@pytest.fixture
def desk(root_copy, tmp_path):
    from observatory.leads import Leads
    from observatory.submission_page import SubmissionDesk

    secret = Leads.of(root_copy, tmp_path / "leads").create("alpha")
    return SubmissionDesk(root_copy, None, tmp_path / "leads"), secret


def _send(desk, secret, content: str):
    checked = desk.check("alpha", secret, "chiffres.csv", content.encode(), False)
    assert checked.ok, checked
    return desk.confirm("alpha", secret, "chiffres.csv", content.encode(), False, checked.token)


def _published(root) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted((root / "data" / "observations").glob("*.csv")))


def _history(root) -> list[dict]:
    with (root / "data" / "history.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


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
    assert [(h["action"], h["by"]) for h in _history(root_copy)] == [("submitted", "lead")]  # a step, not a figure
    assert reporting.status(root_copy, "2022")[0].set_index("coalition").loc["alpha", "missing"] == missing_before
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
    history = _history(root_copy)
    assert [(h["submission"], h["value"]) for h in history if h["action"] == "added"] == [(second, "3.9")]
    assert next(h for h in history if h["action"] == "added")["recorded_at"].startswith(second[:4])
    # ...and every review step of the figure, by which role, when, with the comment
    assert [(h["submission"], h["action"], h["by"], h["value"], h["comment"]) for h in history
            if h["action"] != "added"] == [
        (first, "submitted", "lead", "39", ""), (first, "returned", "team", "39", "39 ans ? Sans doute 3,9."),
        (second, "submitted", "lead", "3.9", ""), (second, "approved", "team", "3.9", "")]
    code, out, err = cli("history", "--root", root_copy, "--indicator", "device-lifetime", "--territory",
                         "bretagne", "--coalition", "alpha")
    assert code == 0, err
    shown = out[out.index("2022"):]
    for step in ("submitted", "returned", "approved"):
        assert step in shown
    assert "39 ans ? Sans doute 3,9." in shown and "team" in shown
    code, out, err = cli("--lang", "fr", "history", "--root", root_copy, "--indicator", "device-lifetime",
                         "--territory", "bretagne", "--coalition", "alpha")  # the same, all in French
    assert code == 0, err
    shown = " ".join(out[out.index("2022"):].split())
    assert "renvoyé par équipe : 39 (dépôt" in shown and "— commentaire : 39 ans ? Sans doute 3,9." in shown
    assert "validé par équipe" in shown and "déposé par responsable" in shown and "enregistré dans" in shown
    assert not any(word in shown for word in (" by ", "stored in", "comment:", "submission "))
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


def test_an_approval_stopped_anywhere_leaves_the_root_before_or_after_it(desk, root_copy, tmp_path, monkeypatch):
    """Approving imports the figures and records the approval: one commit, so that an approval stopped at any
    file operation leaves, once the next command has completed or cleared it, the root as it was before (still
    awaiting review, nothing published) or as a whole approval leaves it — never the figures published with the
    submission still 'submitted' (then approving again imported nothing and the review log lacked its line)."""
    import os
    import shutil

    from observatory import journal, review

    the_desk, secret = desk
    (root_copy / "data" / "programme.yml").write_text("review: true\n", encoding="utf-8")
    assert _send(the_desk, secret, CORRECTED).ok
    ident = review.every(root_copy)[0].id
    now = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.timezone.utc)
    before = snapshot(root_copy)

    whole = tmp_path / "whole"
    shutil.copytree(root_copy, whole)
    calls = {"n": 0}
    real_replace = os.replace

    def counted(src, dst):
        calls["n"] += 1
        real_replace(src, dst)

    monkeypatch.setattr(journal.os, "replace", counted)
    review.approve(whole, ident, tmp_path / "leads", now=now)
    monkeypatch.undo()
    after = snapshot(whole)
    assert after != before and calls["n"] >= 2

    for stop in range(1, calls["n"] + 1):
        root = tmp_path / f"stopped-{stop}"
        shutil.copytree(root_copy, root)
        seen = {"n": 0}

        def stopped(src, dst):
            seen["n"] += 1
            if seen["n"] == stop:
                raise KeyboardInterrupt  # the team's terminal closed at this very file operation
            real_replace(src, dst)

        monkeypatch.setattr(journal.os, "replace", stopped)
        with pytest.raises(KeyboardInterrupt):
            review.approve(root, ident, tmp_path / "leads", now=now)
        monkeypatch.undo()
        journal.recover(root)  # what the next command does first
        state = snapshot(root)
        assert state in (before, after), f"stopped at file operation {stop}: neither before nor after"
        if state == before:
            assert review.read(root, ident).state == "submitted"
        else:
            assert review.read(root, ident).state == "approved" and "3.9" in _published(root)


@pytest.mark.parametrize("shown", [False, True])
def test_the_programme_may_show_a_pending_figure_as_provisional_under_review(desk, root_copy, shown):
    """show_pending: true (off by default): a figure awaiting review is on the pages, marked « provisoire, en cours
    de revue » — its own markers and legend entry, the words in the chart's text alternative, a mark beside the
    target's latest value — and in the data package with its under_review mark; it counts in no progress."""
    from observatory import dashboard, results

    the_desk, secret = desk
    (root_copy / "data" / "programme.yml").write_text(
        "review: true\n" + ("show_pending: true\n" if shown else ""), encoding="utf-8")
    progress_before = results.from_root(root_copy).progress
    assert _send(the_desk, secret, CORRECTED).ok

    everything = results.from_root(root_copy)
    marked = everything.observations[everything.observations["under_review"]]
    assert [(r.indicator, r.territory, r.value) for r in marked.itertuples()] == (
        [("device-lifetime", "bretagne", 3.9)] if shown else [])
    assert everything.progress.equals(progress_before)  # not approved: no progress, compass or status moves
    package = results.table_csv("observations", everything.observations).decode()
    published = [(r["value"], r["dataset"], r["under_review"]) for r in csv.DictReader(io.StringIO(package))
                 if r["under_review"] == "True"]
    assert published == ([("3.9", "under-review", "True")] if shown else [])

    page = dashboard.coalition_page("alpha", "fr", root=str(root_copy))
    charts = [str(c) for c in page.timelines()]
    marked = [c for c in charts if "provisoire, en cours de revue" in c]
    assert len(marked) == (1 if shown else 0)  # the device-lifetime × Bretagne chart only
    if shown:
        assert "hourglass-open" in marked[0]  # its own marker, and its words in the text alternative:
        words = marked[0].split('class="small chart-summary"')[1]
        assert "provisoire, en cours de revue" in words and "3,9" in words
    table = str(page.targets_table())
    assert ("provisoire, en cours de revue : 3,9" in table) == shown


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_team_reads_what_it_reviews_by_the_names_the_site_gives(desk, root_copy, tmp_path, lang):
    """The listing names the coalition, indicator and territory as the pages do (the indicator's id beside its
    name, as the lead's file has it), in the page's language, not by the files' ids alone."""
    from observatory.leads import Leads
    from observatory.load import load_root
    from observatory.review_page import TEAM, ReviewDesk, pending_html

    the_desk, secret = desk
    (root_copy / "data" / "programme.yml").write_text("review: true\n", encoding="utf-8")
    assert _send(the_desk, secret, FIRST).ok
    team = Leads.of(root_copy, tmp_path / "leads").create(TEAM)
    review_desk = ReviewDesk(root_copy, tmp_path / "leads", lang)
    found, refused = review_desk.pending(team)
    assert refused == "" and len(found) == 1
    listed = pending_html(found, lang, review_desk.names)
    loaded = load_root(root_copy)
    name = lambda frame, ident: frame.set_index("id").loc[ident, f"name_{lang}"]  # noqa: E731
    assert f"<h3>{name(loaded.coalitions, 'alpha')} — " in listed
    assert f"<td>{name(loaded.indicators, 'device-lifetime')} (device-lifetime)</td>" in listed
    assert f"<td>{loaded.territories.set_index('id').loc['bretagne', 'name']}</td>" in listed
