"""« Déposer des chiffres / Submit figures »: a coalition lead's spreadsheet, sent from the browser.

A page of ``observatory serve --submissions`` (``notebooks/submit.ipynb``), for leads who are not
developers. What it does is what ``observatory import`` does, through the same code
(:mod:`observatory.submissions`): the same checks and messages, all or nothing, under the root's lock,
journalled, the file kept under ``data/submissions/``, every figure in the history. Before anything is
written the lead sees every problem, or what will be added and replaced (old value → new value), and
confirms; only a coalition's own secret (:mod:`observatory.leads`) lets them check, send or undo.

:class:`SubmissionDesk` holds the logic and is tested without a kernel (:mod:`observatory.submission_desk`), the
outcome's HTML is :mod:`observatory.submission_outcome`; here :func:`app` lays it out in ipywidgets. The desk's and
the outcome's names are also found here.
"""

from __future__ import annotations

import json

from observatory import root_paths
from observatory.i18n import LANGS, setting, t
from observatory.pages.render import render, render_in
from observatory.submission_desk import (  # noqa: F401 - PAGE, local_time: callers read them here
    MAX_UPLOAD, PAGE, SUFFIXES, Outcome, SubmissionDesk, local_time, safe_name)
from observatory.submission_outcome import outcome_html, preview_table, reporting_html, template_links  # noqa: F401


def app(lang: str = "fr", root: str | None = None, results_dir: str | None = None,
        leads_dir: str | None = None):
    """The page: a choice of language above the form, which is laid out again in the language chosen."""
    import ipywidgets as widgets

    # The boundary: what the notebook passed (str or None) becomes Paths here, once.
    root_path = root_paths.data_root(root)
    results = root_paths.given_folder(results_dir, "OBSERVATORY_RESULTS")
    leads = root_paths.given_folder(leads_dir, "OBSERVATORY_LEADS_DIR")
    # Every language of LANGS, each named in itself by its catalogue (as the explorer's and the site's switches).
    choice = widgets.ToggleButtons(options=[(setting("name", code), code) for code in LANGS], value=lang,
                                   description="Langue · Language", style={"description_width": "initial"})
    page = widgets.VBox([choice, form(SubmissionDesk(root_path, results, leads, lang))])

    def switch(change):
        page.children = [choice, form(SubmissionDesk(root_path, results, leads, change["new"]))]

    choice.observe(switch, names="value")
    return page


def line(text: str, busy: bool = False) -> str:
    """A line of the form (templates/submit_line.html.j2); ``busy``: the status while an action runs."""
    return str(render("submit_line.html.j2", text=text, busy=busy))


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
    chosen = widgets.HTML(line(t("submit.no_file", lang)))
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
        result.value = line(message, busy=True)

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
        chosen.value = line(t("submit.file", lang, name=safe_name(got[0]), size=len(got[1])) if got
                            else t("submit.no_file", lang))

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
        chosen.value = line(t("submit.no_file", lang))
        if said.get("kind") == "choosing":
            chosen.value = line(t("submit.receiving", lang, name=name))
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
    heading = widgets.HTML(str(render_in(lang, "submit_heading.html.j2")))
    undo_hint = widgets.HTML(line(t("submit.undo_hint", lang)))
    page = widgets.VBox([heading, coalition, secret, template, widgets.HBox([upload, chosen, notice]), replace,
                         widgets.HBox([check, confirm, mine]), result, undo_hint,
                         widgets.HBox([undo, undo_yes, undo_no])])
    page.add_class("submit-form")
    return page
