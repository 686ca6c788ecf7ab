"""``observatory serve``: the dashboards and the explorer, live, with Voilà.

The root is validated and the results computed once, before Voilà starts;
notebooks then read them from ``$OBSERVATORY_RESULTS``, so a page never pays for
validation (Great Expectations alone takes seconds to import). Voilà runs a
notebook for each visit: its preheated kernel pools run each notebook ahead of
the visit, so pages answer at once instead of after a kernel start.

What ``serve`` starts, it stops: Voilà dies with ``serve`` (even ``kill -9``,
through the kernel's parent-death signal) and every kernel dies with Voilà; on
SIGTERM, SIGHUP or Ctrl-C, ``serve`` stops Voilà and kills whatever is left. Voilà's own temporary files
(kernel sockets and keys) live in serve's work folder, so they go with it, even after a kill -9 (the next
``serve`` sweeps the folder).

Kernels end when their visitor leaves or idles, and their number is capped (observatory.kernel_limits,
observatory.kernels). A port already taken is refused (exit 2), never served on the next one.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil

from observatory import bundled, kernel_guard
from observatory.errors import Text
from observatory.i18n import LANGS, edition_folder
from observatory.kernel_limits import Limits, default_explorer_pool, default_max_kernels
from observatory import results as results_module
from observatory.validate import validated

JUPYTER_DATA = bundled.jupyter_data()
LOCAL_IPS = ("127.0.0.1", "localhost", "::1")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
GRACE = 10.0  # seconds Voilà gets to shut its kernels down before they are killed
# Every kernel runs this first (see kernel_guard): no traceback reaches a visitor; it dies with Voilà.
KERNEL_STARTUP = "__import__('observatory.kernel_guard').kernel_guard.install()\n"


def voila_command(port: int, ip: str = "127.0.0.1", pool_size: int = 1, token: str | None = None,
                  base_url: str | None = None, config_dir: Path | None = None,
                  notebooks: Path | None = None) -> list[str]:
    command = [
        sys.executable, "-m", "observatory.voila_app", str(notebooks or bundled.notebooks()),
        "--no-browser", f"--port={port}", f"--Voila.ip={ip}",
        "--show_tracebacks=False", "--theme=light", "--template=observatory",
        # A port taken is an error (see port_taken), not a reason to serve on another one.
        "--Voila.port_retries=0",
    ]
    if config_dir:  # voila.json: allowed hosts, kernel client (see voila_config)
        command.append(f"--Voila.config_file_paths={config_dir}")
    if pool_size > 0:  # 0: no preheating, every visit starts a kernel (Voilà hangs with preheat and no pool)
        command += ["--preheat_kernel=True", f"--pool_size={pool_size}"]
    if token:
        command.append(f"--token={token}")
    if base_url:
        command.append(f"--base_url={base_url}")
    return command


def voila_config(allow_hosts: list[str] | tuple[str, ...] = (), submissions: bool = False,
                 limits: Limits | None = None, pools: dict[str, int] | None = None) -> dict:
    """Voilà's configuration beyond its command line.

    Voilà answers any ``Host`` header by default, so a page of another site
    whose name is re-bound to 127.0.0.1 (DNS rebinding) could read the
    dashboards: only ``localhost``, loopback addresses and the names given
    with ``--allow-host`` are accepted (Jupyter server's check, 403 otherwise).
    ``*`` accepts any host.
    """
    tornado = ({"allow_remote_access": True} if "*" in allow_hosts else
               {"allow_remote_access": False,
                "local_hostnames": ["localhost", *[h for h in allow_hosts if h != "localhost"]]})
    if submissions:  # an uploaded file travels in one websocket message: room for observatory.submission_page's limit
        from observatory.submission_page import MAX_UPLOAD

        tornado["websocket_max_message_size"] = 2 * MAX_UPLOAD + 2**20
    config = {
        **(limits or Limits(max_kernels=0)).voila_config(),
        "Voila": {"tornado_settings": tornado},
        # A live page without a language of its own is in the first one: <html lang="fr"> (Voilà's template says
        # "en" otherwise; WCAG 3.1.1).
        "HTMLExporter": {"language_code": LANGS[0]},
        "VoilaExporter": {"language_code": LANGS[0]},
        # nbclient can miss a kernel's reply on a zmq.asyncio socket: see observatory/kernel_client.py.
        # Kernels talk over local sockets (files), not TCP ports: ten pools filling at once drew the same free
        # port twice ("Address already in use", a traceback in the log and a pool late), and a port on
        # 127.0.0.1 is open to every local user.
        "AsyncKernelManager": {"client_class": "observatory.kernel_client.WatchfulKernelClient", "transport": "ipc"},
    }
    if pools:  # each page's pool size (Voilà's preheating manager; "default": the pages not named)
        config["VoilaKernelManager"] = {"kernel_pools_config": {
            name: {"pool_size": size} for name, size in pools.items()}}
    return config


EXPLORER = "explorer.ipynb"


def pool_sizes(pool_size: int, explorer_pool_size: int, submissions: bool = False) -> dict[str, int]:
    """Preheated kernels of each live page: ``default`` for every page but the explorer, in every language."""
    if pool_size <= 0:  # no preheating at all (Voilà hangs with preheating and no pool)
        return {}
    explorer_pool_size = max(0, explorer_pool_size)
    return {"default": pool_size, **{f"{edition_folder(lang)}{EXPLORER}": explorer_pool_size for lang in LANGS}}


def preheated_kernels(pools: dict[str, int], submissions: bool = False) -> int:
    return sum(pools.get(name, pools.get("default", 0)) for name in live_notebooks(submissions))


def prepare(root: Path, folder: Path | None = None) -> Path:
    """Validate the root and write its results where the notebooks will read them."""
    from observatory.sitedata import computed

    folder = folder or Path(tempfile.mkdtemp(prefix="observatory-serve-"))
    results, _ = computed(validated(root))  # through the cache: the submission page compares pages with it
    results_module.write(results, folder)
    return folder


SUBMIT_NOTEBOOK = "submit.ipynb"
REVIEW_NOTEBOOK = "review.ipynb"  # the programme team's review page (observatory.review_page), with --submissions


def notebooks_served(folder: Path, submissions: bool) -> Path:
    """The notebooks Voilà serves: the dashboards and the explorer in French, their copies in each other
    language of LANGS in a folder named by its code (``en/``), and the submission page only when asked (without
    --submissions no upload page exists at all, not even hidden; it has a language switch of its own)."""
    folder.mkdir(parents=True, exist_ok=True)
    for lang in LANGS:
        (folder / edition_folder(lang)).mkdir(exist_ok=True)
    for notebook in sorted(bundled.notebooks().glob("*.ipynb")):
        if notebook.name in (SUBMIT_NOTEBOOK, REVIEW_NOTEBOOK):  # the leads' page, and the team's (issue 26)
            if submissions:
                shutil.copyfile(notebook, folder / notebook.name)
            continue
        for lang in LANGS:
            page = in_language(json.loads(notebook.read_text("utf-8")), notebook.stem, lang)
            (folder / edition_folder(lang) / notebook.name).write_text(json.dumps(page, indent=1), encoding="utf-8")
    return folder


def in_language(nb: dict, kind: str, lang: str) -> dict:
    """A notebook as a live page in ``lang``: its ``lang`` parameter set, and the language and title that
    Voilà's page declares (``<html lang>``, WCAG 3.1.1; ``<title>``), read by our Voilà template."""
    from observatory import i18n

    for cell in nb["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"])
            if 'lang = "fr"' not in source:
                raise ValueError(f"notebooks/{kind}.ipynb: its parameters cell has no 'lang = \"fr\"' line")
            cell["source"] = source.replace('lang = "fr"', f'lang = "{lang}"', 1)
    nb["metadata"]["language_code"] = lang
    nb["metadata"]["title"] = f"{i18n.t('live.' + kind, lang)} — {i18n.t('site_title', lang)}"
    # What the page says when its kernel has ended (our Voilà template shows it): see observatory.kernels.
    nb["metadata"]["observatory_ended"] = {"text": i18n.t("live_ended", lang), "reload": i18n.t("live_reload", lang)}
    return nb


