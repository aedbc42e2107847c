"""Long computations as background jobs: progress, cancel, result.

A job runs one library call (``analyze``, ``explore``, ``audit``,
``verify``, ``estimate``) in a worker thread, one job at a time (the others wait in
line: the machine's cores go to the computation, not to contention).
Its options are checked against a table of what each kind accepts, with
bounds, before it starts. Progress comes from the library's ``progress``
callback; cancelling sets a flag that the next progress call turns into
an exception, so the call stops at its next chunk. A finished job keeps
the result's summary (HTML and JSON); ``analyze`` and ``explore`` also
write their report into the job's own folder under the run store.
"""

from __future__ import annotations

import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from escalade.errors import EscaladeError, ParameterError

__all__ = ["JOB_KINDS", "Job", "JobCancelled", "Jobs"]

#: Options each kind of job accepts: name -> (type, low, high). Bounds keep a
#: request from asking for hours of work or gigabytes of memory.
JOB_KINDS: dict[str, dict[str, tuple[type, int, int]]] = {
    "analyze": {"runs": (int, 1, 200_000), "seed": (int, 0, 2**31)},
    "explore": {
        "samples": (int, 1, 20_000),
        "replications": (int, 1, 64),
        "seed": (int, 0, 2**31),
    },
    "audit": {"samples": (int, 2, 2_000), "seed": (int, 0, 2**31)},
    "verify": {"samples": (int, 2, 5_000), "runs": (int, 1, 20_000), "seed": (int, 0, 2**31)},
    "estimate": {"starts": (int, 1, 20), "bootstrap": (int, 0, 200), "seed": (int, 0, 2**31)},
}
#: Finished jobs kept in memory (the oldest finished goes first).
MAX_JOBS = 50


class JobCancelled(Exception):
    """Raised inside a job's computation when the job is cancelled."""


@dataclass
class Job:
    """One job and what is known of it so far."""

    id: str
    kind: str
    scenario: str
    options: dict[str, Any]
    state: str = "queued"  # queued, running, done, failed, cancelled
    progress: float = 0.0
    message: str = ""
    created: float = field(default_factory=time.time)
    finished: float | None = None
    summary_html: str = ""
    result: dict[str, Any] | None = None
    report: Path | None = None
    cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """What a client may see of the job (never a path)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "scenario": self.scenario,
            "options": self.options,
            "state": self.state,
            "progress": round(self.progress, 4),
            "message": self.message,
            "created": self.created,
            "finished": self.finished,
            "has_report": self.report is not None,
            "result": self.result,
        }


def check_options(kind: str, options: Any) -> dict[str, Any]:
    """Options of a job of ``kind``, checked against :data:`JOB_KINDS`.

    Examples
    --------
    >>> check_options("analyze", {"runs": 500})
    {'runs': 500}
    >>> check_options("analyze", {"runs": 10**9})
    Traceback (most recent call last):
    ...
    escalade.errors.ParameterError: analyze: runs must be between 1 and 200000, found 1000000000
    """
    if kind not in JOB_KINDS:
        raise ParameterError(f"unknown job kind {kind!r}; expected one of {', '.join(JOB_KINDS)}")
    if not isinstance(options, dict):
        raise ParameterError(f"{kind}: options must be an object, found {type(options).__name__}")
    allowed = JOB_KINDS[kind]
    out: dict[str, Any] = {}
    for name, value in options.items():
        if name not in allowed:
            raise ParameterError(
                f"{kind}: unknown option {name!r}; expected some of {', '.join(allowed)}"
            )
        _kind, low, high = allowed[name]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParameterError(f"{kind}: {name} must be a whole number, found {value!r}")
        if not low <= value <= high:
            raise ParameterError(
                f"{kind}: {name} must be between {low:g} and {high:g}, found {value!r}"
            )
        out[name] = value
    return out


Runner = Callable[[Job, Callable[[float, str], None]], None]


class Jobs:
    """The jobs of one server, run one at a time by a worker thread.

    Parameters
    ----------
    runner : callable
        ``runner(job, report)`` does the work of a job, calling
        ``report(fraction, message)`` as it goes, and fills ``job.result``,
        ``job.summary_html`` and ``job.report``.
    """

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._closing = False

    def submit(self, kind: str, scenario: str, options: dict[str, Any]) -> Job:
        """Queue a job; its options must already be checked."""
        job = Job(uuid.uuid4().hex[:12], kind, scenario, options)
        with self._lock:
            self._jobs[job.id] = job
            self._trim()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="escalade-jobs", daemon=True
                )
                self._thread.start()
            self._wake.notify()
        return job

    def _trim(self) -> None:
        done = [j for j in self._jobs.values() if j.finished is not None]
        while len(self._jobs) > MAX_JOBS and done:
            del self._jobs[done.pop(0).id]

    def get(self, job_id: str) -> Job:
        """The job with that id."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise ParameterError(f"no job with id {job_id!r}")
        return job

    def all(self) -> list[Job]:
        """Every job kept, newest first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: -j.created)

    def cancel(self, job_id: str) -> Job:
        """Ask a job to stop (a queued one never starts)."""
        job = self.get(job_id)
        job.cancel.set()
        with self._lock:
            if job.state == "queued":
                job.state, job.finished, job.message = "cancelled", time.time(), "cancelled"
        return job

    def close(self) -> None:
        """Stop the worker after the current job; cancel it and the queued ones."""
        with self._lock:
            self._closing = True
            for job in self._jobs.values():
                job.cancel.set()
            self._wake.notify()

    def _next(self) -> Job | None:
        with self._lock:
            while not self._closing:
                queued = [j for j in self._jobs.values() if j.state == "queued"]
                if queued:
                    job = min(queued, key=lambda j: j.created)
                    job.state = "running"
                    return job
                self._wake.wait()
        return None

    def _work(self) -> None:
        while (job := self._next()) is not None:
            self._run(job)

    def _run(self, job: Job) -> None:
        def report(fraction: float, message: str) -> None:
            if job.cancel.is_set():
                raise JobCancelled
            job.progress = min(max(fraction, 0.0), 1.0)
            job.message = message

        try:
            self.runner(job, report)
            job.state, job.progress = "done", 1.0
        except JobCancelled:
            job.state, job.message = "cancelled", "cancelled"
        except EscaladeError as exc:
            job.state, job.message = "failed", str(exc)
        except MemoryError:
            job.state, job.message = "failed", "not enough memory for this request"
        except Exception as exc:  # a bug: keep the server up, say so
            job.state = "failed"
            job.message = f"internal error ({type(exc).__name__}: {exc}); this is a bug"
            traceback.print_exc()
        job.finished = time.time()
