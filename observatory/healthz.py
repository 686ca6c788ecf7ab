"""``/healthz``: can this live server start a kernel? For nginx, systemd and whoever watches the servers.

``GET <base-url>healthz`` answers ``200 {"status": "ok", ...}`` when a visitor would get a kernel, and
``503`` otherwise (``"starting"`` while the preheated pools fill, ``"failing"`` when kernels do not start),
with the number of kernels alive and ready in the pools, and each page's pool (``"pools": {"explorer.ipynb":
{"size": 10, "ready": 10, "rendered": 10}, ...}``) and, with a cap, the visitors' kernels (``"visitors"``, ``"max_kernels"``,
``"full"``). At the cap the answer stays 200: the server still answers every visitor (the busy page, at once)
and its pools are ready; a 503 would make a proxy that checks its servers take it out and show its own error
page instead of the busy page. It is cheap: with preheated pools (the default) it only
looks at them; without pools it starts one kernel, waits for it to answer, and shuts it down, at most once a
minute (the answer is kept); every answer is kept ``FRESH`` seconds, and concurrent requests share one check.

``python -m observatory.healthz URL [--wait SECONDS]`` asks a server (systemd's ``ExecStartPost``: the unit is
started when its server can serve), waiting up to SECONDS for a 200; exit 0 healthy, 1 not, 2 usage.
"""

from __future__ import annotations

import asyncio
import json
import time

from observatory.errors import Text

FRESH = 5.0  # seconds an answer is kept: a monitor polling every second costs one look every 5 s
PROBE_FRESH = 60.0  # seconds a kernel started and stopped (servers without pools) vouches for the next ones
PROBE_TIMEOUT = 60.0  # seconds a probe kernel has to answer


class Health:
    """The state of one Voilà's kernels, worked out at most every ``FRESH`` seconds."""

    def __init__(self, kernel_manager, log=None, max_kernels: int = 0):
        self.kernel_manager = kernel_manager
        self.max_kernels = max_kernels
        self.log = log
        self._answer: tuple[float, int, dict] | None = None
        self._probe: tuple[float, bool, str] | None = None
        self._running: asyncio.Future | None = None

    async def answer(self) -> tuple[int, dict]:
        now = time.monotonic()
        if self._answer and now - self._answer[0] < FRESH:
            return self._answer[1], self._answer[2]
        if self._running is None:  # one check at a time; the others wait for its answer
            self._running = asyncio.ensure_future(self._check())
        try:
            code, body = await asyncio.shield(self._running)
        finally:
            self._running = None
        self._answer = (time.monotonic(), code, body)
        return code, body

    async def _check(self) -> tuple[int, dict]:
        try:
            return await self._checked()
        except Exception as error:  # noqa: BLE001 - a health check answers, whatever happened
            return 503, {"status": "failing", "reason": f"{type(error).__name__}: {error}"}

    async def _checked(self) -> tuple[int, dict]:
        km = self.kernel_manager
        body = {"kernels": len(km.list_kernel_ids())}
        pools = getattr(km, "_pools", None)  # Voilà's preheated pools: {notebook: [task, ...]}
        if self.max_kernels:  # the cap: "full" when the next visitor gets the busy page
            pooled = sum(task.done() for pool in (pools or {}).values() for task in pool)
            visitors = max(0, body["kernels"] - pooled)
            body.update(visitors=visitors, max_kernels=self.max_kernels, full=visitors >= self.max_kernels)
        if pools:
            tasks = [task for pool in pools.values() for task in pool]
            failed, ready, reasons = [], [], []
            for task in (task for task in tasks if task.done()):
                reason = _reason(task) or await _dead(km, task.result().get("kernel_id"))
                (failed if reason else ready).append(task)
                reasons += [reason] if reason else []
            body.update(ready=len(ready), filling=len(tasks) - len(ready) - len(failed), failed=len(failed),
                        pools=_pools(km, pools, ready))
            if failed:
                body.update(status="failing", reason=reasons[0])
            elif not ready:
                body["status"] = "starting"
            else:
                body["status"] = "ok"
        else:
            ok, reason = await self._probed()
            body["status"] = "ok" if ok else "failing"
            if reason:
                body["reason"] = reason
        return (200 if body["status"] == "ok" else 503), body

    async def _probed(self) -> tuple[bool, str]:
        now = time.monotonic()
        if self._probe and now - self._probe[0] < (PROBE_FRESH if self._probe[1] else FRESH):
            return self._probe[1], self._probe[2]
        ok, reason = await probe(self.kernel_manager)
        if not ok and self.log:
            self.log.warning("healthz: a kernel did not start: %s", reason)
        self._probe = (time.monotonic(), ok, reason)
        return ok, reason


