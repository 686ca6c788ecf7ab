"""The submission desk of one data root (:class:`SubmissionDesk`): a lead's check, confirmation and undo through
:mod:`observatory.submissions`, each one only with the coalition's own secret (:mod:`observatory.leads`), and its
outcome (:class:`Outcome`) for the page to show. Tested without a kernel; the page is
:mod:`observatory.submission_page`."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from observatory import review, site
from observatory.errors import DescribedText, InvalidDataRoot, ObservatoryError, Problem, Text
from observatory.i18n import t
from observatory.leads import Leads, SecretRefused
from observatory.pages import kinds
from observatory.root_names import RootNames
from observatory.submissions import InvalidRootBeforeImport

# A lead's spreadsheet weighs tens of kilobytes; a larger file goes through `observatory import` (200 MB).
# The upload travels in one websocket message: Voilà's limit is raised above this (see observatory.serve).
MAX_UPLOAD = 5 * 2**20
SUFFIXES = (".xlsx", ".csv")
# Who asks, for the secrets' delays (observatory.leads): this page. Each page of the desk runs in a kernel of its
# own, so a kernel is a page; one that guesses waits longer and longer, the lead's page not at all.
PAGE = secrets.token_hex(6)


@dataclass
class Outcome:
    """What the page shows after an action: a status line, problems, a preview, pages that changed."""
    ok: bool
    message: str
    problems: list[str] = field(default_factory=list)
    changes: list = field(default_factory=list)  # submissions.Change
    pages: list[str] = field(default_factory=list)  # page keys whose content changed
    token: tuple | None = None  # what a confirmation must match: (coalition, file digest, replace, root digest)
    notes: list[str] = field(default_factory=list)  # the coalition's submissions under review (issue 26)


def safe_name(name: str) -> str:
    """The file's name as the lead gave it (messages quote it), without folders or odd characters."""
    base = Path(str(name).replace("\\", "/")).name.strip() or "fichier"
    base = re.sub(r"[^\w .()+-]", "_", base).lstrip(".") or "fichier"
    return base[-120:]


