"""How many kernels ``observatory serve`` lets live, and for how long (read by serve, applied in Voilà by
:mod:`observatory.kernels`).

Voilà runs one kernel per visit. Without limits a kernel outlives its visitor and a crowd of visitors
exhausts the server's memory (38 kernels, about 5 GB, after 28 visits). Here a kernel ends when its
visitor leaves or after ``idle_timeout`` seconds without activity, and at most ``max_kernels`` visitors'
kernels live at once: the next visitor gets a short "busy" page instead of a kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

IDLE_TIMEOUT = 120  # seconds: a visitor who has not touched the page for 2 minutes has most likely left
# Resident memory of one kernel once a page is drawn, measured under `observatory serve` (RSS 105-130 MB,
# of which 72-96 MB its own; the explorer, with its widgets, the largest), with room for a visitor's use.
KERNEL_MB = 160
MEMORY_SHARE = 0.6  # of the memory available at start-up, the rest for Voilà, the system and other programs
GONE_GRACE = 5.0  # seconds a page may take to reconnect before its kernel is taken for left
# The explorer is the page a funder's audience opens together: its pool holds the burst expected (ten at once is
# issue 21's goal), as far as a share of the memory allows (the explorer in two languages); preheated kernels
# are alive all the time, so they are counted out of max_kernels' room.
EXPLORER_BURST = 10
POOL_MEMORY_SHARE = 0.2


@dataclass(frozen=True)
class Limits:
    idle_timeout: int = IDLE_TIMEOUT
    max_kernels: int = 1
    static_url: str | None = None  # the static site, where the busy page sends a visitor

    @property
    def cull_interval(self) -> int:
        """How often Jupyter server looks for idle kernels: often enough that a kernel ends within about a
        quarter of the timeout after it."""
        return max(1, min(30, self.idle_timeout // 4))

    @property
    def gone_grace(self) -> float:
        return min(GONE_GRACE, self.idle_timeout / 2)

    def voila_config(self) -> dict:
        """The lines of Voilà's configuration (voila.json) that apply these limits."""
        return {
            # Jupyter server's culler: a kernel idle for idle_timeout ends, even with its page still open.
            # Voilà's kernel manager keeps its preheated kernels out of this (they wait for a visitor).
            "MappingKernelManager": {"cull_idle_timeout": self.idle_timeout, "cull_interval": self.cull_interval,
                                     "cull_connected": True, "cull_busy": False},
            "ObservatoryVoila": {"max_kernels": self.max_kernels, "static_url": self.static_url or "",
                                 "gone_grace": self.gone_grace},
        }


def default_max_kernels(preheated: int, available_bytes: int | None = None) -> int:
    """Visitors' kernels that fit in a share of the memory available now, besides the preheated ones."""
    if available_bytes is None:
        import psutil

        available_bytes = psutil.virtual_memory().available
    fit = int(available_bytes * MEMORY_SHARE / (KERNEL_MB * 2**20))
    return max(1, fit - preheated)


def default_explorer_pool(pool_size: int, available_bytes: int | None = None) -> int:
    """Preheated explorer kernels in each language: the burst expected, as many as fit in a share of the memory
    available now, never fewer than the other pages' ``pool_size`` (0: no preheating at all)."""
    if pool_size <= 0:
        return 0
    if available_bytes is None:
        import psutil

        available_bytes = psutil.virtual_memory().available
    fit = int(available_bytes * POOL_MEMORY_SHARE / (KERNEL_MB * 2**20)) // 2  # French and English
    return max(pool_size, min(EXPLORER_BURST, fit))
