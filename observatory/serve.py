"""``observatory serve``: the dashboards and the explorer, live, with Voilà.

The root is validated and the results computed once, before Voilà starts;
notebooks then read them from ``$OBSERVATORY_RESULTS``, so a page never pays for
validation (Great Expectations alone takes seconds to import). Voilà runs a
notebook for each visit: its preheated kernel pools run each notebook ahead of
the visit, so pages answer at once instead of after a kernel start.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from observatory import results as results_module
from observatory.build import NOTEBOOKS

JUPYTER_DATA = Path(__file__).parent / "jupyter"


def voila_command(port: int, ip: str = "127.0.0.1", pool_size: int = 1, token: str | None = None,
                  base_url: str | None = None) -> list[str]:
    command = [
        sys.executable, "-m", "voila", str(NOTEBOOKS),
        "--no-browser", f"--port={port}", f"--Voila.ip={ip}",
        "--show_tracebacks=False", "--theme=light", "--template=observatory",
    ]
    if pool_size > 0:  # 0: no preheating, every visit starts a kernel (Voilà hangs with preheat and no pool)
        command += ["--preheat_kernel=True", f"--pool_size={pool_size}"]
    if token:
        command.append(f"--token={token}")
    if base_url:
        command.append(f"--base_url={base_url}")
    return command


def prepare(root: str | Path, folder: str | Path | None = None) -> Path:
    """Validate the root and write its results where the notebooks will read them."""
    from observatory.validate import validated

    folder = Path(folder or tempfile.mkdtemp(prefix="observatory-serve-"))
    results_module.write(results_module.compute(validated(root)), folder)
    return folder


def serve(root: str | Path = ".", port: int = 8866, ip: str = "127.0.0.1", pool_size: int = 1,
          token: str | None = None, base_url: str | None = None, say=print) -> int:
    with tempfile.TemporaryDirectory(prefix="observatory-serve-") as results_dir:
        return _serve(root, Path(results_dir), port, ip, pool_size, token, base_url, say)


def _serve(root, results_dir: Path, port, ip, pool_size, token, base_url, say) -> int:
    prepare(root, results_dir)
    # Our Voilà template (observatory/jupyter/voila/templates/observatory) is found through JUPYTER_PATH.
    jupyter_path = os.pathsep.join(filter(None, [str(JUPYTER_DATA), os.environ.get("JUPYTER_PATH")]))
    env = {**os.environ, "OBSERVATORY_RESULTS": str(results_dir), "OBSERVATORY_ROOT": str(Path(root).resolve()),
           "JUPYTER_PATH": jupyter_path}
    command = voila_command(port, ip, pool_size, token, base_url)
    say(f"serving the dashboards of {Path(root).resolve()} at http://{ip}:{port}/ "
        f"(explorer: http://{ip}:{port}/voila/render/explorer.ipynb); Ctrl-C stops")
    if ip not in ("127.0.0.1", "localhost", "::1") and not token:
        say("warning: listening beyond this machine without --token: anyone who reaches the port can run the "
            "dashboards; prefer a token or a reverse proxy (see the README)")
    try:
        return subprocess.run(command, env=env, check=False).returncode
    except KeyboardInterrupt:
        return 0
