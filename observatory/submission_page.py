"""« Déposer des chiffres / Submit figures »: a coalition lead's spreadsheet, sent from the browser.

A page of ``observatory serve --submissions`` (``notebooks/submit.ipynb``), for leads who are not
developers. What it does is what ``observatory import`` does, through the same code
(:mod:`observatory.submissions`): the same checks and messages, all or nothing, under the root's lock,
journalled, the file kept under ``data/submissions/``, every figure in the history. Before anything is
written the lead sees every problem, or what will be added and replaced (old value → new value), and
confirms; only a coalition's own secret (:mod:`observatory.leads`) lets them check, send or undo.

:class:`SubmissionDesk` holds the logic and is tested without a kernel; :func:`app` lays it out in ipywidgets.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from observatory import review, site
from observatory.errors import DescribedText, InvalidDataRoot, ObservatoryError, Problem, Text
from observatory.i18n import place_name, sort_key, t
from observatory.leads import Leads, SecretRefused
from observatory.pages.render import render
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

    def __init__(self, root: str | Path, results_dir: str | Path | None = None, leads_dir: str | Path | None = None,
                 lang: str = "fr", source: str = PAGE):
        self.source = source
        self.root = Path(root).resolve()
        self.results_dir = Path(results_dir) if results_dir else None
        self.leads = Leads.of(self.root, leads_dir)
        self.lang = lang

    # --- what the page offers ---------------------------------------------------------------------

    def coalitions(self) -> list[tuple[str, str]]:
        """(name in the page's language, id) of every coalition, by name."""
        self._names()
        return sorted(((name, ident) for (kind, ident), name in self.names.items() if kind == "coalition"),
                      key=lambda pair: sort_key(pair[0]))

    def _names(self) -> None:
        from observatory.load import load_root

        loaded = load_root(self.root)
        self.names = {("coalition", str(r["id"])): str(r.get(f"name_{self.lang}") or r["name_fr"])
                      for _, r in loaded.coalitions.iterrows()}
        self.names.update({("territory", str(r["id"])): place_name(r, self.lang) for _, r in loaded.territories.iterrows()})
        self.names.update({("indicator", str(r["id"])): str(r.get(f"name_{self.lang}") or r["name_fr"])
                           for _, r in loaded.indicators.iterrows()})

    def label(self, kind: str, ident: str) -> str:
        """An indicator's or territory's name in the page's language (the id when unknown): the preview shows
        what the lead reads on the site, not the file's ids."""
        if not hasattr(self, "names"):
            try:
                self._names()
            except Exception:  # noqa: BLE001 - a root that can't be read: the ids still say it
                self.names = {}
        return self.names.get((kind, str(ident)), str(ident))

    def page_title(self, key: str) -> str:
        """A page's name as the site's menus give it: « Coalition Name », « Territoire Name », « Programme »."""
        kind, _, ident = key.partition(":")
        if kind in ("coalition", "territory"):
            return getattr(self, "names", {}).get((kind, ident), ident)
        return t({"self-data": "self_data"}.get(kind, kind), self.lang)

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
            return Outcome(False, str(exc))
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
            return Outcome(False, str(exc))
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
            return Outcome(False, str(exc))
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
            return Outcome(False, str(exc))
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
            for path in results_module.write(results, work):
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


# --- the page ---------------------------------------------------------------------------------------

def preview_table(changes: list[tuple], lang: str, caption: str | None = None) -> str:
    """What a submission changes, one row per figure: (row, indicator, territory, date, value before or None,
    value after), every text escaped; the lead's preview and the team's review page both show it."""
    esc = html.escape
    head = "".join(f'<th scope="col">{esc(t(k, lang))}</th>' for k in
                   ("submit.row", "indicator", "territory", "submit.date", "submit.before", "submit.after"))
    rows = "".join(
        f"<tr><td>{row}</td><td>{esc(indicator)}</td><td>{esc(territory)}</td><td>{esc(date)}</td>"
        f"<td>{esc(before) if before is not None else '—'}</td><td>{esc(after)}</td></tr>"
        for row, indicator, territory, date, before, after in changes)
    caption_html = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<table class='preview'>{caption_html}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def outcome_html(outcome: Outcome, desk: SubmissionDesk, sequence: int = 0) -> str:
    """The outcome as HTML (templates/submit_outcome.html.j2, every text escaped): status, problems, preview
    table, pages that change."""
    lang = desk.lang
    # Names as the site shows them, the file's id beside the indicator's (the lead's file has the ids)
    preview = preview_table([(c.row, f"{desk.label('indicator', c.indicator)} ({c.indicator})",
                              desk.label("territory", c.territory), c.date, c.previous_value, c.value)
                             for c in outcome.changes], lang, t("submit.preview_caption", lang)) if outcome.changes else ""
    return str(render("submit_outcome.html.j2", t=lambda key, **values: t(key, lang, **values), ok=outcome.ok,
                      sequence=sequence, message=outcome.message, problems=outcome.problems, notes=outcome.notes,
                      preview=Markup(preview), pages=[(desk.page_title(k), k) for k in outcome.pages]))


def template_links(desk: SubmissionDesk, coalition: str, lang: str) -> str:
    """Download links of the coalition's template, as data: URLs (the page needs no file server)."""
    types = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".csv": "text/csv"}
    links = []
    for suffix in SUFFIXES:
        try:
            content = desk.template(coalition, suffix)
        except Exception:  # noqa: BLE001 - no template: the page says so
            return f"<p>{html.escape(t('submit.no_template', lang))}</p>"
        data = base64.b64encode(content).decode("ascii")
        links.append(f'<a download="{html.escape(coalition)}{suffix}" href="data:{types[suffix]};base64,{data}">'
                     f"{html.escape(t('submit.template_' + suffix[1:], lang))}</a>")
    return f"<p>{html.escape(t('submit.template', lang))} " + " · ".join(links) + "</p>"


