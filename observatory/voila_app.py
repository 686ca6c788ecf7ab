"""Voilà, started as ``python -m voila`` starts it, less 2 s: without the grammar that rfc3987-syntax compiles
at import for jsonschema's "iri" format checks, which no schema Voilà or Jupyter server checks here uses
(see the same line in observatory/cli.py). It also answers ``<base-url>healthz`` (observatory/healthz.py)."""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from voila.app import Voila  # noqa: E402  (after the line above, which is the point)

from observatory.healthz import HealthMixin  # noqa: E402


class ObservatoryVoila(HealthMixin, Voila):
    pass


main = ObservatoryVoila.launch_instance

if __name__ == "__main__":
    sys.exit(main())
