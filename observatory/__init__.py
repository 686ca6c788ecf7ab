"""#Reset impact observatory: indicators, targets and observations → progress → dashboards.

Data flows one way: ``indicators/`` + ``data/`` (their layout: :mod:`observatory.root_paths`) →
:mod:`observatory.load` → :mod:`observatory.validate` → :mod:`observatory.results` (derived
figures, :mod:`observatory.progress`, slices per page) → notebooks (render only) → ``reports/``.
"""

__version__ = "0.1.0"


def open(path=".", lang: str = "fr"):  # noqa: A001 — read as observatory.open(".") in a notebook
    """Open a data root for analysis, validated as ``observatory validate`` does: its tables as pandas
    frames (``root.progress()``, ``root.observations()``…). See :mod:`observatory.workbench`."""
    from observatory.workbench import open_root  # pandas and the package load only when asked

    return open_root(path, lang)
