"""``observatory remind``: an e-mail to each lead of a coalition that still owes figures for a period (issue 26).

Each message says what is missing (indicator, territory), the due date, and the link to the submission
page (``submission_url`` of the programme file); French, or English where the lead's ``lang`` is ``en``.
It never holds the coalition's secret (the team gives it once, by hand: ``observatory leads token``).

The server is the programme file's ``mail`` (host, port, starttls, user, sender); the password comes only
from the environment variable its ``password_env`` names, never from a file of the data root. Each message
sent is recorded in the leads' audit log (:mod:`observatory.leads`): the coalition, the period and how many
figures, never the address.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path

from observatory.errors import ObservatoryError, Text
from observatory.i18n import data_text, place_name, t


@dataclass
class Reminder:
    coalition: str
    to: str
    lang: str
    subject: str
    body: str
    missing: int


def reminders(root: Path, period: str) -> tuple[list[Reminder], list[str]]:
    """The messages to send for ``period``, and the coalitions with missing figures but no lead's e-mail."""
    from observatory import reporting
    from observatory.load import load_root

    _, expected, programme = reporting.status(root, period)
    loaded = load_root(root)
    missing = expected[expected["state"] == "missing"]
    coalitions = loaded.coalitions.set_index("id")
    indicators = loaded.indicators.set_index("id")
    places = loaded.territories.set_index("id")
    chosen = programme.period(period)
    out, unreachable = [], []
    for coalition, rows in missing.groupby("coalition"):
        profile = coalitions.loc[coalition]
        leads = [lead for lead in profile["leads"] if lead.get("email")]
        if not leads:
            unreachable.append(coalition)
            continue
        for lead in leads:
            lang = lead.get("lang") or "fr"
            name = data_text(profile, "name", lang)
            lines = []
            for row in rows.itertuples():
                indicator = indicators.loc[row.indicator] if row.indicator in indicators.index else None
                label = data_text(indicator, "name", lang) if indicator is not None \
                    else row.indicator
                place = place_name(places.loc[row.territory], lang) if row.territory in places.index \
                    else row.territory
                lines.append(f"- {label} — {place}")
            link = programme.submission_url or t("cycle.mail_no_link", lang)
            body = t("cycle.mail_body", lang, lead=lead["name"], coalition=name, period=period,
                     start=_day(chosen.start, lang), end=_day(chosen.end, lang), count=len(rows),
                     figures="\n".join(lines), due=_day(chosen.due, lang), link=link)
            subject = t("cycle.mail_subject", lang, period=period, coalition=name)
            out.append(Reminder(coalition, lead["email"], lang, subject, body, len(rows)))
    return out, unreachable


def _day(day, lang: str) -> str:
    return day.strftime("%d/%m/%Y") if lang == "fr" else day.isoformat()


def message(reminder: Reminder, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = formataddr(("Observatoire #Reset", sender))
    mail["To"] = reminder.to
    mail["Subject"] = reminder.subject
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mail["Content-Language"] = reminder.lang
    mail.set_content(reminder.body)
    return mail


def send(root: Path, period: str, leads_dir: Path | None = None, say=print,
         timeout: float = 30) -> int:
    """Send every reminder of ``period``; the number sent. Each one is audited as it goes."""
    from observatory import reporting
    from observatory.leads import Leads

    programme = reporting.load_programme(root)
    mail = programme.mail
    if not mail:
        raise ObservatoryError(Text("remind_no_mail", programme=reporting.PROGRAMME))
    password = None
    if mail.get("user"):
        password = os.environ.get(mail["password_env"])
        if not password:
            raise ObservatoryError(Text("remind_no_password", variable=mail["password_env"], user=mail["user"],
                                        host=mail["host"], programme=reporting.PROGRAMME))
    found, unreachable = reminders(root, period)
    for coalition in unreachable:
        say(Text("remind_unreachable", coalition=coalition, period=period))
    leads = Leads.of(root, leads_dir)
    sent = 0
    try:
        with smtplib.SMTP(mail["host"], mail["port"], timeout=timeout) as server:
            if mail["starttls"]:
                server.starttls(context=ssl.create_default_context())
            if mail.get("user"):
                server.login(mail["user"], password)
            for reminder in found:
                server.send_message(message(reminder, mail["sender"]))
                sent += 1
                leads.audit(reminder.coalition, "reminder-sent", f"period {period}: {reminder.missing} figure(s) "
                                                                 f"missing, in {reminder.lang}")
    except (OSError, smtplib.SMTPException) as exc:
        raise ObservatoryError(Text("remind_server_failed", host=mail["host"], port=mail["port"],
                                    error=f"{type(exc).__name__}: {exc}", sent=sent, count=len(found))) from None
    say(Text("remind_sent", count=sent, period=period))
    return sent


def dry_run(root: Path, period: str, say=print) -> int:
    """Print the reminders instead of sending them."""
    found, unreachable = reminders(root, period)
    for reminder in found:
        print(f"To: {reminder.to}\nSubject: {reminder.subject}\n\n{reminder.body}\n", flush=True)
    for coalition in unreachable:
        say(Text("remind_unreachable", coalition=coalition, period=period))
    say(Text("remind_dry_run", count=len(found), period=period))
    return len(found)
