"""The dashboards' pages: one module per page kind (declared in ``kinds``), their HTML in observatory/templates/,
their CSS and scripts in assets/.

``base.Page`` holds what every page shows (targets, missing data, method,
footer); ``programme``, ``coalition``, ``territory`` and ``self_data`` add what
is their own. Charts are drawn by :mod:`observatory.figures` and wrapped by
:mod:`observatory.pages.chart`. Notebooks reach all this through the façade
:mod:`observatory.dashboard`.
"""