WORK_PREFIX = "observatory-serve-"
OWNER = "serve.pid"  # in a work folder: "PID CREATE_TIME" of the serve that owns it


def sweep_orphans(temp: Path | None = None) -> list[Path]:
    """Remove the work folders of serves that were killed (kill -9 leaves no chance to clean up)."""
    removed = []
    for folder in (temp or Path(tempfile.gettempdir())).glob(WORK_PREFIX + "*"):
        try:
            pid, created = (folder / OWNER).read_text().split()
            alive = psutil.Process(int(pid)).create_time() == float(created)
        except (OSError, ValueError):
            continue  # not ours, or being set up
        except psutil.NoSuchProcess:
            alive = False
        if not alive:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


PORT_TAKEN = 2  # exit code: the --port given cannot be used (observatory.cli's "wrong command line")
VOILA_FAILED = 3  # exit code: Voilà stopped by itself (killed, crashed): "unexpected failure"


def port_taken(ip: str, port: int) -> bool:
    """Whether another program listens on ``ip:port`` (bound as Tornado binds, so what Voilà could not use)."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((ip if ip != "localhost" else "127.0.0.1", port))
        except OSError as error:
            return error.errno in (errno.EADDRINUSE, errno.EACCES)
    return False


def serve(root: Path = Path("."), port: int = 8866, ip: str = "127.0.0.1", pool_size: int = 1,
          token: str | None = None, base_url: str | None = None, allow_hosts: list[str] | tuple[str, ...] = (),
          say=print, submissions: bool = False, leads_dir: Path | None = None,
          idle_timeout: int | None = None, max_kernels: int | None = None, static_url: str | None = None,
          explorer_pool_size: int | None = None) -> int:
    if port_taken(ip, port):
        say(Text("serve_port_taken", port=port, ip=ip))
        return PORT_TAKEN
    sweep_orphans()
    pools = pool_sizes(pool_size, explorer_pool_size if explorer_pool_size is not None
                       else default_explorer_pool(pool_size), submissions)
    preheated = preheated_kernels(pools, submissions)  # alive all the time: counted out of the cap's room
    limits = Limits(idle_timeout=idle_timeout or Limits.idle_timeout, static_url=static_url,
                    max_kernels=max_kernels if max_kernels is not None else default_max_kernels(preheated))
    with tempfile.TemporaryDirectory(prefix=WORK_PREFIX) as work:
        me = psutil.Process()
        (Path(work) / OWNER).write_text(f"{me.pid} {me.create_time()}")
        return _serve(root, Path(work), port, ip, pool_size, token, base_url, list(allow_hosts or ()), say,
                      submissions, leads_dir, limits, pools)


def live_notebooks(submissions: bool) -> list[str]:
    """The notebooks served (as notebooks_served writes them), each in every language except the leads' and
    the team's pages (the review page was counted, in every language, even without --submissions)."""
    leads = (SUBMIT_NOTEBOOK, REVIEW_NOTEBOOK)
    names = sorted(nb.name for nb in bundled.notebooks().glob("*.ipynb") if nb.name not in leads)
    return [*(f"{edition_folder(lang)}{name}" for lang in LANGS for name in names), *(leads if submissions else ())]


