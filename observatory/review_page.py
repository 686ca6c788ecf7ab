"""« Valider les dépôts / Review submissions »: the programme team's page of ``observatory serve --submissions``
(``notebooks/review.ipynb``; issue 26).

The team sees each submission awaiting review with its preview (old → new values) and approves it or returns
it with a comment — what ``observatory review approve|return`` do, through the same code
(:mod:`observatory.review`). Only the team's own secret (``observatory review token``) opens it: hashed like
the leads', kept with theirs outside the root (:mod:`observatory.leads`), wrong attempts limited and audited.

:class:`ReviewDesk` holds the logic, tested without a kernel; :func:`app` lays it out in ipywidgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from observatory import root_paths
from observatory.i18n import t
from observatory.leads import Leads, SecretRefused
from observatory.pages.render import render, render_in
from observatory.root_names import RootNames
from observatory.submission_page import preview_table

# The key of the team's secret among the leads' (no coalition id can take it: ids are [a-z0-9-]).
TEAM = "@review"


@dataclass
class Said:
    ok: bool
    message: str
    problems: list[str] = field(default_factory=list)


class ReviewDesk:
    def __init__(self, root: Path, leads_dir: Path | None = None, lang: str = "fr"):
        self.root = root.resolve()
        self.leads = Leads.of(self.root, leads_dir)
        self.leads_dir = self.leads.where
        self.lang = lang
        self.names = RootNames(self.root, lang)

    def pending(self, secret: str):
        """The submissions awaiting review (None when the secret is refused, with the reason)."""
        from observatory import review

        try:
            self.leads.check(TEAM, secret)
        except SecretRefused as exc:
            return None, exc.text(self.lang)
        return [p for p in review.every(self.root) if p.state == "submitted"], ""

    def approve(self, secret: str, ident: str) -> Said:
        from observatory import review

        try:
            self.leads.check(TEAM, secret)
            pending, report = review.approve(self.root, ident, self.leads_dir, by="team (page)")
        except SecretRefused as exc:
            return Said(False, exc.text(self.lang))
        except Exception as exc:  # noqa: BLE001 - the team gets a message, never a traceback
            return _failure(exc, self.lang)
        return Said(True, t("review.approved", self.lang, submission=pending.id, added=report.added,
                            replaced=report.replaced))

    def send_back(self, secret: str, ident: str, comment: str) -> Said:
        from observatory import review

        try:
            self.leads.check(TEAM, secret)
            pending = review.send_back(self.root, ident, comment, self.leads_dir, by="team (page)")
        except SecretRefused as exc:
            return Said(False, exc.text(self.lang))
        except Exception as exc:  # noqa: BLE001
            return _failure(exc, self.lang)
        return Said(True, t("review.returned", self.lang, submission=pending.id))


def _failure(exc: Exception, lang: str) -> Said:
    from observatory.errors import InvalidDataRoot, ObservatoryError

    if isinstance(exc, InvalidDataRoot):
        return Said(False, t("submit.problems", lang, count=len(exc.problems)), [p.text(lang) for p in exc.problems])  # in the page's language
    if isinstance(exc, ObservatoryError):
        return Said(False, t("submit.refused", lang), [exc.text(lang)])
    return Said(False, t("submit.unexpected", lang))


def pending_html(found: list, lang: str, names: RootNames | None = None) -> str:
    """Each pending submission: coalition, when, file, late or not, and its preview table (escaped); with
    ``names``, coalitions, indicators and territories named as the site names them (the indicator's id beside
    its name, as the lead's file has it)."""
    label = names.label if names else (lambda kind, ident: str(ident))

    def indicator(ident: str) -> str:
        name = label("indicator", ident)
        return name if name == str(ident) else f"{name} ({ident})"

    return str(render_in(lang, "review_pending.html.j2", found=[
        (p, label("coalition", p.coalition),
         Markup(preview_table([(c["row"], indicator(c["indicator"]), label("territory", c["territory"]), c["date"],
                               c["previous_value"], c["value"]) for c in p.changes], lang))) for p in found]))


def said_html(said: Said, sequence: int) -> str:
    """What the page says after an action (templates/review_outcome.html.j2): the message, the problems."""
    return str(render("review_outcome.html.j2", ok=said.ok, message=said.message, problems=said.problems,
                      sequence=sequence))


def app(lang: str = "fr", root: str | None = None, leads_dir: str | None = None):
    import ipywidgets as widgets

    desk = ReviewDesk(root_paths.data_root(root), root_paths.given_folder(leads_dir, "OBSERVATORY_LEADS_DIR"), lang)
    labelled = {"description_width": "initial"}
    secret = widgets.Password(description=t("review.secret", lang), style=labelled)
    show = widgets.Button(description=t("review.show", lang), tooltip=t("review.show", lang),
                          style={"button_color": "#0b4f8a", "text_color": "white"})
    listing = widgets.HTML()
    choice = widgets.Dropdown(options=[], description=t("review.submission", lang), style=labelled,
                              layout=widgets.Layout(width="40em"))
    comment = widgets.Textarea(description=t("review.comment", lang), style=labelled,
                               layout=widgets.Layout(width="40em"))
    approve = widgets.Button(description=t("review.approve", lang), tooltip=t("review.approve", lang),
                             style={"button_color": "#1b5e20", "text_color": "white"})
    send_back = widgets.Button(description=t("review.return", lang), tooltip=t("review.return", lang))
    result = widgets.HTML()
    state = {"sequence": 0}

    def say(said: Said) -> None:
        state["sequence"] += 1
        result.value = said_html(said, state["sequence"])

    def refresh(*_):
        found, refused = desk.pending(secret.value)
        if found is None:
            listing.value, choice.options = "", []
            say(Said(False, refused))
            return
        listing.value = pending_html(found, lang, desk.names)
        choice.options = [(f"{p.coalition} — {p.id}", p.id) for p in found]
        choice.value = found[0].id if found else None  # a Dropdown given options chooses none of them
        say(Said(True, t("review.count", lang, count=len(found))))

    def on_approve(_):
        if choice.value:
            said = desk.approve(secret.value, choice.value)
            refresh()
            say(said)

    def on_return(_):
        if choice.value:
            said = desk.send_back(secret.value, choice.value, comment.value)
            if said.ok:
                comment.value = ""
                refresh()
            say(said)

    show.on_click(refresh)
    approve.on_click(on_approve)
    send_back.on_click(on_return)
    heading = widgets.HTML(str(render_in(lang, "review_heading.html.j2")))
    return widgets.VBox([heading, secret, show, listing, choice, comment, widgets.HBox([approve, send_back]),
                         result])
