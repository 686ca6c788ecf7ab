"""Coalition leads' secrets: who may submit figures for a coalition from the browser.

Each coalition gets a secret (``observatory leads token --coalition ID``), shown once to whoever
creates it and stored only as a salted scrypt hash. The secrets live outside the data root and
outside the published site: in ``$OBSERVATORY_LEADS_DIR``, else in the user's configuration folder
(``$XDG_CONFIG_HOME/reset-observatory/leads/<root>``, else ``~/.config/…``), one folder per data root.
The folder holds:

- ``secrets.json``: per coalition, the hash, its salt and when it was created (readable by its owner only);
- ``attempts.json``: the recent wrong secrets per coalition and per source (see :meth:`Leads.check`), and the
  refusals of the current minute, not yet in the audit;
- ``audit.csv``: every check, submission and undo, with the coalition and the time; no name, no address.
  Refusals are counted, one line per coalition, kind and minute; past :data:`AUDIT_MAX_BYTES` the file becomes
  ``audit.csv.1`` (the previous one dropped), so the two weigh at most about twice that.

**Guessing hurts the guesser, not the lead.** A *source* is one page of the submission desk (one kernel; the
command line passes none). After its n-th wrong secret in a row for a coalition (n ≥ 2), a source waits
2^(n-2) s (1, 2, 4 … at most :data:`MAX_DELAY`) before its next secret for that coalition is even looked at: a
lead who mistypes once does not wait, a page that guesses soon waits minutes, and other pages (the lead's)
are untouched.
All sources together get at most :data:`COALITION_BUDGET` wrong secrets per coalition per minute (pages are
cheap to open); past it, secrets for that coalition are refused until the minute has room again, so the right
secret works again within a minute of an attack stopping, and an attack slower than that never refuses it.
A secret is 144 random bits: at 1,800 guesses an hour (30 a minute), the chance of finding one in a century
is about 10^-34.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from observatory import atomic, root_csv
from observatory.errors import ObservatoryError, Text

COALITION_BUDGET = 30  # wrong secrets for one coalition, all sources together, within BUDGET_WINDOW
BUDGET_WINDOW = dt.timedelta(minutes=1)
MAX_DELAY = dt.timedelta(minutes=15)  # the longest a source waits between two secrets for a coalition
FORGET = dt.timedelta(minutes=30)  # a source's wrong secrets are forgotten this long after its last one
MAX_SOURCES = 100  # sources remembered per coalition
AUDIT_MAX_BYTES = 2**20  # audit.csv is rotated past this size
SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # about 50 ms a check: cheap for a lead, costly for a guesser
AUDIT_COLUMNS = ["at", "coalition", "event", "detail"]


class SecretRefused(ObservatoryError):
    """A wrong secret, no secret for the coalition, or too many recent attempts."""


def _whose(coalition: str) -> Text:
    """Whose secret was refused, as the message names it: a coalition, or the team's review page ("@review")."""
    return Text("secret_of_team") if coalition.startswith("@") else Text("secret_of_coalition", coalition=coalition)