def reporting_html(desk: SubmissionDesk, coalition: str) -> str:
    """The coalition's completeness and timeliness per period (issue 26), as its page shows it."""
    try:
        from observatory.pages.base import Page
        from observatory.pages.reporting import reporting_table
        from observatory.sitedata import computed
        from observatory.validate import validated
        from observatory import results as results_module

        results, _ = computed(validated(desk.root))
        page = Page(results_module.for_coalition(results, coalition), desk.lang)
        return str(reporting_table(page, by_coalition=False))
    except Exception:  # noqa: BLE001 - a root that can't be computed: the form still works, without the table
        return ""


def app(lang: str = "fr", root: str | None = None, results_dir: str | None = None,
        leads_dir: str | None = None):
    """The page: a choice of language above the form, which is laid out again in the language chosen."""
    import ipywidgets as widgets

    root = root or os.environ.get("OBSERVATORY_ROOT") or str(Path(__file__).resolve().parent.parent)
    results_dir = results_dir or os.environ.get("OBSERVATORY_RESULTS")
    leads_dir = leads_dir or os.environ.get("OBSERVATORY_LEADS_DIR")
    choice = widgets.ToggleButtons(options=[("Français", "fr"), ("English", "en")], value=lang,
                                   description="Langue · Language", style={"description_width": "initial"})
    page = widgets.VBox([choice, form(SubmissionDesk(root, results_dir, leads_dir, lang))])

    def switch(change):
        page.children = [choice, form(SubmissionDesk(root, results_dir, leads_dir, change["new"]))]

    choice.observe(switch, names="value")
    return page


