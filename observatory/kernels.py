"""Kernels that end, inside the Voilà process of ``observatory serve`` (started by observatory.voila_app).

Three things Voilà 0.5 does not do on its own (see observatory.kernel_limits for the figures):

- **A visitor gone, their kernel ended.** Voilà's page asks for its kernel's shutdown on ``beforeunload``
  (``voila/api/shutdown``; refused until now for want of the ``_xsrf`` cookie it sends back), but a browser
  does not always send it (a tab killed, a phone asleep, a crash).
  The page's WebSocket closing is the sure sign: when a kernel has had no WebSocket for ``gone_grace``
  seconds (room for a reconnect), it is shut down.
- **An idle kernel ended:** Jupyter server's culler, configured by serve; a kernel handed out from the
  preheated pool counts as active from that moment, not from when it was preheated.
- **A cap:** with ``max_kernels`` visitors' kernels alive, the next visitor gets a short page in the page's
  language (HTTP 503, with a link to the same dashboard on the static site when its address is known)
  instead of a new kernel: never a hang, a traceback or a server out of memory.

Voilà refills its preheated pool when a kernel is taken from it; kernels still in the pool are neither
counted in the cap nor culled. Each page has a pool of its own size (``VoilaKernelManager.kernel_pools_config``,
set by serve: the explorer's is the largest). Pools fill **a few kernels at a time** (``pool_fills``): Voilà
would start every missing kernel at once, and after a crowd of ten took the explorer's pool, ten kernel starts
and renders (1.4 s of CPU each, and the page's HTML rendered in Voilà's own single thread) took the CPU from
the visitors being served; a fill also waits ``fill_delay`` seconds after a visitor took a kernel.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
from pathlib import PurePosixPath

import tornado.web
from jupyter_server.utils import url_path_join
from tornado.ioloop import IOLoop
import voila.voila_kernel_manager as voila_pools
from traitlets import Float, Integer, Unicode
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

BUSY_MARK = 'data-observatory="busy"'  # on the busy page, for the benchmark and the tests
STATIC_PAGES = {"self_data": "self-data.html"}  # every other live page: the static site's home


def pooled_kernels(manager) -> int:
    """Kernels waiting in Voilà's preheated pools (0 without preheating); a pool's entry still starting has
    no kernel yet, or for an instant only."""
    return sum(entry.done() for pool in getattr(manager, "_pools", {}).values() for entry in pool)


def visitors_kernels(manager) -> int:
    """Kernels serving a visitor (or being rendered for one): all kernels but the preheated ones."""
    return max(0, len(manager.list_kernel_ids()) - pooled_kernels(manager))


class Visit:
    """A page being served; ``has_kernel`` once its kernel is counted among the manager's (see below)."""

    has_kernel = False


# The visit a handler is serving, seen by the kernel manager's methods it awaits (same task, same context):
# a crowd arriving at once must count before their kernels exist, or all of them pass the cap.
CURRENT_VISIT: contextvars.ContextVar[Visit | None] = contextvars.ContextVar("observatory_visit", default=None)


def kernel_given(manager_visit: Visit | None) -> None:
    if manager_visit is not None:
        manager_visit.has_kernel = True


def static_page(static_url: str, notebook: str) -> str:
    """The static site's page for a live notebook path such as ``en/explorer.ipynb``."""
    from observatory import i18n

    prefix = i18n.edition_folder(i18n.lang_of_path(notebook))
    return url_path_join(static_url, prefix + STATIC_PAGES.get(PurePosixPath(notebook).stem, "index.html"))


def busy_page(notebook: str, static_url: str = "") -> str:
    """The page over the cap (templates/busy.html.j2), in the live page's language."""
    from markupsafe import Markup

    from observatory import i18n
    from observatory.pages.render import render_in

    lang = i18n.lang_of_path(notebook)
    return str(render_in(lang, "busy.html.j2", mark=Markup(BUSY_MARK),
                         static=static_page(static_url, notebook) if static_url else ""))


