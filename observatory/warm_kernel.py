"""Code run inside a warm kernel (see :mod:`observatory.warm_engine`), never in the build itself.

``warm_up`` imports what the dashboards need once and records the state a page
could change; ``fresh_page`` puts that state back and empties the user
namespace before each page, so that a page sees what a new kernel would show it.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import warnings

# Imported once per kernel: what every dashboard imports, the slow part of a fresh kernel.
PRELOAD = ("numpy", "pandas", "plotly.graph_objects", "plotly.io", "observatory.dashboard",
           "observatory.figures", "observatory.results", "observatory.i18n")

_saved: dict = {}


def _pandas_options() -> dict:
    import pandas as pd

    # Every registered option, public name: what pd.get_option reads and pd.set_option changes.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated options say so when read
        return {name: pd.get_option(name) for name in pd._config.config._registered_options}


def warm_up() -> None:
    # plotly's renderers import nbformat, hence jsonschema, which imports rfc3987-syntax when installed: 2 s of
    # every kernel's start compiling a grammar for a format no page checks (see observatory/cli.py).
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    for name in PRELOAD:
        importlib.import_module(name)
    # plotly loads its trace and validator classes on first use: build one of each the pages draw.
    import plotly.graph_objects as go

    for trace in (go.Bar, go.Barpolar, go.Scatter, go.Treemap):
        go.Figure(trace(), layout={"title": {"text": "warm"}}).to_json()
    import plotly.io as pio

    _saved.update(
        environ=dict(os.environ), path=list(sys.path), warnings=list(warnings.filters),
        pandas=_pandas_options(), template=pio.templates.default, renderer=pio.renderers.default,
    )


def fresh_page(cwd: str | None) -> None:
    """What a page may have changed, back as it was after ``warm_up``; a new, empty user namespace."""
    import pandas as pd
    import plotly.io as pio

    if cwd:
        os.chdir(cwd)
    if os.environ != _saved["environ"]:
        os.environ.clear()
        os.environ.update(_saved["environ"])
    sys.path[:] = _saved["path"]
    warnings.filters[:] = _saved["warnings"]
    warnings._filters_mutated()  # forget which warnings were already shown: a page shows its own
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, value in _saved["pandas"].items():
            if pd.get_option(name) != value:
                pd.set_option(name, value)
    pio.templates.default = _saved["template"]
    pio.renderers.default = _saved["renderer"]
    from IPython import get_ipython

    # A new session: empty namespace, In/Out and their history, execution count back to 1. Without the
    # full garbage collections IPython runs while resetting (0.1-0.3 s each time with pandas and plotly
    # loaded): Python's own collector still runs, and the kernel is replaced after a few pages anyway.
    collect = gc.collect
    gc.collect = lambda generation=2: 0
    try:
        get_ipython().reset(new_session=True)
    finally:
        gc.collect = collect
