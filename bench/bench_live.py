"""Benchmark: `observatory serve` under an audience: concurrent visits to the live explorer.

    python bench/bench_live.py [--root .] [--levels 1,5,10,20] [--rounds 2] [--visits 300] [--idle-timeout 30]
                               [--max-kernels N] [--pool-size 1] [--explorer-pool-size N] [--page explorer.ipynb]

Starts a real `observatory serve` on 127.0.0.1 and drives visits with clients that speak Voilà's protocol,
not browsers: a visit GETs the page as a browser does, streaming it, then opens the kernel's WebSocket and
asks for the widgets' state as the page's widget manager does (ipywidgets' control comm); its *first chart* is
the moment the first Plotly figure (``application/vnd.plotly.v1+json``) has arrived, in the page (dashboards)
or in the widgets' state (the explorer draws into an Output widget). It stays ``--dwell`` seconds and leaves
(closes the WebSocket). Why not Chromium: 20 browsers on this 2-core machine would take the CPU the server is
measured on, and what the server does per visit (a kernel, a rendered notebook, a WebSocket) is the same;
the browser's own drawing (about 0.3 s for the explorer, tests/test_browser_live.py) is not counted.

For each concurrency level: ``rounds`` waves of that many simultaneous visitors; between two waves, the
visitors' kernels end and every pool is full again, its pages rendered (serve's /healthz), so that each wave
meets the server in its steady state (the refill's time is reported). Reported: time to first
chart (p50, p95), errors (no chart, HTTP errors other than the busy page, timeouts), busy pages (over
--max-kernels, counted apart), the most kernels alive, and the server's memory, all its processes together
(RSS summed, and PSS, which counts a page shared by n processes 1/n in each), at its peak. Then ``visits``
visits in a row, and the memory after the idle timeout, against the memory after start-up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CHART = b"application/vnd.plotly.v1+json"
BUSY = b'data-observatory="busy"'
KERNEL_ID = re.compile(rb'"kernelId": "([0-9a-f-]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def is_kernel(proc: psutil.Process) -> bool:
    command = " ".join(proc.cmdline())
    return "observatory.live_kernel" in command or "ipykernel_launcher" in command


def memory(pid: int) -> tuple[float, float, int]:
    """(RSS MB, PSS MB, kernels) of serve and everything it started."""
    rss = pss = 0
    kernels = 0
    for proc in tree(pid):
        try:
            info = proc.memory_full_info()
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
            kernels += is_kernel(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            pass
    return rss / 2**20, pss / 2**20, kernels


class Sampler:
    """The server's memory and kernels, sampled while visits run; the peak is kept."""

    def __init__(self, pid: int):
        self.pid, self.peak, self.running = pid, (0.0, 0.0, 0), True

    async def run(self) -> None:
        while self.running:
            now = await asyncio.to_thread(memory, self.pid)
            self.peak = tuple(max(a, b) for a, b in zip(self.peak, now))
            await asyncio.sleep(0.5)


async def visit(base: str, page: str, dwell: float, timeout: float) -> tuple[str, float | None]:
    """One visitor: ("ok" | "busy" | "error: ...", seconds to the first chart)."""
    from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    started = time.perf_counter()
    body, first_chart = bytearray(), None

    def chunk(data: bytes) -> None:
        nonlocal first_chart
        tail = len(body)
        body.extend(data)
        if first_chart is None and CHART in body[max(0, tail - len(CHART)):]:
            first_chart = time.perf_counter() - started

    client = AsyncHTTPClient(force_instance=True, max_body_size=2**30)
    try:
        await client.fetch(HTTPRequest(base + "/voila/render/" + page, streaming_callback=chunk,
                                       request_timeout=timeout, connect_timeout=timeout))
    except HTTPClientError as error:
        if error.code == 503 and BUSY in body:
            return "busy", None
        return f"error: HTTP {error.code}", None
    except Exception as error:  # noqa: BLE001 - a timeout, a reset: an error the visitor sees
        return f"error: {type(error).__name__}: {error}", None
    finally:
        client.close()
    kernel = KERNEL_ID.search(body)
    if not kernel:
        return "error: no kernel in the page", None
    # The page's widget manager connects to its kernel and asks for the widgets' state (where the explorer's
    # chart is, in an Output widget); the visitor stays, then leaves.
    session = uuid.uuid4().hex
    try:
        connection = await websocket_connect(HTTPRequest(
            f"{base.replace('http', 'ws', 1)}/api/kernels/{kernel.group(1).decode()}/channels"
            f"?session_id={session}", request_timeout=timeout))
        comm = uuid.uuid4().hex
        await connection.write_message(_message(session, "comm_open", {
            "comm_id": comm, "target_name": "jupyter.widget.control", "data": {}}, {"version": "1.0.0"}))
        await connection.write_message(_message(session, "comm_msg", {
            "comm_id": comm, "data": {"method": "request_states"}}))
        deadline = started + timeout
        while first_chart is None:
            message = await asyncio.wait_for(connection.read_message(), max(0.1, deadline - time.perf_counter()))
            if message is None:
                raise ConnectionError("the kernel's WebSocket closed")
            if CHART in (message if isinstance(message, bytes) else message.encode()):
                first_chart = time.perf_counter() - started
        await asyncio.sleep(dwell)
        connection.close()
    except Exception as error:  # noqa: BLE001
        return f"error: WebSocket: {type(error).__name__}: {error}", None
    return "ok", first_chart


