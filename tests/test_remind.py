"""Reminders (issue 26): `observatory remind` writes to each lead of a coalition with missing figures, through
a real SMTP server (aiosmtpd, on 127.0.0.1, started by the test), in French or English, never with a secret."""

from __future__ import annotations

import email
import email.policy

import pytest

from tests.helpers import free_port

PASSWORD = "mot-de-passe-smtp"


@pytest.fixture
def smtp_server():
    """A real SMTP server that keeps what it receives; it asks for the user's password (AUTH PLAIN/LOGIN)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    class Keep:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            self.messages.append((list(envelope.rcpt_tos), envelope.content))
            return "250 OK"

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"observatoire" and auth_data.password == PASSWORD.encode()
        return AuthResult(success=ok)

    handler = Keep()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, authenticator=authenticate,
                            auth_require_tls=False)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _setup(root, port: int) -> str:
    from observatory.leads import Leads

    (root / "data" / "programme.yml").write_text(
        "reporting: {frequency: yearly, due_days: 90}\n"
        "submission_url: https://observatoire.example.org/live/voila/render/submit.ipynb\n"
        f"mail: {{host: 127.0.0.1, port: {port}, starttls: false, user: observatoire, "
        "password_env: OBSERVATORY_TEST_SMTP, sender: observatoire@example.org}\n", encoding="utf-8")
    alpha = root / "data" / "coalitions" / "alpha.yml"
    alpha.write_text(alpha.read_text(encoding="utf-8").replace(
        "  - Association Exemple\n",
        "  - {name: Sam Example, organisation: Example Ltd, email: sam@example.org, lang: en}\n"), encoding="utf-8")
    return Leads.of(root, root.parent / "leads").create("alpha")


def test_reminders_reach_a_real_smtp_server_in_french_and_english(root_copy, cli, smtp_server, monkeypatch):
    handler, port = smtp_server
    secret = _setup(root_copy, port)
    monkeypatch.setenv("OBSERVATORY_TEST_SMTP", PASSWORD)
    code, _, err = cli("remind", "--root", root_copy, "--period", "2022", "--leads-dir", root_copy.parent / "leads")
    assert code == 0, err
    assert "2 reminder(s) sent for 2022" in err
    assert "coalition beta: figures missing for 2022, but no lead has an e-mail address" in err
    received = {to[0]: email.message_from_bytes(content, policy=email.policy.default) for to, content in
                handler.messages}
    assert set(received) == {"camille@example.org", "sam@example.org"}
    french, english = received["camille@example.org"], received["sam@example.org"]
    assert french["Subject"] == "[Observatoire #Reset] Chiffres attendus pour 2022 — Coalition Alpha"
    body = french.get_content()
    assert "Bonjour Camille Exemple," in body and "Date limite : 31/03/2023." in body
    assert "- Durée de vie moyenne des ordinateurs — Bretagne" in body
    assert "https://observatoire.example.org/live/voila/render/submit.ipynb" in body
    assert english["Subject"] == "[#Reset observatory] Figures due for 2022 — Alpha coalition"
    body_en = english.get_content()
    assert "Hello Sam Example," in body_en and "Due date: 2023-03-31." in body_en
    assert "- Average computer lifetime — Brittany" in body_en or "- Average computer lifetime — Bretagne" in body_en
    for message in (french, english):
        raw = message.as_string()
        assert secret not in raw and PASSWORD not in raw
    from observatory.leads import Leads

    audit = [line for line in Leads.of(root_copy, root_copy.parent / "leads").audit_lines()
             if line["event"] == "reminder-sent"]
    assert len(audit) == 2 and all("period 2022" in line["detail"] for line in audit)
    assert not any("@" in line["detail"] for line in audit)  # never an address in the audit log


def test_a_dry_run_prints_and_sends_nothing_and_a_missing_password_is_said(root_copy, cli, smtp_server,
                                                                           monkeypatch):
    handler, port = smtp_server
    _setup(root_copy, port)
    code, out, err = cli("remind", "--root", root_copy, "--period", "2022", "--dry-run")
    assert code == 0 and "To: sam@example.org" in out and "Subject: [#Reset observatory]" in out
    assert "2 reminder(s) for 2022 (dry run: nothing sent)" in err
    monkeypatch.delenv("OBSERVATORY_TEST_SMTP", raising=False)
    code, _, err = cli("remind", "--root", root_copy, "--period", "2022")
    assert code == 1 and "$OBSERVATORY_TEST_SMTP: empty, expected the password of observatoire" in err
    assert handler.messages == []
    monkeypatch.setenv("OBSERVATORY_TEST_SMTP", PASSWORD)
    closed = free_port()  # no server there: said in one line, exit 1
    programme = root_copy / "data" / "programme.yml"
    programme.write_text(programme.read_text().replace(f"port: {port}", f"port: {closed}"))
    code, _, err = cli("remind", "--root", root_copy, "--period", "2022", "--leads-dir", root_copy.parent / "leads")
    assert code == 1 and f"mail server 127.0.0.1:{closed}: ConnectionRefusedError" in err
    assert "0 of 2 reminder(s) sent before it failed" in err
    assert handler.messages == []
