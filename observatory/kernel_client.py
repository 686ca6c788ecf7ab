"""The kernel client Voilà uses under ``observatory serve``: it cannot sleep through a reply.

Voilà renders a page with nbclient, which waits for each cell's ``execute_reply``
on the shell socket with no time-out. When a cell displays into an
``ipywidgets.Output`` (the explorer does), nbclient's Output mimic sends
``comm_msg`` on that same zmq.asyncio socket while the wait is pending, and
now and then the wait is never woken although the reply has arrived: ZMQ's
edge-triggered file descriptor was drained by the send. The page then stops
streaming after the cell before (seen here: the socket reports POLLIN while its
poll future waits forever). This channel waits in short slices and, after each
one, asks the socket itself whether a message is there, so a missed wake-up
costs at most one slice.
"""

from __future__ import annotations

import time
from queue import Empty

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from traitlets import Type

SLICE = 0.25  # seconds: the longest a missed wake-up can delay a message


class WatchfulChannel(AsyncZMQSocketChannel):
    async def get_msg(self, timeout: float | None = None) -> dict:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            wait = SLICE if left is None else min(SLICE, left)
            ready = await self.socket.poll(int(wait * 1000))
            if ready or self.socket.get(zmq.EVENTS) & zmq.POLLIN:
                return await self._recv()
            if left is not None and left <= wait:
                raise Empty


class WatchfulKernelClient(AsyncKernelClient):
    shell_channel_class = Type(WatchfulChannel)
    iopub_channel_class = Type(WatchfulChannel)
    stdin_channel_class = Type(WatchfulChannel)
    control_channel_class = Type(WatchfulChannel)
