"""What every kernel of ``observatory serve`` does first (an IPython startup file calls :func:`install`).

A visitor's browser talks to the kernel (widgets are comms), so anything the
kernel prints reaches the visitor: a traceback would show the server's paths.
Here, tracebacks and log records go to the server's log (Voilà's standard
error, which ``observatory serve`` prints), and the visitor gets one short
sentence. The kernel also dies with Voilà, whatever kills Voilà.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send ``sig`` to this process when its parent dies (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), sig)


def server_log():
    """A text stream to the kernel's real standard error, which the visitor does not see."""
    try:
        fd = sys.stderr.fileno()  # ipykernel's OutStream answers with its copy of the original stderr
    except (OSError, ValueError, AttributeError):
        fd = sys.__stderr__.fileno()
    return open(os.dup(fd), "w", buffering=1, encoding="utf-8", errors="replace")


def install(shell=None) -> None:
    die_with_parent()
    log = server_log()

    handler = logging.StreamHandler(log)
    handler.setFormatter(logging.Formatter("[kernel %(process)d] %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)  # records with no handler of their own no longer fall back to the visitor's stderr
    for name in ("Comm", "ipykernel", "ipywidgets"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.propagate = False

    shell = shell or _shell()
    if shell is None:
        return
    send = shell._showtraceback

    def showtraceback(etype, evalue, stb):
        log.write(f"[kernel {os.getpid()}] " + "\n".join(stb) + "\n")
        message = visitor_message(shell.user_ns.get("lang"))
        send(etype, message, [message])

    shell._showtraceback = showtraceback


def visitor_message(lang: object) -> str:
    """What a visitor reads instead of a traceback, in the page's language (its notebook's ``lang`` parameter;
    the site's first language before the parameters cell ran)."""
    from observatory import i18n

    return i18n.t("live_server_error", lang if lang in i18n.LANGS else i18n.LANGS[0])


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()
