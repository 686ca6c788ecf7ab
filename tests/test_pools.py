"""Preheated pools sized per page (issue 21): the explorer, the page a funder's audience opens together, has a
pool for a crowd; pools refill a few kernels at a time; /healthz shows each pool and the cap."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import FIXTURE_ROOT
from tests.helpers import free_port, start_serve, stop, wait_until

GB = 2**30


def run_async(coroutine):
    with ThreadPoolExecutor(1) as thread:  # a loop of its own (Playwright's may be running in this thread)
        return thread.submit(asyncio.run, coroutine).result()


# --- sizes -----------------------------------------------------------------------------------------

def test_the_explorer_pool_holds_a_crowd_as_far_as_memory_allows():
    from observatory.kernel_limits import default_explorer_pool

    assert default_explorer_pool(1, available_bytes=23 * GB) == 10  # this machine: ten at once, each language
    assert default_explorer_pool(1, available_bytes=16 * GB) == 10
    assert default_explorer_pool(1, available_bytes=8 * GB) == 5  # 20 % of it for 2 × 5 kernels of 160 MB
    assert default_explorer_pool(1, available_bytes=2 * GB) == 1  # a small server: no more than the others
    assert default_explorer_pool(2, available_bytes=1 * GB) == 2  # never fewer than --pool-size
    assert default_explorer_pool(0, available_bytes=23 * GB) == 0  # --pool-size 0: nothing preheated


def test_voila_is_given_each_pages_pool_size_and_the_cap_counts_them():
    from observatory.serve import pool_sizes, preheated_kernels, voila_config

    pools = pool_sizes(1, 10)
    config = voila_config(pools=pools)["VoilaKernelManager"]["kernel_pools_config"]
    assert config == {"default": {"pool_size": 1}, "explorer.ipynb": {"pool_size": 10},
                      "en/explorer.ipynb": {"pool_size": 10}}
    # 5 pages in 2 languages: the explorer's 2 × 10, the 8 others 1 each (the review page is not served).
    assert preheated_kernels(pools) == 28
    assert preheated_kernels(pools, submissions=True) == 30  # and the leads' and the team's pages
    assert pool_sizes(0, 10) == {} and "VoilaKernelManager" not in voila_config(pools={})


def test_the_pages_served_are_the_pages_counted():
    from observatory.serve import live_notebooks, notebooks_served

    def served(folder, submissions):
        notebooks_served(folder, submissions)
        return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.ipynb"))

    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as work:
        assert sorted(live_notebooks(False)) == served(Path(work) / "public", False)
        assert sorted(live_notebooks(True)) == served(Path(work) / "leads", True)


# --- refills paced ---------------------------------------------------------------------------------

def test_pool_kernels_start_one_at_a_time_each_until_its_page_is_rendered():
    from observatory.kernels import PoolFills

    events = []

    async def initialize(name):
        events.append(("start", name))
        await asyncio.sleep(0.01)

        async def render():
            await asyncio.sleep(0.05)
            events.append(("rendered", name))

        return {"kernel_id": name, "task": asyncio.ensure_future(render())}

    async def fill():
        fills = PoolFills(1)
        contents = await asyncio.gather(*(fills.paced(0, initialize(n)) for n in "abc"))
        await asyncio.gather(*(c["task"] for c in contents))
        return [c["kernel_id"] for c in contents]

    assert run_async(fill()) == ["a", "b", "c"]
    # Voilà alone would start the three at once; here the next starts when the previous page is rendered.
    assert events == [("start", "a"), ("rendered", "a"), ("start", "b"), ("rendered", "b"), ("start", "c"),
                      ("rendered", "c")]


# --- /healthz --------------------------------------------------------------------------------------

class Manager:
    """Voilà's pooled kernel manager, as far as /healthz looks at it."""

    def __init__(self, pools, sizes, kernels):
        self._pools, self.kernel_pools_config, self.kernels = pools, sizes, kernels

    def list_kernel_ids(self):
        return list(self.kernels)

    def __contains__(self, kernel_id):
        return kernel_id in self.kernels

    def get_kernel(self, kernel_id):
        class Kernel:
            async def is_alive(self):
                return True

        return Kernel()


