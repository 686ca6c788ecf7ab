"""The build's worker processes, which run the pages' notebooks: each one's stderr goes to the build log, and each
dies with the build (even by ``kill -9``), killing its kernels first, so that no page is written after the build is
gone."""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psutil

from observatory import execute

LOG_FILE = "build.log"


def _worker_init(log_path: str, parent: int, engine: str | None = None, start_kernel: bool = False,
                 notebooks: str | None = None) -> None:
    """Set up a worker: its stderr to the build log, and death with its parent; with ``start_kernel``, its warm
    kernel started at once (the build computes meanwhile).

    Kernels inherit the worker's stderr: their chatter goes to the build log, not the
    user's terminal. If the build dies (even by ``kill -9``), Linux sends the worker
    SIGTERM, and the worker kills its kernels before exiting: no page is written after
    the build is gone.
    """
    if engine:
        execute.ENGINE = engine
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 2)
    os.close(log)
    signal.signal(signal.SIGTERM, _die_with_children)
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
    if os.getppid() != parent:  # the build died before prctl took effect
        _die_with_children(signal.SIGTERM, None)
    if start_kernel:
        with contextlib.suppress(Exception):  # what fails here fails the first page, which says why
            if execute.ENGINE == "warm":
                from observatory import warm_engine

                warm_engine.POOL.prestart("python3", notebooks)
            execute.prepare()


def _die_with_children(signum, frame) -> None:  # noqa: ARG001 - a signal handler's signature
    with contextlib.suppress(psutil.Error):
        children = psutil.Process().children(recursive=True)
        for child in children:
            with contextlib.suppress(psutil.Error):
                child.kill()
        psutil.wait_procs(children, timeout=3)
    execute.remove_temporary_files()
    os._exit(128 + signum)


class _Workers:
    """The build's worker processes: started when pages must run, or earlier, by :meth:`start`, so that their
    kernels start while the build computes the results."""

    def __init__(self, out: Path, jobs: int | None, engine: str | None, notebooks: Path) -> None:
        self.out, self.jobs, self.engine, self.notebooks = out, jobs, engine, notebooks
        self.pool: ProcessPoolExecutor | None = None

    def start(self, pages: int | None = None, start_kernel: bool = True) -> ProcessPoolExecutor:
        if self.pool is None:
            count = max(1, min(self.jobs or os.cpu_count() or 1, pages or os.cpu_count() or 1))
            # Forked from this thread, so that PR_SET_PDEATHSIG ties each worker to the build itself
            # (with a fork server, the parent would be the server).
            context = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
            self.pool = ProcessPoolExecutor(
                max_workers=count, initializer=_worker_init, mp_context=context,
                initargs=(str(self.out / LOG_FILE), os.getpid(), self.engine, start_kernel, str(self.notebooks)))
            if start_kernel:
                self.pool.submit(os.getpid)  # forks every worker now (fork context: all at the first task)
        return self.pool

    def close(self, cancel: bool = False) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=not cancel, cancel_futures=cancel)
            if cancel:
                return
            self.pool = None



def _log(out: Path, line: str) -> None:
    with contextlib.suppress(OSError), open(out / LOG_FILE, "a", encoding="utf-8") as log:
        log.write(line + "\n")


def _now() -> str:
    return dt.datetime.now().astimezone().replace(microsecond=0).isoformat()
