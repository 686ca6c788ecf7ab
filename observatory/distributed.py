"""``observatory build --scheduler tcp://HOST:8786``: the pages run on a Dask cluster.

The build (the client) validates, computes the results and keeps every file it publishes to
itself; the cluster only runs pages. The results' tables are sent once to each worker (scattered,
not sent with every page); each task writes them into the worker's own folder, runs its page there
with the worker's warm kernel (:mod:`observatory.warm_engine`) and returns the page and the executed
notebook as bytes, which the build writes. So workers need no shared disk: they neither read the
data root nor write the output folder, and any machine with the same version of the package
installed can be one.

A worker that dies (killed, out of memory, its machine gone) loses nothing: the scheduler gives its
pages to the other workers (Dask reruns the tasks of a lost worker). A worker runs one page at a time
(the warm kernel and papermill's working folder are per process): start workers with
``--nthreads 1`` and as many ``--nworkers`` as cores.

``distributed`` is imported only here, only with ``--scheduler`` (the build reads the option and the
environment variable itself).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from distributed import Client, WorkerPlugin, as_completed, get_worker

from observatory import __version__, bundled, execute
from observatory.errors import ObservatoryError, Text

PLUGIN_NAME = "observatory-pages"
# How long to wait for the scheduler to answer (seconds).
CONNECT_TIMEOUT = float(os.environ.get("OBSERVATORY_SCHEDULER_TIMEOUT", "10"))
# A scheduler's first message (its handshake) is about 60 bytes; Dask reads any length a peer announces and
# allocates it (garbage read as a length asked for 3 EiB): the probe refuses more than this.
HANDSHAKE_MAX = 64 * 1024


class PageWorker(WorkerPlugin):
    """A Dask worker plugin: the worker's folder for results and pages, and one page at a time.

    Its warm kernel is the worker process's (observatory.warm_engine.POOL), shut down with the worker.
    """

    name = PLUGIN_NAME

    def setup(self, worker=None) -> None:  # noqa: ARG002 - Dask's plugin signature
        self.folder = Path(tempfile.mkdtemp(prefix="observatory-worker-"))
        self.lock = threading.Lock()
        self.results: dict[str, Path] = {}

    def teardown(self, worker=None) -> None:  # noqa: ARG002
        from observatory import warm_engine

        warm_engine.POOL.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def results_dir(self, tables: dict[str, bytes]) -> Path:
        """The results' tables written once in this worker's folder (kept for the build's next pages)."""
        sha = hashlib.sha256()
        for name, content in sorted(tables.items()):
            sha.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
        digest = sha.hexdigest()[:16]
        if digest not in self.results:
            folder = self.folder / f"results-{digest}"
            folder.mkdir(exist_ok=True)
            for name, content in tables.items():
                (folder / f"{name}.csv").write_bytes(content)
            self.results[digest] = folder
        return self.results[digest]


def _this_worker_plugin() -> PageWorker:
    return get_worker().plugins[PLUGIN_NAME]


def run_page_remotely(job: execute.PageJob, tables: dict[str, bytes], version: str):
    """On a worker: run one page in the worker's folder; return (outcome, page bytes, notebook bytes)."""
    if version != __version__:
        return (execute.PageOutcome(job.key, ok=False, error=f"this worker runs observatory {__version__}, the "
                                    f"build {version}: install the same version on every machine"), None, None)
    plugin = _this_worker_plugin()
    with plugin.lock:
        results_dir = plugin.results_dir(tables)
        work = Path(tempfile.mkdtemp(prefix="page-", dir=plugin.folder))
        try:
            notebooks = bundled.notebooks()
            here = replace(
                job,
                notebook=str(notebooks / Path(job.notebook).name),
                executed=str(work / "page.ipynb"),
                page=str(work / "page.html"),
                cwd=str(notebooks),
                templates=str(bundled.templates()),
                parameters={**job.parameters, "results_dir": str(results_dir)},
            )
            outcome = execute.run_page(here)
            if not outcome.ok:
                return outcome, None, None
            notebook = Path(here.executed).read_bytes()
            # The executed notebook says where the build's results are, as a local build's does.
            notebook = notebook.replace(_json_text(str(results_dir)), _json_text(job.parameters["results_dir"]))
            return outcome, Path(here.page).read_bytes(), notebook
        finally:
            shutil.rmtree(work, ignore_errors=True)


def _json_text(text: str) -> bytes:
    import json

    return json.dumps(text)[1:-1].encode("utf-8")


def run_pages(address: str, jobs: list[execute.PageJob], tables: dict[str, bytes],
              say: Callable[[str], None]) -> Iterator[tuple[execute.PageJob, execute.PageOutcome]]:
    """Run the pages on the cluster at ``address``; yield each job and its outcome as they finish.

    The page and the executed notebook are written by this process (atomically) before it yields.
    """
    probe(address)
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ObservatoryError(Text("scheduler_no_answer", address=address, error=str(exc),
                                    expected=Text("scheduler_expected"))) from exc
    try:
        workers = client.scheduler_info().get("workers", {})
        say(Text("scheduler_workers", address=address, count=len(workers)))
        client.register_plugin(PageWorker(), name=PLUGIN_NAME)
        shared = client.scatter(tables, broadcast=True, hash=True)
        futures = {client.submit(run_page_remotely, job, shared, __version__, key=f"page-{job.key}-{job.digest[:12]}",
                                 pure=False): job for job in jobs}
        for future in as_completed(list(futures), loop=client.loop):
            job = futures[future]
            try:
                outcome, page, notebook = future.result()
            except Exception as exc:  # noqa: BLE001 - a page the cluster could not run fails alone
                outcome, page, notebook = execute.PageOutcome(job.key, ok=False,
                                                              error=f"{type(exc).__name__}: {exc}"), None, None
            if outcome.ok:
                outcome = _write(job, outcome, page, notebook)
            yield job, outcome
    finally:
        client.close()


def probe(address: str, timeout: float | None = None) -> None:
    """Make sure a Dask scheduler listens at ``address`` before Dask's client connects to it.

    Dask's client waits without limit for a peer that accepts and says nothing, and allocates whatever length
    a peer's first bytes announce. Here, within ``timeout`` (CONNECT_TIMEOUT) seconds: connect (a refused
    connection is retried, the scheduler may be starting), read the scheduler's handshake (a length, then at
    most HANDSHAKE_MAX bytes that decode as Dask's handshake) and answer it in kind, so the scheduler sees a
    well-behaved peer that leaves. ObservatoryError, naming the address, otherwise.
    """
    from observatory.dask_address import parse

    try:
        host, port = parse(address)
    except ValueError as exc:
        raise ObservatoryError(Text("scheduler_bad_address", error=str(exc))) from None
    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    seconds = f"{timeout:g}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            connection = socket.create_connection((host, port), timeout=max(0.1, deadline - time.monotonic()))
            break
        except ConnectionRefusedError as exc:
            if time.monotonic() + 0.5 >= deadline:
                raise ObservatoryError(Text("scheduler_refused", address=address, error=str(exc), seconds=seconds,
                                            expected=Text("scheduler_expected"))) from None
            time.sleep(0.5)
        except OSError as exc:  # unknown host, unreachable network, timed out
            raise ObservatoryError(Text("scheduler_unreachable", address=address,
                                        error=str(exc) or Text("scheduler_timed_out"), seconds=seconds,
                                        expected=Text("scheduler_expected"))) from None
    with connection:
        try:
            header = _read_exactly(connection, 8, deadline)
            (length,) = struct.unpack("Q", header)  # as Dask reads it (native order)
            if not 16 <= length <= HANDSHAKE_MAX:
                raise ValueError(Text("scheduler_announces", header=repr(header), length=f"{length:,}"))
            payload = _read_exactly(connection, length, deadline)
            _check_handshake(payload)
            connection.sendall(header + payload)  # the same versions: a handshake the scheduler accepts
        except TimeoutError:
            raise ObservatoryError(Text("scheduler_silent", address=address, seconds=seconds,
                                        expected=Text("scheduler_expected"))) from None
        except (OSError, ValueError) as exc:
            # our own ValueErrors carry a Text: said in the reader's language with the rest
            error = exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], Text) else str(exc)
            raise ObservatoryError(Text("scheduler_not_dask", address=address, error=error,
                                        expected=Text("scheduler_expected"))) from None


