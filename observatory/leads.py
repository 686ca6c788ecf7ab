"""Coalition leads' secrets: who may submit figures for a coalition from the browser.

Each coalition gets a secret (``observatory leads token --coalition ID``), shown once to whoever
creates it and stored only as a salted scrypt hash. The secrets live outside the data root and
outside the published site: in ``$OBSERVATORY_LEADS_DIR``, else in the user's configuration folder
(``$XDG_CONFIG_HOME/reset-observatory/leads/<root>``, else ``~/.config/…``), one folder per data root.
The folder holds:

- ``secrets.json``: per coalition, the hash, its salt and when it was created (readable by its owner only);
- ``attempts.json``: the recent wrong secrets per coalition (to refuse guessing, see :data:`MAX_FAILURES`);
- ``audit.csv``: every check, submission and undo, with the coalition and the time; no name, no address.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from observatory.errors import ObservatoryError

MAX_FAILURES = 5  # wrong secrets for one coalition within WINDOW before it is refused for a while
WINDOW = dt.timedelta(minutes=15)
SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # about 50 ms a check: cheap for a lead, costly for a guesser
AUDIT_COLUMNS = ["at", "coalition", "event", "detail"]


class SecretRefused(ObservatoryError):
    """A wrong secret, no secret for the coalition, or too many recent attempts."""


def folder(root: str | Path) -> Path:
    """Where the secrets of this data root are kept (created on first use, private to its owner)."""
    base = os.environ.get("OBSERVATORY_LEADS_DIR")
    if base:
        return Path(base)
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    name = hashlib.blake2b(str(Path(root).resolve()).encode(), digest_size=8).hexdigest()
    return config / "reset-observatory" / "leads" / f"{Path(root).resolve().name}-{name}"


def check_outside(root: str | Path, where: str | Path) -> None:
    """Refuse a secrets folder inside the data root: its data/ is committed and shared, its reports/ published."""
    root_path, where_path = Path(root).resolve(), Path(where).resolve()
    if where_path == root_path or root_path in where_path.parents:
        raise ObservatoryError(
            f"--leads-dir {where}: inside the data root {root_path} (what is in it is committed, shared, and under "
            "reports/ published: the coalitions' secrets would be too); expected a folder outside it, e.g. the "
            f"default {folder(root)} (or $OBSERVATORY_LEADS_DIR outside the root); nothing was written")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _hash(secret: str, salt: bytes) -> str:
    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, maxmem=64 * 2**20, **SCRYPT).hex()


def _write_private(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _read_json(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ObservatoryError(f"{path}: unreadable ({exc}); expected the JSON file `observatory leads token` "
                               "writes") from None
    return value if isinstance(value, dict) else {}


@dataclass
class Leads:
    """The secrets of one data root."""

    root: Path
    where: Path

    @classmethod
    def of(cls, root: str | Path, where: str | Path | None = None) -> Leads:
        where = Path(where) if where else folder(root)
        check_outside(root, where)
        return cls(Path(root).resolve(), where)

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
            attempts = _read_json(self.where / "attempts.json")
            attempts.pop(coalition, None)
            _write_private(self.where / "attempts.json", json.dumps(attempts).encode("utf-8"))
        self.audit(coalition, "secret-created")
        return secret

    def has_secret(self, coalition: str) -> bool:
        return coalition in _read_json(self.where / "secrets.json")

    def coalitions_with_secret(self) -> list[str]:
        return sorted(_read_json(self.where / "secrets.json"))

    def check(self, coalition: str, secret: str, now: dt.datetime | None = None) -> None:
        """Pass if ``secret`` is the coalition's; raise :class:`SecretRefused` (in French and English) otherwise.

        Compared in constant time; after MAX_FAILURES wrong secrets within WINDOW, every attempt for the
        coalition is refused until the oldest of them is WINDOW old.
        """
        now = now or _now()
        with self._lock():
            attempts = _read_json(self.where / "attempts.json")
            recent = [t for t in attempts.get(coalition, []) if now - dt.datetime.fromisoformat(t) < WINDOW]
            if len(recent) >= MAX_FAILURES:
                wait = WINDOW - (now - dt.datetime.fromisoformat(recent[0]))
                minutes = max(1, round(wait.total_seconds() / 60))
                self.audit(coalition, "refused-locked", f"{len(recent)} wrong secrets", now)
                raise SecretRefused(
                    f"trop d'essais de code pour la coalition « {coalition} » : réessayez dans {minutes} min. — "
                    f"too many wrong secrets for coalition '{coalition}': try again in {minutes} min")
            entry = _read_json(self.where / "secrets.json").get(coalition)
            good = False
            if entry:
                given = _hash(secret or "", bytes.fromhex(entry["salt"]))
                good = hmac.compare_digest(given, entry["scrypt"])
            if good:
                if coalition in attempts:
                    attempts.pop(coalition)
                    _write_private(self.where / "attempts.json", json.dumps(attempts).encode("utf-8"))
                return
            attempts[coalition] = [*recent, now.isoformat()]
            _write_private(self.where / "attempts.json", json.dumps(attempts).encode("utf-8"))
        self.audit(coalition, "refused-secret", "no secret created" if not entry else "wrong secret", now)
        if not entry:
            raise SecretRefused(
                f"la coalition « {coalition} » n'a pas encore de code : demandez-le à l'équipe de l'observatoire. — "
                f"coalition '{coalition}' has no secret yet: ask the observatory's team for one")
        left = MAX_FAILURES - len(attempts[coalition])
        raise SecretRefused(
            f"code incorrect pour la coalition « {coalition} » ({left} essai(s) restant(s)). — "
            f"wrong secret for coalition '{coalition}' ({left} attempt(s) left)")

    def audit(self, coalition: str, event: str, detail: str = "", now: dt.datetime | None = None) -> None:
        """One line in audit.csv: when, which coalition, what happened (never who, nor from where)."""
        path = self.where / "audit.csv"
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        line = io.StringIO()
        writer = csv.writer(line, lineterminator="\n")
        if not path.exists():
            writer.writerow(AUDIT_COLUMNS)
        writer.writerow([(now or _now()).isoformat(), coalition, event, detail])
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            handle.write(line.getvalue())

    def audit_lines(self) -> list[dict]:
        path = self.where / "audit.csv"
        if not path.exists():
            return []
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