class CappedVoilaHandler(TornadoVoilaHandler):
    """Voilà's page handler, which answers the busy page when the visitors' kernels are at the cap."""

    @tornado.web.authenticated
    async def get(self, path=None):
        cap = self.settings.get("observatory_max_kernels", 0)
        visits = self.settings.setdefault("observatory_visits", set())
        arriving = sum(not visit.has_kernel for visit in visits)  # admitted, their kernels not started yet
        if cap > 0 and visitors_kernels(self.kernel_manager) + arriving >= cap:
            self.log.warning("observatory: %d visitors' kernels (the cap): busy page for %s", cap, path)
            self.set_status(503)
            self.set_header("Retry-After", "60")
            self.set_header("Cache-Control", "no-store")
            self.set_header("Content-Type", "text/html; charset=UTF-8")
            self.finish(busy_page(path or "", self.settings.get("observatory_static_url", "")))
            return
        # Sets the _xsrf cookie: Voilà's page reads it to ask for its kernel's shutdown when it is left
        # (beforeunload); without it that request was refused (403) and the kernel lived on.
        self.xsrf_token  # noqa: B018
        visit = Visit()
        visits.add(visit)
        CURRENT_VISIT.set(visit)
        try:
            await super().get(path)
        finally:
            visits.discard(visit)


_SOCKETS: dict[str, set] = {}  # kernel id: its open WebSocket handlers


def close_sockets(kernel_id: str) -> None:
    """Close the pages' WebSockets to a kernel that ended: Jupyter server leaves them open, and a page would
    not know (our Voilà template then says so and offers to reload)."""
    for handler in list(_SOCKETS.pop(kernel_id, ())):
        handler.close(1001, "kernel ended")


class LeavingAwareWebsocketHandler(VoilaKernelWebsocketHandler):
    """Voilà's kernel WebSocket: when the last one of a kernel closes, the kernel ends unless a page
    reconnects within the grace period."""

    def write_error(self, status_code: int, **kwargs) -> None:
        # A page reconnecting to a kernel that ended gets 404: Jupyter server's HTML error page needs a setting
        # Voilà lacks, and each such request logged a traceback. A short text is all a WebSocket client reads.
        self.set_header("Content-Type", "text/plain; charset=UTF-8")
        self.finish(f"{status_code} {self._reason}")

    async def open(self, kernel_id):
        await super().open(kernel_id)
        _SOCKETS.setdefault(kernel_id, set()).add(self)

    def on_close(self):
        kernel_id = getattr(self, "kernel_id", None)
        _SOCKETS.get(kernel_id, set()).discard(self)
        super().on_close()
        if kernel_id:
            grace = self.settings.get("observatory_gone_grace", 5.0)
            manager, log = self.kernel_manager, self.log
            IOLoop.current().call_later(grace, lambda: asyncio.ensure_future(end_if_gone(manager, kernel_id, log)))


async def end_if_gone(manager, kernel_id: str, log) -> None:
    if kernel_id not in manager or manager._kernel_connections.get(kernel_id, 0) > 0:
        return  # already ended, or its page came back
    try:
        await manager.shutdown_kernel(kernel_id)
    except Exception as error:  # noqa: BLE001 - already gone meanwhile: nothing to do, nothing to show
        log.info("observatory: kernel %s already ended (%s)", kernel_id, error)
    else:
        log.info("observatory: kernel %s ended: its visitor left", kernel_id)


def observatory_manager(manager_class: type) -> type:
    """Voilà's kernel manager, where a kernel that ends closes its pages' WebSockets and, with preheating, a
    kernel handed to a visitor is active from that moment (otherwise a kernel preheated long ago could be
    culled while its page is loading)."""

    class ObservatoryKernelManager(manager_class):
        async def shutdown_kernel(self, kernel_id: str, *args, **kwargs):
            try:
                return await super().shutdown_kernel(kernel_id, *args, **kwargs)
            finally:
                close_sockets(kernel_id)

        async def start_kernel(self, *args, **kwargs):
            # (Voilà's pool starts its kernels past this method: only a visitor's own kernel comes here.)
            kernel_id = await super().start_kernel(*args, **kwargs)
            kernel_given(CURRENT_VISIT.get())
            return kernel_id

        async def shutdown_all(self, *args, **kwargs):
            fills = getattr(self, "observatory_fills", None)
            if fills is not None:
                fills.stop()
            return await super().shutdown_all(*args, **kwargs)

        async def cull_kernel_if_idle(self, kernel_id: str):
            # A kernel still starting has no last activity yet, and Jupyter server's culler then logged a
            # traceback (a TraitError its hasattr() does not catch): nothing to cull yet anyway.
            kernel = self._kernels.get(kernel_id)
            if kernel is None or "last_activity" not in kernel._trait_values:
                return
            return await super().cull_kernel_if_idle(kernel_id)

        async def get_rendered_notebook(self, *args, **kwargs):
            from jupyter_server._tz import utcnow

            render_task, rendered_cache, kernel_id = await super().get_rendered_notebook(*args, **kwargs)
            kernel_given(CURRENT_VISIT.get())
            self.get_kernel(kernel_id).last_activity = utcnow()
            return render_task, rendered_cache, kernel_id

    return ObservatoryKernelManager