def _read_exactly(connection: socket.socket, count: int, deadline: float) -> bytes:
    data = bytearray()
    while len(data) < count:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        connection.settimeout(left)
        chunk = connection.recv(count - len(data))
        if not chunk:
            raise ValueError(Text("scheduler_closed", received=repr(bytes(data[:16]))))
        data += chunk
    return bytes(data)


def _check_handshake(payload: bytes) -> None:
    from distributed.protocol.core import loads
    from distributed.protocol.utils import unpack_frames

    try:
        message = loads(unpack_frames(payload), deserialize=False)
    except Exception as exc:  # noqa: BLE001 - any garbage: described below
        raise ValueError(Text("scheduler_undecodable", error=type(exc).__name__)) from None
    if not isinstance(message, dict) or "python" not in message:
        raise ValueError(Text("scheduler_not_handshake", message=repr(str(message)[:60])))


def _write(job: execute.PageJob, outcome: execute.PageOutcome, page: bytes, notebook: bytes) -> execute.PageOutcome:
    from observatory.atomic import DISK_FULL
    from observatory.site import write_atomic

    for path, content in ((job.executed, notebook), (job.page, page)):
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            write_atomic(Path(path), content)
        except OSError as exc:
            if exc.errno in DISK_FULL:
                return replace(outcome, ok=False, errno=exc.errno, path=path, error=f"disk full while writing {path}")
            raise
    return outcome
