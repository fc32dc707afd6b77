"""Process life-cycle helpers: stop on SIGTERM/SIGINT, and die with the parent when embedded.

An embedded mesh must leave no orphan even if `codemesh analyze` is killed with SIGKILL, so each
child asks the kernel (prctl PR_SET_PDEATHSIG) to send it SIGTERM when its parent dies, and also
watches its parent pid where prctl is not available.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM) -> bool:
    """Ask Linux to signal this process when its parent exits. False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def install_stop_handlers(stop: asyncio.Event) -> None:
    """Set `stop` on SIGTERM or SIGINT, so the role's main loop ends cleanly."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)


async def watch_parent(parent_pid: int, stop: asyncio.Event, every: float = 1.0) -> None:
    """Set `stop` once the parent is gone (reparented): the fallback for die_with_parent."""
    while not stop.is_set():
        if os.getppid() != parent_pid:
            stop.set()
            return
        await asyncio.sleep(every)
