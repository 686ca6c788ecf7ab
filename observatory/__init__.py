"""#Reset impact observatory: indicators, targets and observations → progress → dashboards.

Data flows one way: ``indicators/`` + ``data/`` → :mod:`observatory.load` →
:mod:`observatory.validate` → :mod:`observatory.progress` → results tables →
notebooks (render only) → ``reports/``.
"""

__version__ = "0.1.0"
