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


NOTARY = "OBSERVATORY_NOTARY_DIR"  # set by observatory.serve: the notary's folder, in serve's work folder


def sign_served_notebooks(folder: str, data_dir: str) -> None:
    """Sign serve's work copies of the notebooks (written by serve itself: trusted) with a notary whose key and
    database are in ``data_dir``, the folder voila.json names as ``NotebookNotary.data_dir``: Jupyter then trusts
    them and logs no "Notebook … is not trusted" for each one read. Here, in Voilà's process, because nbformat
    is imported here anyway (2.7 s that serve's own process does not pay)."""
    from pathlib import Path

    import nbformat
    from nbformat.sign import NotebookNotary

    notary = NotebookNotary(data_dir=data_dir)
    for path in sorted(Path(folder).rglob("*.ipynb")):
        notary.sign(nbformat.read(path, as_version=4))  # as Jupyter's contents manager reads it


def main():
    import os

    if os.environ.get(NOTARY) and len(sys.argv) > 1:
        sign_served_notebooks(sys.argv[1], os.environ[NOTARY])
    return ObservatoryVoila.launch_instance()

if __name__ == "__main__":
    sys.exit(main())
