"""Sizes a request may reach: memory is estimated before it is allocated.

A batch of draws or runs lives in memory as arrays; asked for a billion
draws, numpy would try to allocate them and the operating system would
kill the process without a word (or, with memory to spare for a while,
swap for hours). Functions that allocate in proportion to a number the
user gives estimate the bytes first and call :func:`check_memory`, which
refuses a request that cannot fit in the memory available now, with the
figures, as a :class:`~escalade.errors.ParameterError` naming the argument
to make smaller.

Examples
--------
>>> check_memory(1e3, "100 draws", "draws") is None
True
>>> from escalade.errors import ParameterError
>>> try:
...     check_memory(4e18, "10**16 draws", "draws")
... except ParameterError as exc:
...     print(str(exc).split(",")[0])
10**16 draws would need about 4e+09 GB of memory
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from escalade.errors import ParameterError

__all__ = ["available_memory", "check_memory", "gigabytes"]


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def available_memory() -> int | None:
    """Bytes of memory this process can still get, or None if the system does not say.

    The smaller of the system's available memory (``MemAvailable`` on
    Linux, the physical memory elsewhere) and what a control group's limit
    leaves (a container's memory limit).
    """
    figures = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                figures.append(int(line.split()[1]) * 1024)
                break
    except (OSError, ValueError, IndexError):
        pass
    if not figures:
        with contextlib.suppress(AttributeError, OSError, ValueError):
            figures.append(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        limit, used = _read_int(Path(limit_file)), _read_int(Path(usage_file))
        if limit is not None and used is not None and limit < 2**60:
            figures.append(max(limit - used, 0))
    return min(figures) if figures else None


def gigabytes(n_bytes: float) -> str:
    """A number of bytes in GB, for messages.

    Examples
    --------
    >>> gigabytes(1.5e9), gigabytes(2e6), gigabytes(3.2e11), gigabytes(1e21)
    ('1.5 GB', '0.002 GB', '320 GB', '1e+12 GB')
    """
    gb = n_bytes / 1e9
    if gb >= 1e6:
        return f"{gb:.2g} GB"
    return f"{gb:,.0f} GB" if gb >= 100 else f"{gb:.2g} GB"


def check_memory(needed: float, request: str, argument: str) -> None:
    """Refuse a request that needs more memory than is available now.

    Parameters
    ----------
    needed : float
        Estimated bytes.
    request : str
        The request in words (``"1,000,000,000 draws of iig"``).
    argument : str
        The argument to make smaller (``"draws"``); a command line names
        its option instead.

    Raises
    ------
    ParameterError
        With the estimate and the memory available.
    """
    available = available_memory()
    if available is None or needed <= available:
        return
    raise ParameterError(
        f"{request} would need about {gigabytes(needed)} of memory, and {gigabytes(available)} "
        f"is available; expected a smaller {argument}",
        arguments=(argument,),
    )