def voila_env(work: Path) -> dict:
    """Where Voilà and its kernels keep their temporary files: in serve's work folder, so they go with it
    (Voilà's ``voila_*`` folder of sockets and keys stayed in /tmp when Voilà was killed)."""
    temp, runtime = work / "tmp", work / "runtime"
    temp.mkdir(exist_ok=True)
    runtime.mkdir(exist_ok=True)
    return {"TMPDIR": str(temp), "JUPYTER_RUNTIME_DIR": str(runtime)}


def live_kernel_spec(work: Path) -> Path:
    """A Jupyter data folder holding the ``python3`` kernel spec the notebooks name, run as
    observatory.live_kernel (the kernel without its debugger)."""
    folder = work / "jupyter"
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "observatory.live_kernel", "-f", "{connection_file}"],
        "display_name": "Python 3 (observatory live page)", "language": "python",
        "metadata": {"debugger": False}}, indent=1), encoding="utf-8")
    return folder


def _serve(root: Path, work: Path, port, ip, pool_size, token, base_url, allow_hosts, say, submissions=False,
           leads_dir=None, limits: Limits | None = None, pools: dict[str, int] | None = None) -> int:
    limits = limits or Limits(max_kernels=0)
    results_dir = prepare(root, work / "results")
    config_dir = work / "config"
    config_dir.mkdir()
    config = voila_config(allow_hosts, submissions, limits, pools)
    # The notebooks served are serve's own copies: signed in Voilà's process by a notary kept in the work folder
    # (observatory.voila_app), not in the user's Jupyter data folder; trusted, Jupyter logs no warning for each.
    notary = work / "notary"
    notary.mkdir()
    config["NotebookNotary"] = {"data_dir": str(notary)}
    (config_dir / "voila.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    notebooks = notebooks_served(work / "notebooks", submissions)
    startup = work / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-observatory.py").write_text(KERNEL_STARTUP, encoding="utf-8")
    # Our Voilà template (observatory/jupyter/voila/templates/observatory) and the live pages' kernel spec are
    # found through JUPYTER_PATH.
    jupyter_path = os.pathsep.join(filter(None, [str(live_kernel_spec(work)), str(JUPYTER_DATA),
                                                 os.environ.get("JUPYTER_PATH")]))
    env = {**os.environ, "OBSERVATORY_RESULTS": str(results_dir), "OBSERVATORY_ROOT": str(root.resolve()),
           "JUPYTER_PATH": jupyter_path, "IPYTHONDIR": str(work / "ipython"), **voila_env(work),
           "OBSERVATORY_NOTARY_DIR": str(notary),
           # Pages are live: a chart's words go beside it (Voilà draws the plotly output, not the HTML one).
           "OBSERVATORY_LIVE": "1"}
    command = voila_command(port, ip, pool_size, token, base_url, config_dir, notebooks)
    explorers = ", ".join(f"http://{ip}:{port}/voila/render/{edition_folder(lang)}{EXPLORER} ({lang})"
                          for lang in LANGS)
    say(Text("serve_serving", root=root.resolve(), ip=ip, port=port, explorers=explorers))
    say(Text("serve_kernels", idle=limits.idle_timeout, most=limits.max_kernels or Text("serve_unlimited"),
             linking=Text("serve_linking", url=limits.static_url) if limits.static_url else "",
             preheated=preheated_kernels(pools or {}, submissions), explorer=(pools or {}).get(EXPLORER, 0),
             other=(pools or {}).get("default", 0)))
    if submissions:
        from observatory.leads import Leads

        leads = Leads.of(root, leads_dir)
        env["OBSERVATORY_LEADS_DIR"] = str(leads.where)
        say(Text("serve_submissions", ip=ip, port=port, notebook=SUBMIT_NOTEBOOK, where=leads.where))
        if not leads.coalitions_with_secret():
            say(Text("serve_no_secret"))
    if ip not in LOCAL_IPS and not token:
        say(Text("serve_no_token"))
    if ip not in LOCAL_IPS and "*" not in allow_hosts:
        say(Text("serve_local_names"))
    if "*" in allow_hosts and not token:
        say(Text("serve_any_host"))
    return run(command, env, say)


class _Stop(Exception):
    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_stop(signum, _frame):
    raise _Stop(signum)


def run(command: list[str], env: dict, say=print) -> int:
    """Run Voilà until it exits or ``serve`` is told to stop; either way nothing it started survives."""
    previous = {sig: signal.signal(sig, _raise_stop) for sig in STOP_SIGNALS}
    process = None
    try:
        # SIGTERM to Voilà if serve dies, even by kill -9: Voilà then shuts its kernels down.
        process = subprocess.Popen(command, env=env, preexec_fn=lambda: kernel_guard.die_with_parent(signal.SIGTERM))
        return voila_ended(process.wait(), say)
    except _Stop:
        return 0
    finally:
        for sig in STOP_SIGNALS:  # a second Ctrl-C must not interrupt the clean-up
            signal.signal(sig, signal.SIG_IGN)
        if process is not None:
            stop(process)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def voila_ended(code: int, say=print) -> int:
    """serve's exit code when Voilà stopped by itself: nobody asked it to, so it is a failure, said in words
    (Voilà killed by a signal used to make serve exit 247, undocumented, silently)."""
    if code == 0:
        return 0
    cause = (Text("serve_voila_killed", signal=signal.Signals(-code).name)
             if code < 0 and -code in signal.valid_signals() else Text("serve_voila_exit", code=code))
    say(Text("serve_voila_ended", cause=cause))
    return VOILA_FAILED


def stop(process: subprocess.Popen, grace: float = GRACE) -> None:
    """Stop Voilà (it shuts its kernels down), then kill anything it started that is still there."""
    try:
        tree = [psutil.Process(process.pid)]
        tree += tree[0].children(recursive=True)  # now: once Voilà is gone its kernels belong to init
    except psutil.NoSuchProcess:
        tree = []
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    for proc in tree:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(tree, timeout=5)
    if process.poll() is None:
        process.wait(5)
