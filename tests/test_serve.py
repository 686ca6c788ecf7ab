"""`observatory serve` as a real process: it stops everything it started, refuses foreign hosts, leaks no paths."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psutil
import pytest

from tests.conftest import FIXTURE_ROOT
from tests.helpers import free_port, port_open, start_serve, wait_until

REPO = Path(__file__).resolve().parent.parent


def _run_async(coroutine):
    """Run a coroutine on a loop of its own thread: Playwright's sync API may hold this thread's loop."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def get(url: str, host: str | None = None, timeout: float = 60) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def wait_until_answering(process: subprocess.Popen, port: int, log: Path, seconds: float = 120) -> None:
    wait_until(lambda: port_open(port) and _home_page_answers(port), process, log, seconds)


def _home_page_answers(port: int) -> bool:
    try:
        return get(f"http://127.0.0.1:{port}/", timeout=10)[0] == 200
    except OSError:
        return False


def started_by(root: Path) -> list[psutil.Process]:
    """Every live process serving this data root: serve, Voilà and the kernels (they inherit its environment)."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("OBSERVATORY_ROOT") == str(root.resolve()) and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            pass
    return found


def kill_all(process: subprocess.Popen, root: Path) -> None:
    for proc in [*started_by(root)]:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    if process.poll() is None:
        process.kill()
    process.wait(10)


# (SIGHUP takes the same handler as SIGTERM and SIGINT: observatory.serve.STOP_SIGNALS)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=["TERM", "INT", "KILL"])
def test_stopping_serve_stops_voila_and_its_kernels(sig, root_copy, tmp_path):
    port, log = free_port(), tmp_path / "serve.log"
    process = start_serve(root_copy, port, log)
    try:
        wait_until_answering(process, port, log)
        deadline = time.monotonic() + 60
        while len(started_by(root_copy)) < 3 and time.monotonic() < deadline:  # serve, Voilà, a kernel at least
            time.sleep(0.5)
        before = started_by(root_copy)
        assert len(before) >= 3, [p.cmdline() for p in before]
        # Kernels talk to Voilà over socket files (their connection file says so): no TCP ports drawn for five
        # channels, which two starting kernels drew twice with ten pools filling, and another local user reaches.
        kernels = [p.cmdline() for p in started_by(root_copy) if "observatory.live_kernel" in p.cmdline()]
        assert kernels
        for command in kernels:
            connection = json.loads(Path(command[command.index("-f") + 1]).read_text())
            assert connection["transport"] == "ipc", connection

        from observatory.serve import OWNER, WORK_PREFIX, sweep_orphans

        work = [f for f in Path(tempfile.gettempdir()).glob(WORK_PREFIX + "*")
                if (f / OWNER).exists() and (f / OWNER).read_text().split()[0] == str(process.pid)]
        assert len(work) == 1, work

        process.send_signal(sig)  # to serve alone, as `kill` or a service manager would
        deadline = time.monotonic() + 20
        while (started_by(root_copy) or port_open(port)) and time.monotonic() < deadline:
            time.sleep(0.5)
        survivors = [" ".join(p.cmdline()[:4]) for p in started_by(root_copy)]
        assert survivors == [], f"still running {20} s after SIG{sig.name[3:]} to serve: {survivors}"
        assert not port_open(port), f"port {port} still answers after SIG{sig.name[3:]} to serve"
        assert process.wait(20) is not None
        if sig == signal.SIGKILL:  # serve had no chance to clean up: the next one does
            assert work[0].exists()
            sweep_orphans()
        assert not work[0].exists()
    finally:
        kill_all(process, root_copy)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server without preheating (light), that also accepts the name observatoire.example."""
    port, log = free_port(), tmp_path_factory.mktemp("serve") / "serve.log"
    root = FIXTURE_ROOT
    process = start_serve(root, port, log, "--pool-size", "0", "--allow-host", "observatoire.example")
    try:
        wait_until_answering(process, port, log)
        yield port, log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.parametrize("path", ["/", "/voila/tree", "/voila/render/coalition.ipynb"])
def test_foreign_host_names_are_refused(server, path):
    # (Voilà's static files, public JavaScript and CSS, are served to any host: Jupyter checks pages and APIs.)
    port, _ = server
    base = f"http://127.0.0.1:{port}"
    assert get(base + path, host="evil.example")[0] in (400, 403)
    assert get(base + path, host=f"evil.example:{port}")[0] in (400, 403)


def test_local_and_allowed_host_names_are_served(server):
    port, _ = server
    base = f"http://127.0.0.1:{port}"
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"observatoire.example:{port}", "localhost"):
        status, _ = get(base + "/", host=host)
        assert status == 200, host


