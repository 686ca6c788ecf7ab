"""The deployment in deploy/, as shipped: nginx's site checked by `nginx -t` and run for real in front of two
`observatory serve --submissions` sharing one data root (sticky routing, a submission through each server, the
static site under a sub-path), the systemd units checked, /healthz, and nothing left after SIGTERM.

The nginx site is filled as the README says (envsubst of its ${OBSERVATORY_*} variables only); the main
nginx.conf written here stands for Debian's /etc/nginx/nginx.conf (own pid, logs and temp folders, so that the
test needs no root)."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, FIXTURE_ROOT, REPO
from tests.helpers import (free_port, next_outcome, observatory, open_desk, open_live, send, start_serve, stop,
                           wait_until)

DEPLOY = REPO / "deploy"
SITE_CONF = DEPLOY / "nginx" / "observatory.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
VARIABLES = ("OBSERVATORY_LISTEN", "OBSERVATORY_HOST", "OBSERVATORY_PATH", "OBSERVATORY_SITE",
             "OBSERVATORY_SERVERS", "OBSERVATORY_LOGS")
SUB_PATH = "/observatoire/"
LIVE = SUB_PATH + "live/"
HEADER = "indicator,territory,date,value,source,comment\n"
FIGURE_A = "people-trained,rennes,2021-12-31,300,Registre 2021,\n"
FIGURE_B = "device-lifetime,bretagne,2022-06-30,3.9,Inventaire,\n"


def envsubst(text: str, values: dict[str, str]) -> str:
    """What `envsubst '${A} ${B}'` does: only the listed variables, ${NAME} or $NAME; nginx's own stay."""
    return re.sub(r"\$\{(\w+)\}|\$(\w+)",
                  lambda m: values.get(m.group(1) or m.group(2), m.group(0)), text)


def nginx_files(folder: Path, port: int, site: Path, servers: list[int], path: str = SUB_PATH,
                listen: str | None = None) -> Path:
    """The shipped site, filled, inside a main nginx.conf of the test's own: the main file to give nginx -c."""
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
        (folder / temp).mkdir(parents=True, exist_ok=True)
    (folder / "servers.conf").write_text("".join(f"server 127.0.0.1:{p};\n" for p in servers))
    values = {"OBSERVATORY_LISTEN": listen or f"127.0.0.1:{port}", "OBSERVATORY_HOST": "127.0.0.1",
              "OBSERVATORY_PATH": path, "OBSERVATORY_SITE": str(site),
              "OBSERVATORY_SERVERS": str(folder / "servers.conf"), "OBSERVATORY_LOGS": str(folder / "logs")}
    filled = envsubst(SITE_CONF.read_text(encoding="utf-8"), values)
    if shutil.which("envsubst"):  # the README's command gives the same file
        listed = " ".join("${%s}" % name for name in VARIABLES)
        made = subprocess.run(["envsubst", listed], input=SITE_CONF.read_text(encoding="utf-8"), text=True,
                              capture_output=True, env={**os.environ, **values}, check=True)
        assert made.stdout == filled
    assert not re.search(r"\$\{?OBSERVATORY_[A-Z]", filled)
    (folder / "observatory.conf").write_text(filled, encoding="utf-8")
    main = folder / "nginx.conf"
    main.write_text(f"""
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/logs/error.log;
{"user root root;" if os.geteuid() == 0 else ""}
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/observatory.conf;
}}
""", encoding="utf-8")
    return main


def nginx_command(main: Path, *args: str) -> list[str]:
    if not os.access(NGINX, os.X_OK):
        pytest.fail("the deployment tests need Debian's nginx: sudo apt-get install nginx (.ci/run does)")
    return [NGINX, "-p", str(main.parent), "-c", str(main), "-e", str(main.parent / "logs" / "error.log"), *args]


