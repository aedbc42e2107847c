"""Gambit's exact Nash algorithms run in a child process, with a time limit.

One child process (:mod:`._gambit_worker`, started with the same Python)
answers the requests of this process one at a time and is kept between
them, so pygambit is imported once. A request that takes longer than its
time limit ends the child, as does a crash inside Gambit; the next
request starts a new one. The child also ends when its input closes, so
it does not outlive this process: at exit, or when this process is
killed (on Linux it is also asked to be killed with its parent, for the
case where Gambit is busy and not reading its input).
"""

from __future__ import annotations

import atexit
import json
import math
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["GambitCrashed", "GambitTimedOut", "ask_gambit"]

#: The command that starts the child (tests replace it to simulate crashes).
WORKER_COMMAND = [sys.executable, "-P", str(Path(__file__).with_name("_gambit_worker.py"))]
#: Seconds between two calls of the progress callback while waiting.
_TICK = 0.5


class GambitCrashed(Exception):
    """The child process died while working on a request."""

    def __init__(self, returncode: int | None) -> None:
        self.returncode = returncode
        super().__init__(describe_exit(returncode))


class GambitTimedOut(Exception):
    """A request took longer than its time limit; the child was ended."""


def describe_exit(returncode: int | None) -> str:
    """How a child process ended, in words.

    Examples
    --------
    >>> describe_exit(-11)
    'killed by signal SIGSEGV (a segmentation fault)'
    >>> describe_exit(3)
    'exited with status 3'
    """
    if returncode is None:
        return "stopped answering"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"{-returncode}"
        detail = " (a segmentation fault)" if name == "SIGSEGV" else ""
        return f"killed by signal {name}{detail}"
    return f"exited with status {returncode}"


class _Worker:
    """One child process and the pipe to it."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [*WORKER_COMMAND, str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
        )
        self.reader: threading.Thread | None = None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def ask(
        self,
        request: dict[str, Any],
        timeout: float,
        progress: Callable[[int, int], None] | None,
    ) -> dict[str, Any]:
        if self.proc.stdin is None or self.proc.stdout is None:  # started with pipes below
            raise RuntimeError("the Gambit worker process has no pipes to talk through")
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise GambitCrashed(self.proc.wait()) from None
        started = time.monotonic()
        limit = 0 if math.isinf(timeout) else max(1, math.ceil(timeout))
        # A thread reads the reply, so that waiting can be cut into ticks on every
        # platform (selecting on a pipe does not work on Windows).
        lines: queue.Queue[str] = queue.Queue()
        stdout = self.proc.stdout
        self.reader = threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True)
        self.reader.start()
        while True:
            waited = time.monotonic() - started
            if waited >= timeout:
                self.stop()
                raise GambitTimedOut(f"no answer within {timeout:g} s")
            try:
                line = lines.get(timeout=min(_TICK, timeout - waited))
                break
            except queue.Empty:
                if progress is not None:
                    progress(int(time.monotonic() - started), limit)
        try:
            reply: dict[str, Any] = json.loads(line)
        except ValueError:
            self.stop()
            raise GambitCrashed(self.proc.returncode) from None
        return reply

    def stop(self) -> None:
        """End the child (killed if it is busy) and close the pipes once nothing reads them."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.reader is not None:
            self.reader.join(timeout=5)  # it sees the end of the pipe now
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()


_worker: _Worker | None = None
_lock = threading.Lock()


def ask_gambit(
    request: dict[str, Any],
    *,
    timeout: float,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Send one request to the child (starting it if needed) and return its reply.

    Parameters
    ----------
    request : dict
        As described in :mod:`._gambit_worker`.
    timeout : float
        Seconds to wait for the reply (``inf`` for no limit).
    progress : callable, optional
        Called as ``progress(seconds_waited, time_limit)`` about twice a second
        while waiting; the limit is 0 when there is none.

    Raises
    ------
    GambitCrashed
        If the child died (a crash inside Gambit).
    GambitTimedOut
        If no reply came in time (the child is ended).
    """
    global _worker
    with _lock:
        if _worker is None or not _worker.alive():
            _worker = _Worker()
        worker = _worker
        try:
            return worker.ask(request, timeout, progress)
        except (GambitCrashed, GambitTimedOut):
            worker.stop()
            _worker = None
            raise


@atexit.register
def _stop_worker() -> None:
    if _worker is not None:
        _worker.stop()
