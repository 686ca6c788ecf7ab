"""Coalition leads' secrets under guessing: the guesser waits, the lead does not (observatory.leads).

The clock is passed in (``now``), so a day of attack takes no time; scrypt's cost is lowered where a test makes
thousands of checks (the rules counted here do not depend on it)."""

from __future__ import annotations

import datetime as dt

import pytest

from observatory import leads as leads_module
from observatory.leads import COALITION_BUDGET, Leads, SecretRefused

START = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def cheap(monkeypatch):
    monkeypatch.setattr(leads_module, "SCRYPT", {"n": 2**4, "r": 8, "p": 1})


@pytest.fixture
def alpha(tmp_path):
    """The leads of a root whose coalition alpha has a secret: (Leads, secret)."""
    leads = Leads.of(tmp_path / "root", tmp_path / "leads")
    return leads, leads.create("alpha")


def works(leads: Leads, secret: str, now: dt.datetime, source: str) -> bool:
    try:
        leads.check("alpha", secret, now, source=source)
    except SecretRefused:
        return False
    return True


def refused_count(leads: Leads, event: str) -> int:
    return sum(int(line["detail"].split(" ", 1)[0]) for line in leads.audit_lines() if line["event"] == event)


def test_five_wrong_secrets_from_one_page_do_not_keep_the_lead_out(alpha):
    leads, secret = alpha
    for second in (0, 0, 1, 3, 7):  # five wrong secrets from one page, each as soon as it may
        with pytest.raises(SecretRefused, match="wrong secret for coalition 'alpha'"):
            leads.check("alpha", "guess", START + dt.timedelta(seconds=second), source="attacker")
    now = START + dt.timedelta(seconds=7)
    assert works(leads, secret, now, "lead")  # the lead's page, at once (was: refused for 15 minutes)
    # the guessing page itself waits, longer after each wrong secret, and is told how long
    with pytest.raises(SecretRefused, match=r"from this page for coalition 'alpha': try again in \d+ s"):
        leads.check("alpha", secret, now, source="attacker")
    assert works(leads, secret, now + dt.timedelta(seconds=8), "attacker")  # 2^3 s after its fifth


def test_the_right_secret_works_within_a_minute_of_an_attack_stopping(cheap, alpha):
    leads, secret = alpha
    # ten minutes of guessing as fast as the desk allows, from a new page every time (a page is cheap to open)
    now, guesses = START, 0
    while now < START + dt.timedelta(minutes=10):
        try:
            leads.check("alpha", f"guess-{guesses}", now, source=f"page-{guesses}")
        except SecretRefused:
            pass
        guesses += 1
        now += dt.timedelta(seconds=0.5)
    stopped = now
    assert works(leads, secret, stopped + dt.timedelta(seconds=60), "lead")
    # and not a lock of 15 minutes: every wrong secret looked at was counted, and no more than the budget
    assert refused_count(leads, "refused-secret") <= 10 * COALITION_BUDGET


def test_a_day_of_one_wrong_secret_a_minute_never_keeps_the_lead_out(cheap, alpha):
    leads, secret = alpha
    tries = refused = 0
    for minute in range(24 * 60):
        now = START + dt.timedelta(minutes=minute)
        with pytest.raises(SecretRefused):
            leads.check("alpha", "guess", now, source=f"page-{minute}")
        if minute % 10 == 5:  # the lead, every ten minutes, from their own page
            tries += 1
            refused += not works(leads, secret, now + dt.timedelta(seconds=1), "lead")
    assert (tries, refused) == (144, 0)  # was 143 refused of 144


def test_guessing_gets_at_most_the_budget_a_minute(cheap, alpha):
    leads, secret = alpha
    looked_at = 0
    for tick in range(900):  # a try a second for a quarter of an hour, each from a new page
        now = START + dt.timedelta(seconds=tick)
        try:
            leads.check("alpha", f"guess-{tick}", now, source=f"page-{tick}")
        except SecretRefused as exc:
            looked_at += "wrong secret for coalition" in str(exc)
    # 15 × 30: 1,800 guesses an hour, against a secret of 144 random bits
    assert 14 * COALITION_BUDGET < looked_at <= 15 * COALITION_BUDGET
    assert refused_count(leads, "refused-secret") == looked_at
    assert refused_count(leads, "refused-busy") == 900 - looked_at


def test_refusals_are_counted_in_the_audit_and_the_audit_is_bounded(cheap, alpha, monkeypatch):
    leads, secret = alpha
    for tick in range(3_000):  # one page, guessing every 100 ms for 5 minutes
        with pytest.raises(SecretRefused):
            leads.check("alpha", "guess", START + dt.timedelta(seconds=tick / 10), source="attacker")
    lines = leads.audit_lines()
    refusals = [line for line in lines if line["event"].startswith("refused")]
    assert sum(int(line["detail"].split(" ", 1)[0]) for line in refusals) == 3_000
    assert len(refusals) <= 2 * 5  # one line per kind per minute (was one line per refusal: 20,000 took 1.2 MB)
    assert (leads.where / "audit.csv").stat().st_size < 2_000
    # every other event is a line: the file is rotated, the two together stay near twice the limit
    monkeypatch.setattr(leads_module, "AUDIT_MAX_BYTES", 10_000)
    for number in range(1_000):
        leads.audit("alpha", "checked", f"{number} to add, 0 to replace", START)
    sizes = [path.stat().st_size for path in leads.where.glob("audit.csv*")]
    assert len(sizes) == 2 and max(sizes) < 10_000 + 200
    assert leads.audit_lines()[-1]["detail"] == "999 to add, 0 to replace"