def _message(session: str, msg_type: str, content: dict, metadata: dict | None = None) -> str:
    return json.dumps({
        "header": {"msg_id": uuid.uuid4().hex, "username": "visitor", "session": session, "msg_type": msg_type,
                   "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": metadata or {}, "content": content, "channel": "shell", "buffers": []})


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


async def wave(base: str, page: str, visitors: int, dwell: float, timeout: float) -> list[tuple[str, float | None]]:
    return await asyncio.gather(*(visit(base, page, dwell, timeout) for _ in range(visitors)))


async def level(base: str, pid: int, page: str, visitors: int, rounds: int, dwell: float, timeout: float,
                settle: float, pools: bool = True) -> dict:
    sampler = Sampler(pid)
    sampling = asyncio.ensure_future(sampler.run())
    results, refills = [], []
    for _ in range(rounds):
        results += await wave(base, page, visitors, dwell, timeout)
        # The visitors' kernels end and the pools refill (one kernel at a time): the next wave meets the server as
        # the first did, in its steady state. How long the refill took is reported: a crowd coming back sooner
        # finds fewer kernels ready.
        t0 = time.perf_counter()
        await asyncio.sleep(settle)
        if pools:
            await asyncio.to_thread(pools_filled, base, 600)
        refills.append(time.perf_counter() - t0)
    sampler.running = False
    await sampling
    charts = [t for status, t in results if status == "ok"]
    errors = [status for status, _ in results if status.startswith("error")]
    return {"visitors": visitors, "visits": len(results), "p50": percentile(charts, 0.5),
            "p95": percentile(charts, 0.95), "errors": len(errors), "error_kinds": sorted(set(errors))[:3],
            "busy": sum(status == "busy" for status, _ in results), "kernels_peak": sampler.peak[2],
            "rss_peak_mb": round(sampler.peak[0]), "pss_peak_mb": round(sampler.peak[1]),
            "load_average": round(os.getloadavg()[0], 1), "refill_s_max": round(max(refills), 1)}


def start_serve(args, port: int, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "observatory", "serve", "--root", str(args.root), "--port", str(port),
               "--pool-size", str(args.pool_size), "--idle-timeout", str(args.idle_timeout)]
    if args.max_kernels:
        command += ["--max-kernels", str(args.max_kernels)]
    if args.explorer_pool_size is not None:
        command += ["--explorer-pool-size", str(args.explorer_pool_size)]
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    from observatory.serve import live_notebooks

    pools = len(live_notebooks(submissions=False))
    deadline = time.monotonic() + 600
    while log.read_text().count("is filled with") < (pools if args.pool_size > 0 else 0) \
            or "Voilà is running at" not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            raise SystemExit(f"observatory serve did not start: {log.read_text()[-2000:]}")
        time.sleep(0.5)
    return process


def pools_filled(base: str, seconds: float) -> int:
    """Wait until every pool has all its kernels ready, their pages rendered (serve's /healthz); the preheated
    kernels' number.
    (Voilà logs a pool "filled" when its kernels have started, which the process count may not show yet.)"""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=60) as answer:  # noqa: S310 - localhost
                pools = json.loads(answer.read()).get("pools", {})
        except (urllib.error.URLError, OSError, ValueError):
            pools = {}
        # Every pool's pages rendered, not only its kernels started: the steady state a visitor meets.
        if pools and all(pool.get("rendered", pool["ready"]) == pool["size"] for pool in pools.values()):
            return sum(pool["size"] for pool in pools.values())
        if time.monotonic() > deadline:
            raise SystemExit(f"the pools did not fill in {seconds} s: {pools}")
        time.sleep(2)


def steady_memory(pid: int, seconds: float = 120) -> tuple[float, float, int]:
    """The memory once it no longer moves (within 1 % over 6 s): the preheated kernels have rendered."""
    samples = [memory(pid)]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(2)
        samples.append(memory(pid))
        last = [rss for rss, _, _ in samples[-4:]]
        if len(last) == 4 and max(last) <= 1.01 * min(last):
            break
    return samples[-1]


