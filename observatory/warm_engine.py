"""``observatory-warm``: a papermill engine that runs each notebook in a kernel already warm.

A fresh kernel spends about 2 s starting and importing pandas, plotly and the
package before a page's first cell; the page itself costs a fraction of that.
This engine keeps, per process, one kernel that has already imported what the
dashboards need (:mod:`observatory.warm_kernel`), and hands it page after page:

- before each page, a silent set-up (no history, no execution count) puts back
  what a page may change (environment, working folder, ``sys.path``, warning
  filters and the warnings already shown, pandas options, plotly's default
  template and renderer) and starts a new IPython session: empty namespace,
  execution count back to 1, so the executed notebook is the one a new kernel
  gives (tests/test_engine.py compares them byte for byte);
- the kernel is replaced after ``OBSERVATORY_WARM_PAGES`` pages (200) and after
  any page that fails, times out or loses its kernel;
- it dies with its process: shut down when the process exits, killed with the
  build's workers, and it exits by itself if its parent disappears
  (ipykernel's parent poller: jupyter_client sets ``JPY_PARENT_PID``).

Limits: a page that patches a library's module (monkey-patching, module-level
caches) leaks into the next pages of the same kernel, at most 200.

Notebooks stay ordinary papermill notebooks; this engine is also usable from the
command line (``papermill --engine observatory-warm …``), registered through the
``papermill.engine`` entry point.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing.util
import os
import time

# No papermill import at module level: papermill loads this module through its entry points while it is
# itself being imported, so importing papermill from here first would be circular.
NAME = "observatory-warm"
# A kernel starts in 3-5 s; over 228 pages its memory grew from 167 to 179 MB (2026-12-02): 200 pages keep
# both the start-up cost per page and what a page could leak small.
PAGES_PER_KERNEL = 200
START_TIMEOUT = 60


def pages_per_kernel() -> int:
    try:
        return max(1, int(os.environ.get("OBSERVATORY_WARM_PAGES", PAGES_PER_KERNEL)))
    except ValueError:
        return PAGES_PER_KERNEL


class KernelSetupError(RuntimeError):
    pass


class WarmKernel:
    """One ipykernel with the dashboards' modules imported, and its client."""

    def __init__(self, kernel_name: str, cwd: str | None = None, timeout: float = START_TIMEOUT) -> None:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.kernel_name = kernel_name
        self.pages = 0
        self.owner = os.getpid()
        self.km = AsyncKernelManager(kernel_name=kernel_name)
        # The same history set-up as nbclient's kernels (in memory). jupyter_client sets JPY_PARENT_PID:
        # ipykernel exits by itself if this process is gone, even after a kill -9.
        run_sync(self.km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"],
                                       cwd=cwd or os.getcwd())
        try:
            self.kc = self.km.client()
            self.kc.start_channels()
            run_sync(self.kc.wait_for_ready)(timeout=timeout)
            self.kc.allow_stdin = False
            self.run_silently("import observatory.warm_kernel as _w; _w.warm_up(); del _w", timeout)
        except BaseException:
            self.shutdown()
            raise

    def run_silently(self, code: str, timeout: float = START_TIMEOUT) -> None:
        """Run ``code`` without output, history or execution count; raise if it fails."""
        from jupyter_core.utils import run_sync

        run_sync(self._run_silently)(code, timeout)

    async def _run_silently(self, code: str, timeout: float) -> None:
        from jupyter_core.utils import ensure_async

        msg_id = self.kc.execute(code, silent=True, store_history=False, stop_on_error=False)
        deadline = time.monotonic() + timeout
        reply = None
        while reply is None:
            msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=max(0.0, deadline - time.monotonic())))
            if msg["parent_header"].get("msg_id") == msg_id:
                reply = msg["content"]
        # Drain this request's output so that the page's client starts from a clean channel.
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=max(0.0, deadline - time.monotonic())))
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status" \
                    and msg["content"].get("execution_state") == "idle":
                break
        if reply.get("status") != "ok":
            raise KernelSetupError(f"warm kernel set-up failed: {reply.get('ename')}: {reply.get('evalue')}")

    def fresh_page(self, cwd: str | None) -> None:
        self.run_silently(f"__import__('observatory.warm_kernel').warm_kernel.fresh_page({cwd!r})")

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:  # noqa: BLE001 - a kernel we cannot ask is not one to reuse
            return False

    def shutdown(self) -> None:
        if self.owner != os.getpid():  # inherited through fork: the parent's kernel, not ours
            return
        from jupyter_core.utils import run_sync

        with contextlib.suppress(Exception):
            if getattr(self, "kc", None) is not None:
                self.kc.stop_channels()
        with contextlib.suppress(Exception):
            run_sync(self.km.shutdown_kernel)(now=True)