class SubmissionDesk:
    """The submission desk of one data root."""

    def __init__(self, root: Path, results_dir: Path | None = None, leads_dir: Path | None = None,
                 lang: str = "fr", source: str = PAGE):
        self.source = source
        self.root = root.resolve()
        self.results_dir = results_dir
        self.leads = Leads.of(self.root, leads_dir)
        self.lang = lang
        self.names = RootNames(self.root, lang)

    # --- what the page offers ---------------------------------------------------------------------

    def coalitions(self) -> list[tuple[str, str]]:
        """(name in the page's language, id) of every coalition, by name."""
        return self.names.coalitions()

    def label(self, kind: str, ident: str) -> str:
        """An indicator's or territory's name in the page's language (the id when unknown): the preview shows
        what the lead reads on the site, not the file's ids."""
        return self.names.label(kind, ident)

    def page_title(self, key: str) -> str:
        """A page's name as the site's menus give it (its kind's label, pages/kinds): the coalition's or the
        territory's name, « Self Data », « Programme »; its ident where the results after the change lack it."""
        spec = site.PageSpec.from_key(key)
        declared, results = kinds.find(spec.kind), getattr(self, "_results", None)
        try:
            if declared is not None and (results is not None or not declared.folder):
                return declared.label(results, spec.ident, self.lang)
        except LookupError:  # a page of something no longer in the data
            pass
        return spec.ident or spec.kind

    def template(self, coalition: str, suffix: str) -> bytes:
        from observatory.spreadsheet_template import write_template

        with tempfile.TemporaryDirectory(prefix="observatory-template-") as work:
            return write_template(self.root, coalition, Path(work) / f"{coalition}{suffix}").read_bytes()

    # --- actions --------------------------------------------------------------------------------

    def check(self, coalition: str, secret: str, name: str, content: bytes, replace: bool) -> Outcome:
        """Every problem of the file, or what it would add and replace. Writes nothing in the root."""
        from observatory.submissions import preview_file

        refused = self._refuse(coalition, secret, name, content)
        if refused:
            return refused
        with _uploaded_file(name, content) as path:
            try:
                plan = preview_file(self.root, path, coalition, replace)
            except Exception as exc:  # noqa: BLE001 - the lead gets a message, never a traceback
                return self._failure(coalition, "check-refused", exc)
        report = plan.report
        self.leads.audit(coalition, "checked", f"{report.added} to add, {report.replaced} to replace")
        if not plan.changes:
            return Outcome(True, t("submit.nothing_new", self.lang))
        message = t("submit.preview", self.lang, added=report.added, replaced=report.replaced,
                    unchanged=report.unchanged)
        token = (coalition, _digest(content), bool(replace), plan.root_digest)
        return Outcome(True, message, changes=plan.changes, token=token)

    def confirm(self, coalition: str, secret: str, name: str, content: bytes, replace: bool,
                token: tuple | None) -> Outcome:
        """Import the file checked before: the same file, coalition and choice, on the same data."""
        from observatory.submissions import import_file

        refused = self._refuse(coalition, secret, name, content)
        if refused:
            return refused
        if token is None or token[:3] != (coalition, _digest(content), bool(replace)):
            return Outcome(False, t("submit.check_first", self.lang))
        before = self._digests()
        with _uploaded_file(name, content) as path:
            try:
                # issue 26: under review (or late entry), the submission waits for the team instead
                held = review.hold(self.root, path, coalition, replace, expected_root=token[3])
                if held is not None:
                    return self._held(held)
                report = import_file(self.root, path, coalition, replace, expected_root=token[3])
            except Exception as exc:  # noqa: BLE001
                return self._failure(coalition, "submit-refused", exc)
        self.leads.audit(coalition, "submitted", f"{report.submission}: {report.added} added, "
                                                 f"{report.replaced} replaced")
        pages = self._changed_pages(before)
        return Outcome(True, t("submit.done", self.lang, added=report.added, replaced=report.replaced,
                               submission=report.submission or "—"), pages=pages)

    def undo(self, coalition: str, secret: str, expected: str | None = None) -> Outcome:
        """Take back the coalition's last submission (the same as ``observatory undo``); ``expected``: the one
        the lead was asked about (:meth:`undo_question`): if another came since, nothing is undone."""
        from observatory.submissions import undo_last

        try:
            self.leads.check(coalition, secret, source=self.source)
        except SecretRefused as exc:
            return Outcome(False, exc.text(self.lang))
        if expected is not None and (self._last_import(coalition) or {}).get("submission") != expected:
            return Outcome(False, t("submit.undo_changed", self.lang))
        before = self._digests()
        try:
            report = undo_last(self.root, coalition)
        except Exception as exc:  # noqa: BLE001
            return self._failure(coalition, "undo-refused", exc)
        self.leads.audit(coalition, "undone", f"{report.undone}: {report.removed} removed, "
                                              f"{report.restored} restored")
        return Outcome(True, t("submit.undone", self.lang, name=report.original_name,
                               at=local_time(report.received_at, self.lang),
                               removed=report.removed, restored=report.restored), pages=self._changed_pages(before))

    def undo_question(self, coalition: str, secret: str) -> Outcome:
        """What undo would take back (which file, sent when, how many figures), for the lead to confirm before
        anything is undone; nothing is written."""
        try:
            self.leads.check(coalition, secret, source=self.source)
        except SecretRefused as exc:
            return Outcome(False, exc.text(self.lang))
        last = self._last_import(coalition)
        if last is None:
            return Outcome(False, t("submit.undo_nothing", self.lang))
        figures = int(last.get("added") or 0) + int(last.get("replaced") or 0)
        return Outcome(True, t("submit.undo_question", self.lang, name=last.get("original_name"),
                               at=local_time(last.get("received_at"), self.lang), figures=figures),
                       token=("undo", coalition, last.get("submission")))

    def _last_import(self, coalition: str) -> dict | None:
        """The coalition's import that undo would take back now (as ``undo_last`` picks it), None if none."""
        from observatory import root_paths
        from observatory.submissions import _read_csv_dicts

        log = _read_csv_dicts(root_paths.at(self.root, root_paths.SUBMISSION_LOG))
        undone = {entry.get("undoes") for entry in log if entry.get("undoes")}
        imports = [entry for entry in log if entry.get("coalition") == coalition and not entry.get("undoes")
                   and entry.get("submission") not in undone]
        return imports[-1] if imports else None

    # --- the reporting cycle (issue 26) -------------------------------------------------------------

    def _held(self, held) -> Outcome:
        self.leads.audit(held.coalition, "submitted-for-review", f"{held.id}: {len(held.changes)} figure(s)"
                         + (" (late)" if held.late else ""))
        key = "cycle.held_late" if held.late else "cycle.held"
        return Outcome(True, t(key, self.lang, figures=len(held.changes), submission=held.id))

    def mine(self, coalition: str, secret: str) -> Outcome:
        """The coalition's submissions kept for review: awaiting, returned (with the team's comment), approved."""
        try:
            self.leads.check(coalition, secret)
        except SecretRefused as exc:
            return Outcome(False, exc.text(self.lang))
        found = review.every(self.root, coalition)
        if not found:
            return Outcome(True, t("cycle.mine_none", self.lang))
        notes = []
        for p in found:
            sent = t("submit.sent_at", self.lang, at=local_time(p.received_at, self.lang))
            line = f"{p.id} — {p.original_name} — {sent} — {t('cycle.state_' + p.state, self.lang)}"
            if p.comment:
                line += f" — {t('cycle.comment', self.lang)}{t('colon', self.lang)} {p.comment}"
            notes.append(line)
        return Outcome(True, t("cycle.mine_title", self.lang), notes=notes)

    # --- helpers ----------------------------------------------------------------------------------

    def _refuse(self, coalition: str, secret: str, name: str, content: bytes) -> Outcome | None:
        """The secret first (nothing about the file is told to whoever lacks it), then the file's kind and size."""
        try:
            self.leads.check(coalition, secret, source=self.source)
        except SecretRefused as exc:
            return Outcome(False, exc.text(self.lang))
        shown = safe_name(name)
        if Path(shown).suffix.lower() not in SUFFIXES:
            return Outcome(False, t("submit.refused", self.lang), problems=[
                Problem(shown, value=Path(shown).suffix or DescribedText("no_extension"),
                        expected=Text("page_suffix")).text(self.lang)])
        if len(content) > MAX_UPLOAD:
            return Outcome(False, t("submit.refused", self.lang), problems=[
                Problem(shown, value=DescribedText("bytes", count=f"{len(content):,}"),
                        expected=Text("page_size", most=f"{MAX_UPLOAD:,}", mb=MAX_UPLOAD // 2**20)).text(self.lang)])
        return None

    def _failure(self, coalition: str, event: str, exc: Exception) -> Outcome:
        if isinstance(exc, InvalidDataRoot):
            lines = [p.text(self.lang) for p in exc.problems]  # in the page's language
            self.leads.audit(coalition, event, f"{len(lines)} problem(s)")
            if isinstance(exc, InvalidRootBeforeImport):
                return Outcome(False, t("submit.root_broken", self.lang), problems=lines)
            return Outcome(False, t("submit.problems", self.lang, count=len(lines)), problems=lines)
        if isinstance(exc, ObservatoryError):
            self.leads.audit(coalition, event, "refused")
            return Outcome(False, t("submit.refused", self.lang), problems=[exc.text(self.lang)])
        self.leads.audit(coalition, event, f"unexpected {type(exc).__name__}")
        return Outcome(False, t("submit.unexpected", self.lang))

    def _computed(self):
        """The results and each page's data digest, as the build computes them (None when the root can't be
        computed: only the list of changed pages and the live results depend on it)."""
        from observatory.sitedata import computed
        from observatory.validate import validated

        try:
            results, data = computed(validated(self.root))
        except Exception:  # noqa: BLE001
            return None
        self._results = results  # the pages' names (page_title) as the site gives them after the change
        digests = {site.PageSpec(kind, ident, "fr").key: piece.digest for (kind, ident), piece in data.slices.items()}
        return results, digests

    def _digests(self) -> dict[str, str] | None:
        done = self._computed()
        return done[1] if done else None

    def _changed_pages(self, before: dict[str, str] | None) -> list[str]:
        """The pages whose data changed; the live dashboards' results are refreshed on the way (one computation
        of the root as it now is serves both)."""
        done = self._computed()
        if done is None:
            return []
        results, after = done
        self._refresh_results(results)
        if before is None:
            return []
        return sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))

    def _refresh_results(self, results) -> None:
        """The results the live dashboards read (``observatory serve``): replaced file by file, atomically."""
        if not self.results_dir:
            return
        from observatory import results as results_module

        with tempfile.TemporaryDirectory(prefix=".refresh-", dir=self.results_dir) as work:
            for path in results_module.write(results, Path(work)):  # tempfile names it as a str
                os.replace(path, self.results_dir / path.name)


@contextlib.contextmanager
def _uploaded_file(name: str, content: bytes):
    """The upload as a file named as the lead named it (messages quote the name), in a private folder."""
    with tempfile.TemporaryDirectory(prefix="observatory-upload-") as work:
        path = Path(work) / safe_name(name)
        path.write_bytes(content)
        yield path


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def local_time(at: str | None, lang: str) -> str:
    """A time the log keeps in UTC, as a lead in France reads it: Paris local time, its offset said (UTC+1 in
    winter, UTC+2 in summer), so that no one has to convert and no one can mistake it."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    try:
        when = dt.datetime.fromisoformat(str(at)).astimezone(ZoneInfo("Europe/Paris"))
    except (TypeError, ValueError):
        return str(at or "—")
    minutes = int(when.utcoffset().total_seconds() // 60)
    offset = f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60}" + (f":{abs(minutes) % 60:02d}" if minutes % 60 else "")
    shown = when.strftime("%d/%m/%Y %H:%M" if lang == "fr" else "%Y-%m-%d %H:%M")
    return t("submit.local_time", lang, when=shown, offset=offset)