def settle_until_idle(pid: int, preheated: int, seconds: float) -> None:
    """Wait until only the preheated kernels are left (the visitors' have ended), at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while memory(pid)[2] > preheated and time.monotonic() < deadline:
        time.sleep(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(REPO), help="data root served (default: the shipped one)")
    parser.add_argument("--page", default="explorer.ipynb")
    parser.add_argument("--levels", default="1,5,10,20")
    parser.add_argument("--rounds", type=int, default=2, help="waves per level (the lone visitor: 5 × this)")
    parser.add_argument("--visits", type=int, default=300, help="visits in a row after the levels (0: none)")
    parser.add_argument("--dwell", type=float, default=2.0, help="seconds a visitor stays after the chart")
    parser.add_argument("--row-dwell", type=float, default=0.5, help="the same, for the visits in a row")
    parser.add_argument("--idle-timeout", type=int, default=30)
    parser.add_argument("--max-kernels", type=int, default=0, help="serve's --max-kernels (default: serve's)")
    parser.add_argument("--pool-size", type=int, default=1)
    parser.add_argument("--explorer-pool-size", type=int, help="serve's --explorer-pool-size (default: serve's)")
    parser.add_argument("--timeout", type=float, default=120.0, help="a visit longer than this is an error")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="bench-live-")) / "serve.log"
    started = time.perf_counter()
    process = start_serve(args, port, log)
    base = f"http://127.0.0.1:{port}"
    report: dict = {"cpus": os.cpu_count(), "load_at_start": os.getloadavg()[0], "pool_size": args.pool_size,
                    "idle_timeout": args.idle_timeout, "page": args.page}
    try:
        preheated = pools_filled(base, 600) if args.pool_size > 0 else 0
        print(f"serve ready in {time.perf_counter() - started:.1f} s, {preheated} preheated kernels "
              f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)", flush=True)
        rss, pss, _ = steady_memory(process.pid)  # "filled" is said when the kernels start, not when rendered
        report["start"] = {"rss_mb": round(rss), "pss_mb": round(pss), "kernels": preheated}
        print(f"after start-up: {rss:.0f} MB RSS, {pss:.0f} MB PSS", flush=True)
        settle = min(args.idle_timeout, 5) + 3  # a kernel ends 5 s after its visitor left
        report["levels"] = []
        for visitors in [int(v) for v in args.levels.split(",") if v.strip()]:  # --levels '': none
            # A lone visitor: one every 15 s or so, as on a quiet day (the pool has refilled between them).
            rounds = args.rounds * 5 if visitors == 1 else args.rounds
            figures = asyncio.run(level(base, process.pid, args.page, visitors, rounds, args.dwell, args.timeout,
                                        15 if visitors == 1 else settle, args.pool_size > 0))
            settle_until_idle(process.pid, preheated, 60)
            report["levels"].append(figures)
            print(json.dumps(figures), flush=True)
        if args.visits:
            t0 = time.perf_counter()
            results = asyncio.run(_in_a_row(base, args.page, args.visits, args.row_dwell, args.timeout,
                                            process.pid))
            charts = [t for status, t in results if status == "ok"]
            report["in_a_row"] = {
                "visits": args.visits, "seconds": round(time.perf_counter() - t0),
                "errors": sum(s.startswith("error") for s, _ in results),
                "busy": sum(s == "busy" for s, _ in results),
                "p50": percentile(charts, 0.5), "p95": percentile(charts, 0.95),
                "rss_mb_right_after": round(memory(process.pid)[0])}
            settle_until_idle(process.pid, preheated, args.idle_timeout + 60)
            time.sleep(args.idle_timeout + 5)  # and the idle timeout itself, as asked
            rss, pss, kernels = steady_memory(process.pid)
            report["after_idle"] = {"rss_mb": round(rss), "pss_mb": round(pss), "kernels": kernels,
                                    "rss_vs_start": round(rss / report["start"]["rss_mb"] - 1, 3),
                                    "pss_vs_start": round(pss / report["start"]["pss_mb"] - 1, 3)}
            print(json.dumps({"in_a_row": report["in_a_row"], "after_idle": report["after_idle"]}), flush=True)
        said = log.read_text()
        report["tracebacks_in_log"] = said.count("Traceback")
        report["kernels_ended_visitor_left"] = said.count("ended: its visitor left")
        report["kernels_culled_idle"] = said.count("Culling 'idle'")
        report["shutdown_requests"] = len(re.findall(r"\b204 POST /voila/api/shutdown", said))
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))
    return 0


async def _in_a_row(base, page, visits, dwell, timeout, pid=None):
    results, started = [], time.perf_counter()
    for number in range(1, visits + 1):
        results.append(await visit(base, page, dwell, timeout))
        if pid and number % 50 == 0:  # progress, and the memory along the way
            rss, pss, kernels = await asyncio.to_thread(memory, pid)
            print(f"{number} visits in {time.perf_counter() - started:.0f} s: {rss:.0f} MB RSS, {pss:.0f} MB PSS, "
                  f"{kernels} kernels, {sum(s.startswith('error') for s, _ in results)} errors "
                  f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    return results


if __name__ == "__main__":
    sys.exit(main())