class KernelPool:
    """This process's warm kernels: one per kernel name, replaced after a number of pages or an error."""

    def __init__(self) -> None:
        self.kernels: dict[str, WarmKernel] = {}
        self.started = 0  # kernels started by this process (what the tests count)

    def prestart(self, kernel_name: str, cwd: str | None, timeout: float = START_TIMEOUT) -> None:
        """Start this process's kernel before its first page (a build's workers do, while the build computes)."""
        if kernel_name not in self.kernels:
            self.kernels[kernel_name] = WarmKernel(kernel_name, cwd, timeout)
            self.started += 1

    def take(self, kernel_name: str, cwd: str | None, timeout: float) -> WarmKernel:
        kernel = self.kernels.pop(kernel_name, None)
        if kernel is not None and (kernel.owner != os.getpid() or not kernel.alive()):
            kernel.shutdown()
            kernel = None
        if kernel is None:
            kernel = WarmKernel(kernel_name, cwd, timeout)
            self.started += 1
        try:
            kernel.fresh_page(cwd)
        except BaseException:
            kernel.shutdown()
            raise
        return kernel

    def give_back(self, kernel: WarmKernel, failed: bool) -> None:
        kernel.pages += 1
        if failed or kernel.pages >= pages_per_kernel() or not kernel.alive():
            kernel.shutdown()
        else:
            self.kernels[kernel.kernel_name] = kernel

    def close(self) -> None:
        kernels, self.kernels = list(self.kernels.values()), {}
        for kernel in kernels:
            kernel.shutdown()


POOL = KernelPool()


def _forget_after_fork() -> None:
    """A forked child starts with no kernel: those in the pool are its parent's."""
    global POOL
    POOL = KernelPool()


os.register_at_fork(after_in_child=_forget_after_fork)
atexit.register(lambda: POOL.close())
# multiprocessing's workers leave through os._exit, skipping atexit: its finalizers still run.
multiprocessing.util.Finalize(None, lambda: POOL.close(), exitpriority=100)


class WarmEngine:
    """papermill's nbclient engine (``papermill.engines.NBClientEngine``), with a kernel from this process's pool."""

    @classmethod
    def execute_notebook(cls, nb, kernel_name, **kwargs):
        from papermill.engines import Engine

        return Engine.execute_notebook.__func__(cls, nb, kernel_name, **kwargs)

    @classmethod
    def nb_kernel_name(cls, nb, name=None):
        from papermill.utils import nb_kernel_name

        return nb_kernel_name(nb, name)

    @classmethod
    def nb_language(cls, nb, language=None):
        from papermill.utils import nb_language

        return nb_language(nb, language)

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=START_TIMEOUT, execution_timeout=None, **kwargs):
        from papermill.clientwrap import PapermillNotebookClient
        from papermill.log import logger
        from papermill.utils import merge_kwargs, remove_args

        kwargs = remove_args(["input_path"], **kwargs)
        safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            safe_kwargs, timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
            startup_timeout=start_timeout, kernel_name=kernel_name, log=logger, log_output=log_output,
            stdout_file=stdout_file, stderr_file=stderr_file,
        )
        # papermill runs the engine inside its ``cwd``: the page runs there, like a new kernel would.
        kernel = POOL.take(kernel_name, os.getcwd(), start_timeout)
        failed = True
        try:
            client = PapermillNotebookClient(nb_man, km=kernel.km, **final_kwargs)
            client.kc = kernel.kc
            nb = client.execute()
            failed = bool(nb.metadata.get("papermill", {}).get("exception"))
            return nb
        finally:
            POOL.give_back(kernel, failed)


def register() -> None:
    """Make the engine known to papermill even where the package's entry points are not installed."""
    from papermill.engines import papermill_engines

    papermill_engines.register(NAME, WarmEngine)
