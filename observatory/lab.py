"""``observatory lab``: JupyterLab on the root's ``analysis/`` folder, for analysts.

The folder is made the first time, with two starter notebooks (a coalition's
targets; the Self Data register) and, under ``dashboards/``, copies of the
dashboards' own notebooks, their parameters cell pointing at this root, ready to
change. What is already there is never overwritten: it is the analyst's work.
JupyterLab listens on this machine only, behind a token (printed once, in the
address to open); ``serve.run`` stops it and its kernels with the command.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from pathlib import Path

from observatory import bundled
from observatory.errors import Text

ANALYSIS = "analysis"  # in the data root; kept out of git by the repository's .gitignore
DASHBOARDS = "dashboards"
STARTERS = Path(__file__).parent / "starters"
SKIPPED = ("submit.ipynb", "review.ipynb")  # the submission and review pages are server pages, not analyses


def starter_notebooks() -> list[Path]:
    return sorted(STARTERS.glob("*.ipynb"))


def prepare_analysis(root: Path) -> tuple[Path, list[Path]]:
    """The root's analysis folder, made if missing; returns it and the files written now."""
    folder = root / ANALYSIS
    written = []
    (folder / DASHBOARDS).mkdir(parents=True, exist_ok=True)
    for starter in starter_notebooks():
        target = folder / starter.name
        if not target.exists():
            shutil.copyfile(starter, target)
            written.append(target)
    for notebook in sorted(bundled.notebooks().glob("*.ipynb")):
        target = folder / DASHBOARDS / notebook.name
        if notebook.name in SKIPPED or target.exists():
            continue
        target.write_text(json.dumps(_pointed_at_root(json.loads(notebook.read_text("utf-8"))), indent=1) + "\n",
                          encoding="utf-8")
        written.append(target)
    return folder, written


def _pointed_at_root(nb: dict) -> dict:
    """A dashboard notebook whose parameters cell reads the root two folders up (analysis/dashboards/)."""
    for cell in nb["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"])
            cell["source"] = source.replace("root = None", 'root = "../.."', 1)
    return nb


def lab_command(folder: Path, port: int, token: str, ip: str = "127.0.0.1") -> list[str]:
    return [sys.executable, "-m", "jupyterlab", "--no-browser", f"--ServerApp.root_dir={folder}",
            f"--ServerApp.ip={ip}", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False",
            # Nothing leaves the machine: no news feed, no update check, no extension search on PyPI.
            "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
            # Jupyter refuses root unless told; containers and CI run as root (it listens on 127.0.0.1 with a token).
            *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])]


def lab(root: Path = Path("."), port: int = 8888, token: str | None = None, say=print) -> int:
    from observatory.serve import run
    from observatory.validate import validated

    root = root.resolve()
    validated(root)  # an invalid root is named now, with validate's messages, not in a kernel's traceback
    folder, written = prepare_analysis(root)
    for path in written:
        say(Text("lab_wrote", path=path.relative_to(root)))
    token = token or secrets.token_urlsafe(24)
    env = {**os.environ, "OBSERVATORY_ROOT": str(root)}
    say(Text("lab_open", folder=folder, port=port, token=token))
    return run(lab_command(folder, port, token), env)