def _minutes_or_seconds(wait: dt.timedelta) -> str:
    """A wait as both languages write it: "12 s", "3 min"."""
    seconds = max(1, int(-(-wait.total_seconds() // 1)))
    return f"{seconds} s" if seconds < 120 else f"{round(seconds / 60)} min"


def folder(root: Path) -> Path:
    """Where the secrets of this data root are kept (created on first use, private to its owner)."""
    base = os.environ.get("OBSERVATORY_LEADS_DIR")
    if base:
        return Path(base)
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    name = hashlib.blake2b(str(root.resolve()).encode(), digest_size=8).hexdigest()
    return config / "reset-observatory" / "leads" / f"{root.resolve().name}-{name}"


def check_outside(root: Path, where: Path) -> None:
    """Refuse a secrets folder inside the data root: its data/ is committed and shared, its reports/ published."""
    root_path, where_path = root.resolve(), where.resolve()
    if where_path == root_path or root_path in where_path.parents:
        raise ObservatoryError(Text("leads_inside_root", where=where, root=root_path, default=folder(root)))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _hash(secret: str, salt: bytes) -> str:
    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, maxmem=64 * 2**20, **SCRYPT).hex()


def _write_private(path: Path, content: bytes, durable: bool = True) -> None:
    atomic.replace_with(path, content, path.with_name(f".{path.name}.{os.getpid()}.tmp"), durable=durable,
                        mode=0o600, folder_mode=0o700)


def _read_json(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ObservatoryError(Text("leads_unreadable", path=path, error=exc)) from None
    return value if isinstance(value, dict) else {}


@dataclass
class Leads:
    """The secrets of one data root."""

    root: Path
    where: Path

    @classmethod
    def of(cls, root: Path, where: Path | None = None) -> Leads:
        where = where or folder(root)
        check_outside(root, where)
        return cls(root.resolve(), where)

    def _lock(self) -> FileLock:
        self.where.mkdir(parents=True, exist_ok=True, mode=0o700)
        return FileLock(str(self.where / ".lock"))

    def create(self, coalition: str) -> str:
        """A new secret for the coalition (the previous one stops working). Returned once, stored hashed."""
        secret = secrets.token_urlsafe(18)
        salt = secrets.token_bytes(16)
        with self._lock():
            stored = _read_json(self.where / "secrets.json")
            stored[coalition] = {"scrypt": _hash(secret, salt), "salt": salt.hex(), **SCRYPT,
                                 "created": _now().isoformat()}
            _write_private(self.where / "secrets.json",
                           json.dumps(stored, indent=1, sort_keys=True).encode("utf-8"))
            attempts = self._attempts()
            attempts["coalitions"].pop(coalition, None)
            self._save_attempts(attempts)
        self.audit(coalition, "secret-created")
        return secret

    def has_secret(self, coalition: str) -> bool:
        return coalition in _read_json(self.where / "secrets.json")

    def coalitions_with_secret(self) -> list[str]:
        return sorted(_read_json(self.where / "secrets.json"))

    def check(self, coalition: str, secret: str, now: dt.datetime | None = None, source: str = "") -> None:
        """Pass if ``secret`` is the coalition's; raise :class:`SecretRefused` otherwise (a
        catalogue text: the page says it in its reader's language).

        Compared in constant time. ``source``: who is asking (a page of the desk), whose wrong secrets make it
        alone wait longer and longer; all sources share a budget per coalition per minute (see the module).
        ``now``: the clock (tests).
        """
        now = now or _now()
        with self._lock():
            attempts = self._attempts()
            self._flush_tally(attempts, now)
            state = _coalition_state(attempts, coalition, now)
            if coalition in attempts["coalitions"]:
                attempts["coalitions"][coalition] = state  # the minute and the sources gone by, forgotten
            mine = state["sources"].get(source)
            if mine and now < dt.datetime.fromisoformat(mine["next"]):
                wait = _minutes_or_seconds(dt.datetime.fromisoformat(mine["next"]) - now)
                self._tally(attempts, coalition, "refused-wait", source, now)
                raise SecretRefused(Text("secret_wait_page", whose=_whose(coalition), wait=wait))
            if len(state["wrong"]) >= COALITION_BUDGET:
                wait = _minutes_or_seconds(dt.datetime.fromisoformat(state["wrong"][0]) + BUDGET_WINDOW - now)
                self._tally(attempts, coalition, "refused-busy", source, now)
                raise SecretRefused(Text("secret_wait_coalition", whose=_whose(coalition), wait=wait))
            entry = _read_json(self.where / "secrets.json").get(coalition)
            good = False
            if entry:
                given = _hash(secret or "", bytes.fromhex(entry["salt"]))
                good = hmac.compare_digest(given, entry["scrypt"])
            if good:
                if state["sources"].pop(source, None) is not None:  # the lead typed it right: no more waiting
                    self._save_attempts(attempts)
                return
            if entry:  # nothing to guess without a secret: nothing to count
                failures = (mine or {}).get("failures", 0) + 1
                # a first mistype costs nothing; then 1, 2, 4 … s
                delay = min(MAX_DELAY, dt.timedelta(seconds=2 ** min(failures - 2, 20))) if failures > 1 \
                    else dt.timedelta(0)
                state["sources"][source] = {"failures": failures, "last": now.isoformat(),
                                            "next": (now + delay).isoformat()}
                state["wrong"].append(now.isoformat())
                attempts["coalitions"][coalition] = state
            self._tally(attempts, coalition, "refused-secret" if entry else "refused-no-secret", source, now)
        if not entry:
            raise SecretRefused(Text("secret_none", whose=_whose(coalition)))
        if not delay:
            raise SecretRefused(Text("secret_wrong", whose=_whose(coalition)))
        raise SecretRefused(Text("secret_wrong_wait", whose=_whose(coalition), wait=_minutes_or_seconds(delay)))

    # --- attempts and the audit -----------------------------------------------------------------------

    def _attempts(self) -> dict:
        stored = _read_json(self.where / "attempts.json")
        if not isinstance(stored.get("coalitions"), dict) or not isinstance(stored.get("tally"), dict):
            return {"coalitions": {}, "tally": {}}  # none yet, or the former format (a list per coalition)
        return stored

    def _save_attempts(self, attempts: dict) -> None:
        # Not synced: written at every refusal, and a power cut that loses the last ones costs nothing.
        _write_private(self.where / "attempts.json", json.dumps(attempts, sort_keys=True).encode("utf-8"),
                       durable=False)

    def _tally(self, attempts: dict, coalition: str, event: str, source: str, now: dt.datetime) -> None:
        """Count a refusal in its minute (written to the audit once the minute is over); save the attempts."""
        minute = now.replace(second=0, microsecond=0).isoformat()
        count = attempts["tally"].setdefault(json.dumps([minute, coalition, event]), {"count": 0, "sources": []})
        count["count"] += 1
        if source not in count["sources"] and len(count["sources"]) < 100:
            count["sources"].append(source)
        self._save_attempts(attempts)

    def _flush_tally(self, attempts: dict, now: dt.datetime | None, everything: bool = False) -> None:
        """The refusals of minutes gone by, one audit line each: how many, from how many sources."""
        minute = (now or _now()).replace(second=0, microsecond=0).isoformat()
        done = sorted(key for key in attempts["tally"] if everything or json.loads(key)[0] < minute)
        for key in done:
            at, coalition, event = json.loads(key)
            count = attempts["tally"].pop(key)
            sources = len(count["sources"])
            self._append_audit([at, coalition, event, f"{count['count']} in the minute, from "
                                f"{'100+' if sources >= 100 else sources} source(s)"])
        if done:
            self._save_attempts(attempts)

    def audit(self, coalition: str, event: str, detail: str = "", now: dt.datetime | None = None) -> None:
        """One line in audit.csv: when, which coalition, what happened (never who, nor from where)."""
        with self._lock():
            attempts = self._attempts()
            self._flush_tally(attempts, now, everything=True)  # the refusals before it, in order
            self._append_audit([(now or _now()).isoformat(), coalition, event, detail])

    def _append_audit(self, row: list[str]) -> None:
        path = self.where / "audit.csv"
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_size >= AUDIT_MAX_BYTES:
                os.replace(path, path.with_name(path.name + ".1"))
        lines = ("" if path.exists() else root_csv.line(list(AUDIT_COLUMNS))) + root_csv.line([str(c) for c in row])
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            handle.write(lines)

    def audit_lines(self) -> list[dict]:
        """Every line of the audit, the rotated file's first, the refusals not yet written included."""
        with self._lock():
            attempts = self._attempts()
            self._flush_tally(attempts, None, everything=True)
        lines = []
        for path in (self.where / "audit.csv.1", self.where / "audit.csv"):
            if path.exists():
                with path.open(encoding="utf-8", newline="") as handle:
                    lines.extend(csv.DictReader(handle))
        return lines


def _coalition_state(attempts: dict, coalition: str, now: dt.datetime) -> dict:
    """The coalition's wrong secrets of the last minute and its sources' delays, the ones gone by forgotten."""
    state = attempts["coalitions"].get(coalition) or {}
    wrong = [at for at in state.get("wrong", []) if now - dt.datetime.fromisoformat(at) < BUDGET_WINDOW]
    recent = sorted(((mine["last"], source, mine) for source, mine in (state.get("sources") or {}).items()
                     if now - dt.datetime.fromisoformat(mine["last"]) < FORGET), reverse=True)
    # The most recent MAX_SOURCES only: a guesser opening page after page gains nothing from its pages' delays
    # anyway (the budget bounds it), and the file stays small.
    sources = {source: mine for _, source, mine in recent[:MAX_SOURCES]}
    return {"wrong": wrong, "sources": sources}
