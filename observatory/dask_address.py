"""The form of a Dask scheduler's address (``--scheduler``, ``DASK_SCHEDULER_ADDRESS``), checked before anything
connects, without importing ``distributed``."""

from __future__ import annotations

import re

EXPECTED = "an address of the form tcp://HOST:PORT (e.g. tcp://10.0.0.5:8786) or HOST:PORT"
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)$")


def parse(address: str) -> tuple[str, int]:
    """(host, port) of a TCP scheduler address; ValueError saying what was found and expected otherwise.

    Only TCP: the build passes no TLS credentials, so tls://, ucx:// or inproc:// could not work anyway.
    """
    text = str(address).strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    if scheme != "tcp":
        raise ValueError(f"found {text!r} (scheme {scheme!r}), expected {EXPECTED}")
    host, colon, port = rest.rpartition(":")
    if not colon or not port.isdigit() or not 0 < int(port) < 65536 or not _HOST.match(host):
        raise ValueError(f"found {text!r}, expected {EXPECTED}")
    return host.strip("[]"), int(port)


def argument(text: str) -> str:
    """argparse's type for ``--scheduler``: a wrong form is a usage error (exit 2, with the message)."""
    import argparse

    try:
        parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text.strip()