def test_healthz_shows_each_pool_and_the_cap():
    from observatory.healthz import Health

    async def answers():
        loop = asyncio.get_running_loop()
        ready = [loop.create_future() for _ in range(3)]
        rendering, rendered = loop.create_future(), loop.create_future()
        rendered.set_result(None)
        for number, future in enumerate(ready):  # the first explorer kernel still renders its page
            future.set_result({"kernel_id": f"p{number}", "task": rendering if number == 0 else rendered})
        filling = loop.create_future()
        pools = {"explorer.ipynb": [ready[0], ready[1], filling], "coalition.ipynb": [ready[2]]}
        sizes = {"default": {"pool_size": 1}, "explorer.ipynb": {"pool_size": 3}}
        kernels = ["p0", "p1", "p2", "visitor1", "visitor2"]
        return (await Health(Manager(pools, sizes, kernels), max_kernels=2).answer(),
                await Health(Manager(pools, sizes, kernels[:4]), max_kernels=2).answer())

    (code, body), (_, room) = run_async(answers())
    assert body["pools"] == {"coalition.ipynb": {"size": 1, "ready": 1, "rendered": 1},
                             "explorer.ipynb": {"size": 3, "ready": 2, "rendered": 1}}
    # At the cap the server still answers every visitor (the busy page): healthy, and says it is full.
    assert code == 200 and body["status"] == "ok"
    assert (body["visitors"], body["max_kernels"], body["full"]) == (2, 2, True)
    assert (room["visitors"], room["full"]) == (1, False)


# --- a real serve ----------------------------------------------------------------------------------

def healthz(base: str) -> dict:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=60) as answer:  # noqa: S310 - localhost
            return json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read())
    except (urllib.error.URLError, OSError):  # not listening yet
        return {}


@pytest.fixture
def pooled_server(tmp_path):
    port, log = free_port(), tmp_path / "serve.log"
    process = start_serve(FIXTURE_ROOT, port, log, "--pool-size", "1", "--explorer-pool-size", "2")
    yield f"http://127.0.0.1:{port}", process, log
    stop(process, signal.SIGTERM, grace=30)


def test_a_visitor_takes_a_preheated_explorer_kernel_and_the_pool_refills(pooled_server):
    base, process, log = pooled_server

    def full_pools():
        pools = healthz(base).get("pools")
        return bool(pools) and all(pool["ready"] == pool["size"] for pool in pools.values())

    wait_until(full_pools, process, log, 300, "the pools did not fill", pause=1)
    pools = healthz(base)["pools"]
    assert pools["explorer.ipynb"]["size"] == pools["explorer.ipynb"]["ready"] == 2
    assert pools["en/explorer.ipynb"]["size"] == pools["en/explorer.ipynb"]["ready"] == 2
    assert pools["coalition.ipynb"]["size"] == pools["coalition.ipynb"]["ready"] == 1
    assert len(pools) == 10 and healthz(base)["kernels"] == 12

    started = log.read_text().count("Kernel started")
    with urllib.request.urlopen(base + "/voila/render/explorer.ipynb", timeout=120) as page:  # noqa: S310
        html = page.read().decode()
    kernel = re.search(r'"kernelId": "([0-9a-f-]+)"', html).group(1)
    assert f"Using pre-heated kernel: {kernel} for explorer.ipynb" in log.read_text()

    # One kernel started to refill the explorer's pool, back to 2 ready beside the visitor's (which lives on:
    # its page never opened a WebSocket, it would end after the idle time). (/healthz keeps an answer 5 s.)
    def refilled():
        health = healthz(base)
        return (log.read_text().count("Kernel started") == started + 1 and health["kernels"] == 13
                and health["pools"]["explorer.ipynb"] == {"size": 2, "ready": 2, "rendered": 2})

    wait_until(refilled, process, log, 120, "the pool did not refill", pause=1)
    assert "Traceback" not in log.read_text()


def test_when_voila_stops_the_fills_still_waiting_start_no_kernel():
    from observatory.kernels import PoolFills

    started = []

    async def initialize(name):
        started.append(name)

        async def render():
            await asyncio.sleep(0.05)

        return {"kernel_id": name, "task": asyncio.ensure_future(render())}

    async def stopping():
        fills = PoolFills(1)
        waiting = [asyncio.ensure_future(fills.paced(0, initialize(n))) for n in "abc"]
        await asyncio.sleep(0.01)  # "a" is starting, "b" and "c" wait for its slot
        fills.stop()
        return await asyncio.gather(*waiting, return_exceptions=True)

    first, *others = run_async(stopping())
    assert first["kernel_id"] == "a" and started == ["a"]
    assert [str(error) for error in others] == ["not started: Voilà is stopping"] * 2