def form(desk: SubmissionDesk):
    """The form in the desk's language: coalition, secret, template, file, replace?, check → confirm; undo."""
    import ipywidgets as widgets

    lang = desk.lang
    labelled = {"description_width": "initial"}
    coalition = widgets.Dropdown(options=desk.coalitions(), description=t("coalition", lang), style=labelled,
                                 layout=widgets.Layout(width="40em"))
    secret = widgets.Password(description=t("submit.secret", lang), style=labelled,
                              placeholder=t("submit.secret_hint", lang))
    template = widgets.HTML()
    upload = widgets.FileUpload(accept=",".join(SUFFIXES), multiple=False, description=t("submit.choose", lang),
                                tooltip=t("submit.choose", lang), layout=widgets.Layout(width="auto"))
    upload.add_class("submit-upload")
    upload.add_class(f"submit-max-{MAX_UPLOAD}")  # the limit the page's script checks before anything is sent
    # What the page's script tells the kernel about a choice before the file itself (see observatory/jupyter/
    # voila/templates/observatory/index.html.j2): a file chosen, or refused there (too large, unreadable).
    notice = widgets.Text(layout=widgets.Layout(display="none"))
    notice.add_class("submit-upload-notice")
    chosen = widgets.HTML(f"<p>{html.escape(t('submit.no_file', lang))}</p>")
    replace = widgets.Checkbox(value=False, description=t("submit.replace", lang), indent=False)
    # Dark fills, white text: Jupyter's "primary" and "success" colours fail WCAG's contrast (3.1:1, 2.8:1).
    check = widgets.Button(description=t("submit.check", lang), tooltip=t("submit.check", lang),
                           style={"button_color": "#0b4f8a", "text_color": "white"})
    confirm = widgets.Button(description=t("submit.confirm", lang), disabled=True, tooltip=t("submit.confirm", lang),
                             style={"button_color": "#1b5e20", "text_color": "white"})
    # width auto: the label whole ("Annuler mon der…" at Jupyter's fixed width)
    undo = widgets.Button(description=t("submit.undo", lang), tooltip=t("submit.undo", lang),
                          layout=widgets.Layout(width="auto"))
    # Undo asks first: what it would take back, then these two (hidden until asked).
    undo_yes = widgets.Button(description=t("submit.undo_yes", lang), tooltip=t("submit.undo_yes", lang),
                              layout=widgets.Layout(width="auto", display="none"),
                              style={"button_color": "#8a1c1c", "text_color": "white"})
    undo_no = widgets.Button(description=t("submit.undo_no", lang), tooltip=t("submit.undo_no", lang),
                             layout=widgets.Layout(width="auto", display="none"))
    mine = widgets.Button(description=t("cycle.mine", lang), tooltip=t("cycle.mine", lang))  # issue 26
    result = widgets.HTML()
    state: dict = {"token": None, "sequence": 0, "undo": None}

    def uploaded() -> tuple[str, bytes] | None:
        files = upload.value
        if not files:
            return None
        item = files[0]
        return item["name"], bytes(item["content"])

    def show(outcome: Outcome) -> None:
        state["sequence"] += 1
        result.value = outcome_html(outcome, desk, state["sequence"])

    def busy(message: str) -> None:
        result.value = f'<p role="status" class="submit-busy">{html.escape(message)}</p>'

    def forget(*_):
        state["token"] = None
        confirm.disabled = True
        disarm()

    def disarm():
        state["undo"] = None
        undo_yes.layout.display = undo_no.layout.display = "none"

    def working(on: bool) -> None:
        """While an action runs, no button starts another (a second click on « Confirmer » sent the file twice)."""
        for button in (check, undo, undo_yes, undo_no, mine):
            button.disabled = on
        confirm.disabled = on or state["token"] is None  # set once: never enabled for a moment on the way

    def on_coalition(*_):
        forget()
        template.value = (template_links(desk, coalition.value, lang) + reporting_html(desk, coalition.value)
                          if coalition.value else "")

    def on_upload(*_):
        forget()
        got = uploaded()
        chosen.value = f"<p>{html.escape(t('submit.file', lang, name=safe_name(got[0]), size=len(got[1])))}</p>" \
            if got else f"<p>{html.escape(t('submit.no_file', lang))}</p>"

    def on_notice(change):
        """A new choice drops the previous file at once, before the new one arrives (a file too large for the
        websocket never would: the previous one was then checked and sent); a refused one says why."""
        try:
            said = json.loads(change["new"])
            name, size = safe_name(str(said["name"])), int(said.get("size") or 0)
        except (ValueError, TypeError, KeyError):
            return
        forget()
        upload.value = ()  # on_upload: "no file chosen"
        chosen.value = f"<p>{html.escape(t('submit.no_file', lang))}</p>"
        if said.get("kind") == "choosing":
            chosen.value = f"<p>{html.escape(t('submit.receiving', lang, name=name))}</p>"
        elif said.get("kind") == "too-large":
            show(Outcome(False, t("submit.too_large", lang, name=name, size=f"{size:,}",
                                  limit=MAX_UPLOAD // 2**20)))
        else:
            show(Outcome(False, t("submit.unreadable", lang, name=name)))

    def on_check(_):
        forget()
        got = uploaded()
        if got is None:
            show(Outcome(False, t("submit.no_file", lang)))
            return
        working(True)
        busy(t("submit.checking", lang))
        try:
            outcome = desk.check(coalition.value, secret.value, got[0], got[1], replace.value)
            state["token"] = outcome.token
        finally:
            working(False)
        show(outcome)

    def on_confirm(_):
        got = uploaded()
        if got is None or state["token"] is None:
            show(Outcome(False, t("submit.check_first", lang)))
            return
        working(True)
        busy(t("submit.sending", lang))
        try:
            outcome = desk.confirm(coalition.value, secret.value, got[0], got[1], replace.value, state["token"])
        finally:
            forget()
            working(False)
        show(outcome)

    def on_undo(_):
        forget()
        asked = desk.undo_question(coalition.value, secret.value)
        show(asked)
        if asked.token is not None:
            state["undo"] = asked.token
            undo_yes.layout.display = undo_no.layout.display = None

    def on_undo_yes(_):
        asked = state.get("undo")
        if asked is None:
            return
        disarm()
        working(True)
        busy(t("submit.undoing", lang))
        try:
            outcome = desk.undo(coalition.value, secret.value, expected=asked[2])
        finally:
            working(False)
        show(outcome)

    def on_undo_no(_):
        disarm()
        show(Outcome(True, t("submit.undo_kept", lang)))

    def on_mine(_):
        forget()
        show(desk.mine(coalition.value, secret.value))

    mine.on_click(on_mine)
    coalition.observe(on_coalition, names="value")
    upload.observe(on_upload, names="value")
    notice.observe(on_notice, names="value")
    replace.observe(forget, names="value")
    secret.observe(forget, names="value")
    check.on_click(on_check)
    confirm.on_click(on_confirm)
    undo.on_click(on_undo)
    undo_yes.on_click(on_undo_yes)
    undo_no.on_click(on_undo_no)
    on_coalition()
    steps = "".join(f"<li>{html.escape(t(key, lang))}</li>" for key in ("submit.step1", "submit.step2", "submit.step3"))
    heading = widgets.HTML(f"<h2>{html.escape(t('submit.title', lang))}</h2><p>{html.escape(t('submit.intro', lang))}"
                           f"</p><ol>{steps}</ol>")
    undo_hint = widgets.HTML(f"<p>{html.escape(t('submit.undo_hint', lang))}</p>")
    page = widgets.VBox([heading, coalition, secret, template, widgets.HBox([upload, chosen, notice]), replace,
                         widgets.HBox([check, confirm, mine]), result, undo_hint,
                         widgets.HBox([undo, undo_yes, undo_no])])
    page.add_class("submit-form")
    return page
