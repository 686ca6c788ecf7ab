"""#Reset impact observatory: indicators, targets and observations → progress → dashboards.

Data flows one way: ``indicators/`` + ``data/`` (their layout: :mod:`observatory.layout`) →
:mod:`observatory.load` → :mod:`observatory.validate` → :mod:`observatory.results` (derived
figures, :mod:`observatory.progress`, slices per page) → notebooks (render only) → ``reports/``.
"""

__version__ = "0.1.0"
