"""Voilà, started as ``python -m voila`` starts it, with the observatory's kernel lifecycle (observatory.kernels:
kernels end when their visitor leaves or idles, a cap on them), its health check (``<base-url>healthz``,
observatory/healthz.py), and less 2 s: without the grammar that rfc3987-syntax compiles at import for jsonschema's
"iri" format checks, which no schema Voilà or Jupyter server checks here uses (see the same line in
observatory/cli.py)."""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from observatory.healthz import HealthMixin  # noqa: E402  (after the line above, which is the point)
from observatory.kernels import ObservatoryVoila as KernelsVoila  # noqa: E402


class ObservatoryVoila(HealthMixin, KernelsVoila):
    """Voilà with ``healthz`` before its own handlers, and the kernels' lifecycle."""


main = ObservatoryVoila.launch_instance

if __name__ == "__main__":
    sys.exit(main())