async def _kernel_socket_status(port: int, kernel_id: str, host: str) -> int:
    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    request = HTTPRequest(f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels", headers={"Host": host})
    try:
        connection = await websocket_connect(request)
    except HTTPClientError as error:
        return error.code
    connection.close()
    return 101


async def _talk_to_kernel(port: int, kernel_id: str, messages: list[dict]) -> list[dict]:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    session = uuid.uuid4().hex
    request = HTTPRequest(f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels?session_id={session}")
    connection = await websocket_connect(request)
    received = []
    for content, msg_type in messages:
        await connection.write_message(json.dumps({
            "header": {"msg_id": uuid.uuid4().hex, "username": "visitor", "session": session,
                       "msg_type": msg_type, "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "content": content, "channel": "shell", "buffers": []}))
        try:
            while True:
                message = await asyncio.wait_for(connection.read_message(), 4)
                if message is None:
                    break
                if isinstance(message, str):
                    received.append(json.loads(message))
        except asyncio.TimeoutError:
            pass
    connection.close()
    return received


def test_a_visitor_sees_no_traceback_nor_server_path(server):
    """What a visitor's browser can send (comms) and what comes back: no traceback, no file path."""
    port, log = server
    status, page = get(f"http://127.0.0.1:{port}/voila/render/explorer.ipynb", timeout=120)
    assert status == 200
    kernel_id = re.search(r'"kernelId": "([0-9a-f-]+)"', page).group(1)
    widget = re.search(r'"model_id": "([0-9a-f]+)"', page).group(1)  # the explorer's root VBox
    assert _run_async(_kernel_socket_status(port, kernel_id, "evil.example")) in (400, 403)  # DNS rebinding
    received = _run_async(_talk_to_kernel(port, kernel_id, [
        ({"comm_id": uuid.uuid4().hex, "target_name": "nope", "data": {}}, "comm_open"),
        ({"comm_id": uuid.uuid4().hex, "target_name": "jupyter.widget", "data": {"state": {"_model_name": 7}}},
         "comm_open"),
        ({"comm_id": widget, "data": {"method": "update", "state": {"children": "nope"}}}, "comm_msg"),
        ({"comm_id": widget, "data": {"method": "nope"}}, "comm_msg"),
    ]))
    shown = json.dumps([m["content"] for m in received if m["msg_type"] in ("stream", "error", "display_data")],
                       ensure_ascii=False)
    assert received, "the kernel answered nothing"
    assert "Traceback" not in shown
    for secret in (str(REPO), sys.prefix, "site-packages", ".py"):
        assert secret not in shown, f"{secret!r} shown to a visitor: {shown[:2000]}"


def test_serve_prints_no_notebook_is_not_trusted_warning(server):
    """Each notebook Voilà reads (each preheated pool, each visit) logged "Notebook … is not trusted": ten lines at
    every start. serve's work copies are signed by a notary whose key and database live in its work folder."""
    port, log = server
    for path in ("coalition.ipynb", "en/coalition.ipynb"):
        assert get(f"http://127.0.0.1:{port}/voila/render/{path}", timeout=120)[0] == 200
    text = log.read_text()
    assert "serving the dashboards" in text
    assert "is not trusted" not in text, [line for line in text.splitlines() if "trusted" in line]


def test_a_killed_serves_work_folder_is_removed_by_the_next(tmp_path):
    """kill -9 gives serve no chance to remove its temporary folder: the next serve does."""
    from observatory.serve import OWNER, WORK_PREFIX, sweep_orphans

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    me = psutil.Process()
    orphan, live, foreign = tmp_path / (WORK_PREFIX + "a"), tmp_path / (WORK_PREFIX + "b"), tmp_path / (WORK_PREFIX + "c")
    for folder in (orphan, live, foreign):
        (folder / "results").mkdir(parents=True)
    (orphan / OWNER).write_text(f"{dead.pid} 1.0")
    (live / OWNER).write_text(f"{me.pid} {me.create_time()}")
    assert sweep_orphans(tmp_path) == [orphan]
    assert not orphan.exists() and live.exists() and foreign.exists()


def test_a_second_serve_on_a_taken_port_says_so_and_exits_2(tmp_path):
    """Voilà used to move silently to the next port while serve announced the one asked for: visitors and leads
    reached another root than they meant to. Now the port must be free, or serve says it is taken and exits 2."""
    with socket.socket() as first:  # what the first serve holds
        first.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        first.bind(("127.0.0.1", 0))
        first.listen()
        port = first.getsockname()[1]
        try:
            second = subprocess.run([sys.executable, "-m", "observatory", "serve", "--root", str(FIXTURE_ROOT),
                                     "--port", str(port), "--pool-size", "0"],
                                    capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as hung:
            pytest.fail(f"the second serve kept running on another port: {hung.stderr}")
    assert second.returncode == 2, second.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in second.stderr
    assert "Traceback" not in second.stderr and "serving the dashboards" not in second.stderr
    assert not any(port_open(port + i) for i in range(1, 5))


def test_voila_never_moves_to_another_port():
    from observatory.serve import voila_command

    assert "--Voila.port_retries=0" in voila_command(8866)  # even if the port is taken between check and start


def test_voila_killed_serve_says_so_exits_3_and_leaves_no_temp_files(root_copy, tmp_path):
    """Voilà killed under serve: serve used to exit 247 (undocumented) without a word, leaving Voilà's voila_*
    folder of socket and key files in the system's temp folder, which no later serve swept."""
    port, log = free_port(), tmp_path / "serve.log"
    process = start_serve(root_copy, port, log, "--pool-size", "0")
    try:
        wait_until_answering(process, port, log)
        assert get(f"http://127.0.0.1:{port}/voila/render/explorer.ipynb", timeout=120)[0] == 200  # a kernel
        connections = Path(re.search(r"Storing connection files in (\S+)\.\n", log.read_text()).group(1))
        assert connections.exists() and any(connections.iterdir())
        voila = [p for p in psutil.Process(process.pid).children() if "observatory.voila_app" in p.cmdline()]
        assert len(voila) == 1
        voila[0].kill()
        assert process.wait(30) == 3
        said = log.read_text()
        assert "error: Voilà was killed by signal SIGKILL" in said and "Traceback" not in said
        assert not connections.exists(), f"{connections} left behind"
        assert started_by(root_copy) == []
    finally:
        kill_all(process, root_copy)
