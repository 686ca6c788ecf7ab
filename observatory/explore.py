"""The live explorer (Voilà): pick a coalition, a territory or a quality; the compass and targets follow.

:class:`Explorer` holds the logic and is tested without a kernel; :func:`app`
only wires ipywidgets to it.
"""

from __future__ import annotations

from observatory import dashboard, figures, vocabulary
from observatory import results as results_module
from observatory.i18n import LANGS, data_texts, edition_folder, place_name, quality_name, setting, sort_key, t
from observatory.pages import kinds
from observatory.pages.base import Page
from observatory.pages.markup import Fragment, esc
from observatory.pages.render import render

ALL = "all"


class ExplorerPage(Page):
    """The explorer's compass and targets, drawn like a dashboard's."""

    kind = "explorer"


def header(lang: str = "fr") -> Fragment:
    """The explorer's title and purpose in one language, a link back to the programme's live dashboard and
    one to each other language's explorer (live pages: French at /voila/render/, English under en/…)."""
    up = "../" if edition_folder(lang) else ""
    editions = [(other, f"{up}{edition_folder(other)}explorer.ipynb", setting("name", other))
                for other in LANGS if other != lang]
    return Fragment(str(render("explorer_header.html.j2", editions=editions, t=lambda key: t(key, lang))))


class Explorer:
    def __init__(self, results: results_module.Results, lang: str = "fr"):
        self.results = results
        self.lang = lang

    def choices(self, scope: str) -> list[tuple[str, str]]:
        """(label, id) of what can be explored at ``scope``: the whole programme, a coalition, a territory."""
        if scope == "programme":
            return [(t("programme", self.lang), "reset")]
        if scope == "coalition":
            frame = self.results.coalitions
            names = data_texts(frame, "name", self.lang)
            pairs = list(zip(names, frame["id"]))
        else:
            with_data = set(self.results.progress["territory"]) | set(self.results.observations["territory"])
            frame = self.results.territories[self.results.territories["id"].isin(with_data)]
            pairs = [(place_name(r, self.lang), r["id"]) for _, r in frame.iterrows()]
        return sorted(pairs, key=lambda pair: sort_key(pair[0]))

    def opening(self, scope: str) -> str:
        """What the explorer shows first at ``scope``: the first choice with targets (an empty compass tells a
        visitor nothing), else the first choice."""
        choices = [ident for _, ident in self.choices(scope)]
        column = {"coalition": "coalition", "territory": "territory"}.get(scope)
        if column:
            with_targets = set(self.results.progress[column])
            choices = [ident for ident in choices if ident in with_targets] or choices
        return choices[0]

    def quality_choices(self) -> list[tuple[str, str]]:
        return [(t("all_qualities", self.lang), ALL)] + [
            (quality_name(q, self.lang), q) for q in vocabulary.QUALITIES]

    def view(self, scope: str, ident: str, quality: str = ALL) -> list:
        """What the explorer shows: a banner where fictitious values are shown, the compass and the targets
        (of one quality, or all)."""
        if scope == "programme":
            part = self.results
        else:
            part = kinds.slice_for(self.results, scope, ident)
        progress = part.progress
        if quality != ALL:
            progress = progress[progress["quality"] == quality]
        page = ExplorerPage(part, self.lang)
        compass = part.compass[(part.compass["scope"] == scope) & (part.compass["scope_id"] == ident)
                               & (part.compass["quality"] != ALL)]
        label = dict((i, n) for n, i in self.choices(scope)).get(ident, ident)
        title = f"{t('compass', self.lang)} — {label}"
        figure = figures.compass(compass, self.lang, title=esc(title))
        if quality != ALL:
            figure.update_traces(marker_line_width=[3 if q == quality else 1 for q in vocabulary.QUALITIES])
        table_page = ExplorerPage(part.__class__(**{**part.tables(), "progress": progress}), self.lang)
        return [page.demonstration_notice(), page.chart(figure),
                table_page.targets_table(show_coalition=scope != "coalition")]



def app(lang: str = "fr", results_dir: str | None = None, root: str | None = None):
    """The explorer's widgets: scope, coalition or territory, quality → compass and targets."""
    import ipywidgets as widgets
    from IPython.display import display

    explorer = Explorer(dashboard._load(results_dir, root), lang)
    scope_labels = [(t("programme", lang), "programme"), (t("coalition", lang), "coalition"),
                    (t("territory", lang), "territory")]
    # Every control has a visible label (WCAG 1.3.1, 4.1.2): a screen reader names each drop-down.
    labelled = {"description_width": "initial"}
    scope = widgets.ToggleButtons(options=scope_labels, value="coalition", description=t("explore_scope", lang),
                                  style=labelled)
    target = widgets.Dropdown(options=explorer.choices("coalition"), value=explorer.opening("coalition"),
                              description=t("coalition", lang), style=labelled, layout=widgets.Layout(width="36em"))
    quality = widgets.Dropdown(options=explorer.quality_choices(), value=ALL, description=t("quality", lang),
                               style=labelled)
    output = widgets.Output()

    def draw(*_):
        with output:
            output.clear_output(wait=True)
            for item in explorer.view(scope.value, target.value, quality.value):
                display(item)

    def change_scope(change):
        target.unobserve(draw, names="value")
        target.options = explorer.choices(change["new"])
        target.description = dict((value, label) for label, value in scope_labels)[change["new"]]
        target.value = explorer.opening(change["new"])
        target.observe(draw, names="value")
        draw()

    scope.observe(change_scope, names="value")
    target.observe(draw, names="value")
    quality.observe(draw, names="value")
    draw()
    controls = widgets.HBox([target, quality])
    # The header is a widget, not an output: Voilà's output renderer turns a link into one that does nothing.
    return widgets.VBox([widgets.HTML(str(header(lang))), scope, controls, output])