def _pools(kernel_manager, pools: dict, ready: list) -> dict:
    """Each page's pool: its size (as configured), its kernels ready now (started: a visitor may take one) and
    those whose page is rendered (a visitor taking one gets the page at once, not as the rest renders)."""
    sizes = getattr(kernel_manager, "kernel_pools_config", {})
    default = sizes.get("default", {}).get("pool_size", 1)

    def rendered(task) -> bool:
        render = task.result().get("task")  # Voilà's task running the notebook in the preheated kernel
        return render is not None and render.done()

    return {name: {"size": sizes.get(name, {}).get("pool_size", default),
                   "ready": sum(task in ready for task in pool),
                   "rendered": sum(task in ready and rendered(task) for task in pool)}
            for name, pool in sorted(pools.items())}


def _reason(task) -> str:
    """Why a pool's finished task holds no kernel ('' if it does)."""
    if task.cancelled():
        return "cancelled"
    error = task.exception()
    return f"{type(error).__name__}: {error}" if error else ""


async def _dead(kernel_manager, kernel_id) -> str:
    """'' if the pool's kernel is still alive (a kernel killed since it was preheated is no kernel ready)."""
    if kernel_id not in kernel_manager:
        return f"kernel {kernel_id} is gone"
    alive = kernel_manager.get_kernel(kernel_id).is_alive()
    return "" if (await alive if asyncio.iscoroutine(alive) else alive) else f"kernel {kernel_id} died"


async def probe(kernel_manager) -> tuple[bool, str]:
    """Start a kernel, wait until it answers, shut it down: (did it answer, why not)."""
    kernel_id = None
    try:
        kernel_id = await kernel_manager.start_kernel()
        client = kernel_manager.get_kernel(kernel_id).client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=PROBE_TIMEOUT)
        finally:
            client.stop_channels()
        return True, ""
    except Exception as error:  # noqa: BLE001 - whatever stops a kernel is the answer
        return False, f"{type(error).__name__}: {error}"
    finally:
        if kernel_id is not None and kernel_id in kernel_manager:
            try:
                await kernel_manager.shutdown_kernel(kernel_id, now=True)
            except Exception:  # noqa: BLE001,S110 - already gone
                pass


def handler_class():
    """The tornado handler (built here so that importing this module does not import tornado)."""
    from tornado import web

    class HealthHandler(web.RequestHandler):
        def initialize(self, health: Health):
            self.health = health

        def check_xsrf_cookie(self):  # GET only; nothing to protect
            return None

        async def get(self):
            code, body = await self.health.answer()
            self.set_status(code)
            self.set_header("Content-Type", "application/json")
            self.set_header("Cache-Control", "no-store")
            self.finish(json.dumps(body))

        head = get

    return HealthHandler


class HealthMixin:
    """For a ``voila.app.Voila`` subclass: adds ``<base-url>healthz`` before Voilà's own handlers (Voilà's
    catch-all would otherwise take it)."""

    def init_handlers(self):
        from jupyter_server.utils import url_path_join

        health = Health(self.kernel_manager, self.log, getattr(self, "max_kernels", 0))
        return [(url_path_join(self.server_url, "healthz"), handler_class(), {"health": health}),
                *super().init_handlers()]


def wait_healthy(url: str, wait: float = 0.0, say=print) -> bool:
    """Ask ``url`` until it answers 200, for up to ``wait`` seconds."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + wait
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 - the operator's own server
                say(answer.read().decode("utf-8", "replace"))
                return True
        except urllib.error.HTTPError as error:
            last = f"{error.code} {error.read().decode('utf-8', 'replace')}"
        except (urllib.error.URLError, OSError) as error:
            last = str(getattr(error, "reason", error))
        if time.monotonic() >= deadline:
            say(Text("healthz_unhealthy", url=url, error=last))
            return False
        time.sleep(1.0)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m observatory.healthz",
                                     description="ask a live server whether it can start kernels")
    parser.add_argument("url", help="the server's health address, e.g. http://127.0.0.1:8866/live/healthz")
    parser.add_argument("--wait", type=float, default=0.0, help="seconds to wait for a healthy answer (default: 0)")
    args = parser.parse_args(argv)
    try:
        return 0 if wait_healthy(args.url, args.wait) else 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