class PoolFills:
    """At most ``at_once`` pool kernels starting and rendering their page at a time, in the order asked."""

    def __init__(self, at_once: int):
        self.at_once = at_once
        self._slots: asyncio.Semaphore | None = None
        self._stopping: asyncio.Event | None = None

    def _made(self) -> None:
        if self._slots is None:  # made in the running loop
            self._slots, self._stopping = asyncio.Semaphore(self.at_once), asyncio.Event()

    def stop(self) -> None:
        """Voilà is shutting its kernels down (and awaits every pool entry): the fills still waiting start none."""
        self._made()
        self._stopping.set()

    async def _slot(self) -> bool:
        """Wait for a slot: True once held, False if Voilà stops first."""
        acquiring = asyncio.ensure_future(self._slots.acquire())
        stopping = asyncio.ensure_future(self._stopping.wait())
        cancelled = False
        try:
            await asyncio.wait({acquiring, stopping}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            cancelled = True
        stopping.cancel()
        held = acquiring.done() and not acquiring.cancelled()
        if not acquiring.done():
            acquiring.cancel()  # (the semaphore passes a slot it was waking it for to the next one)
        if held and (cancelled or self._stopping.is_set()):
            self._slots.release()
            held = False
        if cancelled:
            raise asyncio.CancelledError
        return held

    async def paced(self, delay: float, initialize):
        """Voilà's ``wait_before(delay, initialize)`` for a pool's kernel: wait, then wait for a slot, which
        is held until the page is rendered in the new kernel (the CPU-heavy part), not only started."""
        self._made()
        try:
            await asyncio.sleep(delay)
            if not await self._slot():
                raise RuntimeError("not started: Voilà is stopping")
        except BaseException:  # stopping, or cancelled while waiting: the kernel was never started
            initialize.close()
            raise
        try:
            content = await initialize
        except BaseException:
            self._slots.release()
            raise
        # The pool's entry is ready (a visitor may take it and get the page as it renders); the slot is freed
        # when its rendering ends, however it ends.
        content["task"].add_done_callback(lambda _task: self._slots.release())
        return content


def default_pool_fills() -> int:
    """Kernels filling the pools at once: one core left to the visitors being served (one on 2 cores)."""
    return max(1, (os.cpu_count() or 2) - 1)


REPLACED = {TornadoVoilaHandler: CappedVoilaHandler, VoilaKernelWebsocketHandler: LeavingAwareWebsocketHandler}


class ObservatoryVoila(Voila):
    max_kernels = Integer(0, config=True, help="Visitors' kernels alive at most (0: no cap).")
    static_url = Unicode("", config=True, help="The static site's address, linked from the busy page.")
    gone_grace = Float(5.0, config=True, help="Seconds a page may take to reconnect before its kernel ends.")
    pool_fills = Integer(0, config=True, help="Preheated kernels starting at once (0: one less than the CPUs).")

    def init_settings(self):
        # Voilà's manager, built in super().init_settings(), creates each pool's kernels through this module's
        # wait_before (also its first fill, from its constructor): paced here, a few at a time.
        fills = PoolFills(self.pool_fills or default_pool_fills())
        voila_pools.wait_before = fills.paced
        settings = super().init_settings()
        # (Voilà builds its manager's class from a factory: the instance is given our subclass of it.)
        self.kernel_manager.__class__ = observatory_manager(type(self.kernel_manager))
        self.kernel_manager.observatory_fills = fills
        settings.update(observatory_max_kernels=self.max_kernels, observatory_static_url=self.static_url,
                        observatory_gone_grace=self.gone_grace)
        return settings

    def init_handlers(self):
        return [(route[0], REPLACED.get(route[1], route[1]), *route[2:]) if isinstance(route, tuple) else route
                for route in super().init_handlers()]