def nginx_t(main: Path) -> None:
    checked = subprocess.run(nginx_command(main, "-t"), capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_the_readme_fills_every_variable_of_the_site():
    used = set(re.findall(r"\$\{(OBSERVATORY_\w+)\}", SITE_CONF.read_text(encoding="utf-8")))
    assert used == set(VARIABLES)
    (command,) = [line for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines()
                  if line.startswith("envsubst '")]
    assert set(re.findall(r"\$\{(OBSERVATORY_\w+)\}", command)) == used


@pytest.mark.parametrize("path", ["/", SUB_PATH])
def test_the_shipped_nginx_site_passes_nginx_t(tmp_path, path):
    nginx_t(nginx_files(tmp_path, free_port(), tmp_path / "site", [8866, 8867], path))
    site = (tmp_path / "observatory.conf").read_text()
    # what the live pages need from the proxy
    for line in ("proxy_set_header Upgrade $http_upgrade;", "proxy_buffering off;", "proxy_read_timeout 1h;",
                 "hash $observatory_route consistent;", f"location {path}live/ {{"):
        assert line in site, line


def test_its_tls_lines_once_uncommented_and_filled_pass_nginx_t(tmp_path):
    """As the README says: OBSERVATORY_LISTEN="443 ssl" (here a free port), the ssl_* lines uncommented."""
    certificate, key = self_signed(tmp_path)
    main = nginx_files(tmp_path, 0, tmp_path / "site", [8866], listen=f"127.0.0.1:{free_port()} ssl")
    site = tmp_path / "observatory.conf"
    text = re.sub(r"^(\s*)# ((ssl_|add_header Strict)\S*)", r"\1\2", site.read_text(), flags=re.M)
    text = text.replace("/etc/letsencrypt/live/127.0.0.1/fullchain.pem", str(certificate))
    site.write_text(text.replace("/etc/letsencrypt/live/127.0.0.1/privkey.pem", str(key)))
    assert "\n    ssl_certificate " in site.read_text() and "\n    ssl_protocols " in site.read_text()
    nginx_t(main)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (cryptography: installed with the test tools' dependencies)."""
    import datetime as dt

    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


# --- systemd -------------------------------------------------------------------------------------

UNITS = DEPLOY / "systemd"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read(UNITS / name, encoding="utf-8")
    return parser


def test_the_systemd_units_say_what_they_must(tmp_path):
    serve = unit("observatory-serve@.service")["Service"]
    assert serve["ExecStart"].split()[1:4] == ["serve", "--root", "/srv/observatoire"]
    assert "--port %i" in serve["ExecStart"] and "--base-url ${OBSERVATORY_BASE_URL}" in serve["ExecStart"]
    assert "observatory.healthz" in serve["ExecStartPost"]
    assert (serve["Restart"], serve["KillSignal"], serve["KillMode"]) == ("on-failure", "SIGTERM", "mixed")
    build = unit("observatory-build.service")["Service"]
    assert build["Type"] == "oneshot" and " build --root /srv/observatoire " in build["ExecStart"]
    assert unit("observatory-build.path")["Path"]["PathChanged"] == "/srv/observatoire/data/history.csv"
    assert unit("observatory-build.timer")["Timer"]["Unit"] == "observatory-build.service"
    env = dict(line.split("=", 1) for line in (UNITS / "observatory.env").read_text().splitlines()
               if line and not line.startswith("#"))
    assert env["OBSERVATORY_BASE_URL"] == "/live/"  # nginx's OBSERVATORY_PATH "/" + "live/"
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        return
    # systemd-analyze checks that the commands exist: the units with /srv/observatoire as this checkout
    installed = tmp_path / "srv"
    installed.mkdir()
    (installed / ".venv").symlink_to(Path(sys.prefix))
    for path in UNITS.glob("observatory*"):
        if path.suffix in (".service", ".path", ".timer"):
            (tmp_path / path.name).write_text(path.read_text().replace("/srv/observatoire", str(installed)))
    names = sorted(str(p) for p in tmp_path.glob("observatory*"))
    verified = subprocess.run([analyze, "verify", *names], capture_output=True, text=True, timeout=60,
                              cwd=tmp_path)
    assert verified.returncode == 0, verified.stderr


# --- two servers behind nginx ------------------------------------------------------------------

def healthy(url: str, process: subprocess.Popen, log: Path, wait: float = 120) -> None:
    from observatory.healthz import wait_healthy

    wait_until(lambda: wait_healthy(url, 0, say=lambda _: None), process, log, wait, f"{url} not healthy")


@pytest.fixture(scope="module")
def farm(tmp_path_factory, built_site):
    """nginx (the shipped site) in front of two `serve --submissions` on one data root; the static site too."""
    work = tmp_path_factory.mktemp("deploy")
    root = work / "root"
    shutil.copytree(FIXTURE_ROOT, root)
    env = {"OBSERVATORY_LEADS_DIR": str(work / "leads")}  # one leads' folder for both servers, as documented
    made = observatory("leads", "token", "--root", str(root), "--coalition", "alpha", env=env)
    assert made.returncode == 0, made.stderr
    assert observatory("validate", "--root", str(root)).returncode == 0  # once, in the cache both servers read
    ports = [free_port(), free_port()]
    logs = [work / f"serve-{p}.log" for p in ports]
    serves = [start_serve(root, p, log, "--pool-size", "0", "--submissions", "--base-url", LIVE, env=env)
              for p, log in zip(ports, logs)]
    proxy_port = free_port()
    main = nginx_files(work / "nginx", proxy_port, built_site, ports)
    nginx = subprocess.Popen(nginx_command(main), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for port, process, log in zip(ports, serves, logs):
            healthy(f"http://127.0.0.1:{port}{LIVE}healthz", process, log)
        yield {"proxy": f"http://127.0.0.1:{proxy_port}", "root": root, "secret": made.stdout.strip(),
               "serves": serves, "ports": ports, "logs": logs, "access": work / "nginx" / "logs" /
               "observatory.access.log", "nginx_error": work / "nginx" / "logs" / "error.log"}
    finally:
        for process in serves:
            stop(process, signal.SIGKILL)
        nginx.terminate()
        nginx.wait(10)


def served_by(farm, route: str) -> set[str]:
    """The servers (upstream addresses) nginx sent the requests of ``route`` to, from its access log."""
    return {m.group(1) for m in re.finditer(r"upstream=(\S+) route=(\S+)", farm["access"].read_text())
            if m.group(2) == route}


def routes(farm) -> dict[int, str]:
    """A route cookie that nginx sends to each server: asked with /healthz until both are found."""
    found: dict[int, str] = {}
    for n in range(64):
        route = f"visitor{n}"
        request = urllib.request.Request(farm["proxy"] + LIVE + "healthz",
                                         headers={"Cookie": f"observatory_route={route}"})
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - localhost
            assert answer.status == 200
        deadline = time.monotonic() + 10  # nginx writes the log line once it has answered: it may come a bit later
        while not served_by(farm, route) and time.monotonic() < deadline:
            time.sleep(0.05)
        (upstream,) = served_by(farm, route)
        found.setdefault(int(upstream.rsplit(":", 1)[1]), route)
        if len(found) == 2:
            return found
    pytest.fail(f"64 routes all went to {found}")


def context_for(browser, farm, route: str | None):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    if route:
        context.add_cookies([{"name": "observatory_route", "value": route, "domain": "127.0.0.1", "path": LIVE}])
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("response", lambda r: page.problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return context, page


@pytest.mark.browser
def test_the_static_site_works_under_a_sub_path(farm, page):
    """Every page's links, assets and the map resolve under /observatoire/, and so does the 404 page."""
    base = farm["proxy"] + SUB_PATH
    bad = []
    page.on("response", lambda r: bad.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    # (a request cut short by the next navigation, as the favicon of a page left at once, is no failure)
    page.on("requestfailed", lambda r: bad.append(f"failed {r.url}") if "ABORTED" not in (r.failure or "") else None)

    page.goto(base, wait_until="load")
    assert page.evaluate("typeof Plotly") == "object"  # the shared plotly.js, by a relative path
    page.wait_for_selector(".js-plotly-plot svg.main-svg")
    # the map: a territory's shape links to its page
    page.locator("svg a").first.click()
    page.wait_for_load_state("load")
    assert page.url.startswith(base + "territories/"), page.url
    page.wait_for_selector(".js-plotly-plot svg.main-svg")
    # the menus (assets/nav-fr.js): a coalition
    page.locator("#site-menus summary").first.click()
    page.locator("#site-menus a").first.click()
    page.wait_for_load_state("load")
    assert page.url.startswith(base + "coalitions/"), page.url
    # the English edition, and back home by the brand
    page.locator("nav a[hreflang=en]").click()
    page.wait_for_load_state("load")
    assert page.url.startswith(base + "en/coalitions/"), page.url
    page.locator("nav a.brand").click()
    page.wait_for_load_state("load")
    assert page.url == base + "en/index.html"
    page.goto(base + "data/datapackage.json")
    assert bad == [] and page.problems == [] and page.outside_requests == []

    # a missing page, deep down: a 404 whose links still lead home
    for missing, home in ((base + "coalitions/nope.html", base + "index.html"),
                          (base + "en/territories/nope.html", base + "en/index.html")):
        answer = page.goto(missing, wait_until="load")
        assert answer.status == 404
        page.locator("main a").click()
        page.wait_for_load_state("load")
        assert page.url == home
    assert [b for b in bad if "nope.html" not in b] == []


@pytest.mark.browser
def test_two_servers_behind_nginx_share_the_root_and_stop_whole(farm, browser):
    routed = routes(farm)
    first, second = farm["ports"]
    # a submission through each server (each visitor kept on its server by its route cookie)
    for port, figure in ((first, FIGURE_A), (second, FIGURE_B)):
        context, page = context_for(browser, farm, routed[port])
        try:
            open_desk(page, farm["proxy"] + LIVE.rstrip("/"))
            said = send(page, farm, f"depot-{port}.csv", HEADER + figure, farm["secret"])
            assert "1 chiffre(s) à ajouter" in said, said
            page.click("button:has-text('Confirmer l\\'envoi')")
            assert "Enregistré : 1 chiffre(s) ajouté(s)" in next_outcome(page)
            assert page.problems == []
        finally:
            context.close()
        assert served_by(farm, routed[port]) == {f"127.0.0.1:{port}"}
    alpha = (farm["root"] / "data" / "observations" / "alpha.csv").read_text(encoding="utf-8")
    assert "people-trained,rennes,2021-12-31,300,alpha,Registre 2021" in alpha
    assert "device-lifetime,bretagne,2022-06-30,3.9,alpha,Inventaire" in alpha
    history = (farm["root"] / "data" / "history.csv").read_text(encoding="utf-8")
    assert f"depot-{first}.csv" in history and f"depot-{second}.csv" in history

    # a new visitor: nginx gives it a route, and its page, kernel and WebSocket stay on one server
    context, page = context_for(browser, farm, None)
    try:
        open_live(page, farm["proxy"] + LIVE + "voila/render/explorer.ipynb", timeout=90000)
        (cookie,) = [c for c in context.cookies() if c["name"] == "observatory_route"]
        assert page.problems == []
    finally:
        context.close()
    (upstream,) = served_by(farm, cookie["value"])
    channels = []
    for _ in range(40):  # nginx logs a WebSocket when it closes: the tab just closed
        channels = [line for line in farm["access"].read_text().splitlines()
                    if f"route={cookie['value']}" in line and "/channels" in line]
        if channels:
            break
        time.sleep(0.25)
    assert channels and all(f"upstream={upstream} " in line and '" 101 ' in line for line in channels)

    # health through the proxy
    with urllib.request.urlopen(farm["proxy"] + LIVE + "healthz", timeout=60) as answer:  # noqa: S310
        assert answer.headers["Content-Type"] == "application/json" and b'"status": "ok"' in answer.read()

    # SIGTERM to each serve (what systemd's KillMode=mixed does): nothing of either server is left
    trees = []
    for process in farm["serves"]:
        tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
        assert len(tree) >= 2, "serve and its Voilà"
        trees += tree
        process.send_signal(signal.SIGTERM)
    for process in farm["serves"]:
        assert process.wait(60) == 0
    gone, alive = psutil.wait_procs(trees, timeout=10)
    assert alive == []


# --- /healthz ------------------------------------------------------------------------------------

def test_healthz_says_503_when_no_kernel_can_start(tmp_path):
    # serve's own kernel spec runs `python -m observatory.live_kernel`: a sitecustomize on the path makes that
    # process, and only it, exit at once (a kernel that cannot start, as a broken install would give).
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "sitecustomize.py").write_text(
        "import os, sys\nif 'observatory.live_kernel' in getattr(sys, 'orig_argv', ()):\n    os._exit(1)\n")
    path = os.pathsep.join(filter(None, [str(broken), os.environ.get("PYTHONPATH")]))
    port, log = free_port(), tmp_path / "serve.log"
    process = start_serve(FIXTURE_ROOT, port, log, "--pool-size", "0", env={"PYTHONPATH": path})
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, log.read_text()
            try:
                urllib.request.urlopen(url, timeout=60)  # noqa: S310 - localhost
                pytest.fail("healthy with a kernel that cannot start")
            except urllib.error.HTTPError as error:
                if error.code == 503:
                    body = error.read().decode()
                    break
            except (urllib.error.URLError, OSError):
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        assert '"status": "failing"' in body and "Kernel died" in body
        checked = subprocess.run([sys.executable, "-m", "observatory.healthz", url], capture_output=True, text=True,
                                 timeout=60)
        assert checked.returncode == 1 and "not healthy: 503" in checked.stdout
    finally:
        stop(process, signal.SIGKILL)


def test_healthz_with_pools_is_ok_once_a_kernel_is_ready():
    """Preheated pools (serve's default): no kernel is started for the check, the pools are looked at."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from observatory.healthz import Health

    class Kernel:
        def __init__(self, alive):
            self.alive = alive

        async def is_alive(self):
            return self.alive

    class Pools:  # Voilà's pooled kernel manager, as far as /healthz looks at it
        def __init__(self, pools):
            self._pools = pools
            self.kernels = {"k1": Kernel(True), "k2": Kernel(False)}

        def list_kernel_ids(self):
            return list(self.kernels)

        def __contains__(self, kernel_id):
            return kernel_id in self.kernels

        def get_kernel(self, kernel_id):
            return self.kernels[kernel_id]

    async def states():
        loop = asyncio.get_running_loop()
        filling, ready, failed, killed = (loop.create_future() for _ in range(4))
        ready.set_result({"kernel_id": "k1"})
        failed.set_exception(RuntimeError("kernel died before replying"))
        killed.set_result({"kernel_id": "k2"})  # preheated, then killed (out of memory…)
        return [await Health(Pools(pools)).answer() for pools in
                ({"a.ipynb": [filling]}, {"a.ipynb": [ready], "b.ipynb": [filling]},
                 {"a.ipynb": [ready], "b.ipynb": [failed]}, {"a.ipynb": [killed]})]

    with ThreadPoolExecutor(1) as thread:  # a loop of its own (Playwright's may be running in this thread)
        (starting, ok, failing, dead) = thread.submit(asyncio.run, states()).result()
    assert starting[0] == 503 and starting[1]["status"] == "starting"
    assert ok == (200, {"kernels": 2, "ready": 1, "filling": 1, "failed": 0, "status": "ok",
                        "pools": {"a.ipynb": {"size": 1, "ready": 1, "rendered": 0},
                                  "b.ipynb": {"size": 1, "ready": 0, "rendered": 0}}})
    assert failing[0] == 503 and failing[1]["reason"] == "RuntimeError: kernel died before replying"
    assert dead[0] == 503 and dead[1]["reason"] == "kernel k2 died"
