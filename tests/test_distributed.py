"""``observatory build --scheduler``: the pages run on a Dask cluster (here a LocalCluster of two worker
processes) and come back the same, byte for byte; a worker killed mid-build loses no page; a scheduler
that does not answer gets a clear message."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import psutil
import pytest

from observatory.build import build
from tests.conftest import FIXTURE_ROOT, dashboard_pages


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=50) as local, Client(local) as client:
        yield local.scheduler_address, client


def _comparable(path: Path, site: Path) -> dict:
    """An executed notebook without its timings, the site's folder written SITE."""
    nb = json.loads(path.read_text(encoding="utf-8").replace(str(site), "SITE"))
    for cell in nb["cells"]:
        cell["metadata"].pop("execution", None)
        cell["metadata"].pop("papermill", None)
    nb["metadata"].pop("papermill", None)
    return nb


def _assert_same_site(site: Path, reference: Path) -> None:
    pages = dashboard_pages(reference)
    assert len(pages) == 12 and dashboard_pages(site) == pages
    for page in pages:
        assert (site / page).read_bytes() == (reference / page).read_bytes(), page
    for notebook in sorted(p.relative_to(reference) for p in reference.rglob("*.ipynb")):
        assert _comparable(site / notebook, site) == _comparable(reference / notebook, reference), notebook


def test_a_cluster_builds_the_same_site_and_its_workers_need_no_shared_disk(cluster, built_site, tmp_path):
    address, client = cluster
    out = tmp_path / "site"
    said = []
    report = build(FIXTURE_ROOT, out, scheduler=address, say=said.append)
    assert report.ok, report.failed
    assert len(report.built) == 12 and f"Dask scheduler {address}: 2 worker(s)" in said
    _assert_same_site(out, built_site)
    # the workers ran the pages in folders of their own and sent them back: this process wrote the site
    for notebook in out.rglob("*.ipynb"):
        written_by_papermill = json.loads(notebook.read_text(encoding="utf-8"))["metadata"]["papermill"]["output_path"]
        assert "/observatory-worker-" in written_by_papermill and str(out) not in written_by_papermill


def test_a_worker_killed_mid_build_loses_no_page(cluster, built_site, tmp_path):
    address, client = cluster
    out, killed = tmp_path / "site", []

    def kill_a_busy_worker() -> None:
        """Kill (SIGKILL) the first worker seen running a page: it has a kernel as a child process."""
        pids = list(client.run(os.getpid).values())
        deadline = time.monotonic() + 60
        while not killed and time.monotonic() < deadline:
            for pid in pids:
                try:
                    if psutil.Process(pid).children():
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                        break
                except psutil.NoSuchProcess:
                    continue
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    report = build(FIXTURE_ROOT, out, scheduler=address, force=True, say=lambda _: None)
    killer.join()
    assert killed, "no worker was seen running a page"
    assert report.ok, report.failed
    assert len(report.built) == 12
    _assert_same_site(out, built_site)


def test_a_scheduler_that_does_not_answer_is_named(cli, tmp_path, monkeypatch):
    import observatory.distributed

    monkeypatch.setattr(observatory.distributed, "CONNECT_TIMEOUT", 2.0)
    code, _, err = cli("build", "--root", FIXTURE_ROOT, "--out", tmp_path / "site", "--scheduler",
                       "tcp://127.0.0.1:9", "--only", "programme")
    assert code == 1
    assert "error: --scheduler tcp://127.0.0.1:9: no Dask scheduler answered" in err
    assert "expected the address of a running `dask scheduler`" in err and "Traceback" not in err


# --- something that is not a Dask scheduler: a message naming the address, a documented exit code, no hang ---

@pytest.fixture
def impostor():
    """A server on 127.0.0.1 that is not a Dask scheduler: "silent" accepts and says nothing, "garbage" answers
    as a web server would. Yields a function starting one; every socket is closed at the end."""
    import socket

    sockets: list[socket.socket] = []

    def start(kind: str) -> str:
        server = socket.create_server(("127.0.0.1", 0))
        sockets.append(server)

        def serve() -> None:
            while True:
                try:
                    connection, _ = server.accept()
                except OSError:
                    return
                sockets.append(connection)
                if kind == "garbage":
                    try:
                        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" * 4)
                    except OSError:
                        pass

        threading.Thread(target=serve, daemon=True).start()
        return f"tcp://127.0.0.1:{server.getsockname()[1]}"

    yield start
    for each in sockets:
        each.close()


def _build_at(scheduler: str, out: Path) -> tuple[int, str]:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "observatory", "build", "--root", str(FIXTURE_ROOT), "--out", str(out),
                           "--only", "programme", "--scheduler", scheduler], capture_output=True, text=True,
                          timeout=90, stdin=subprocess.DEVNULL,
                          env={**os.environ, "OBSERVATORY_SCHEDULER_TIMEOUT": "2"})
    return done.returncode, done.stderr


def test_a_port_that_accepts_and_says_nothing_is_named_within_the_timeout(impostor, tmp_path):
    address = impostor("silent")
    code, err = _build_at(address, tmp_path / "site")  # Dask's client alone waited without end
    assert code == 1, err
    assert f"error: --scheduler {address}: the connection was accepted but no Dask scheduler answered within 2 s" \
        in err and "Traceback" not in err


def test_a_port_that_answers_garbage_is_named(impostor, tmp_path):
    address = impostor("garbage")
    code, err = _build_at(address, tmp_path / "site")  # Dask's client tried to allocate 3.07 EiB: exit 3
    assert code == 1, err
    assert f"error: --scheduler {address}: what answered is not a Dask scheduler" in err
    assert "MemoryError" not in err and "Traceback" not in err


def test_the_probes_refusal_is_said_in_french_too(impostor):
    """Issue 22 item 3: the whole message, what the probe read included, in the reader's language."""
    from observatory.distributed import probe
    from observatory.errors import ObservatoryError

    address = impostor("garbage")
    with pytest.raises(ObservatoryError) as refused:
        probe(address, timeout=2)
    assert refused.value.text("fr").startswith(f"--scheduler {address} : ce qui a répondu n'est pas un "
                                               "ordonnanceur Dask (ses premiers octets ")
    assert refused.value.text("en").startswith(f"--scheduler {address}: what answered is not a Dask scheduler "
                                               "(its first bytes ")


def test_an_address_of_the_wrong_form_is_a_usage_error(capsys, tmp_path, monkeypatch):
    from observatory.cli import main

    code, err = _build_at("notaurl", tmp_path / "site")  # was exit 3 and tracebacks
    assert code == 2 and "argument --scheduler: found 'notaurl', expected an address of the form tcp://HOST:PORT" \
        in err and "Traceback" not in err
    for wrong in ("tcp://host", "tcp://host:99999", "http://127.0.0.1:8786", "tcp://:8786", "tcp://a b:1"):
        with pytest.raises(SystemExit) as exited:
            main(["build", "--root", str(FIXTURE_ROOT), "--out", str(tmp_path / "site"), "--scheduler", wrong])
        assert exited.value.code == 2 and f"found '{wrong}'" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "notaurl")  # the variable: refused as well, before any work
    with pytest.raises(Exception, match="DASK_SCHEDULER_ADDRESS: found 'notaurl'"):
        build(FIXTURE_ROOT, tmp_path / "site")
    assert not (tmp_path / "site").exists()
