"""Voilà, started as ``python -m voila`` starts it, less 2 s: without the grammar that rfc3987-syntax compiles
at import for jsonschema's "iri" format checks, which no schema Voilà or Jupyter server checks here uses
(see the same line in observatory/cli.py)."""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from voila.app import main  # noqa: E402  (after the line above, which is the point)

if __name__ == "__main__":
    sys.exit(main())
