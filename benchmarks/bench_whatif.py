"""What-if latency: the Korea stage game re-solved as a slider moves, through the web API.

A client moves the ``p_detect`` slider over its range in 60 steps and, at
each step, asks the workbench (``POST /api/scenarios/korea-2017/whatif``,
in-process through Starlette's test client, so the whole HTTP stack runs
but no network) for the stage game under free play and the seven
policies' stage games at that point, with the tree drawn as SVG: what the
page redraws. Target: 200 ms at the 95th percentile per request.

The sweep runs twice: with the scenario's foresight (the page's default:
korea-2017 says ``full``, so every one of the eight stage games is played
with exact continuation values, computed anew at each point) and with
``foresight: myopic`` (the stage payoffs alone). Each has its ratio.

Both the wall-clock time and the CPU time of each request are measured;
the target is checked on CPU time, as the other benchmarks are (on a
small shared machine wall-clock time mostly measures the neighbours),
and both are shown. The first request (building the game) is not counted.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from benchmarks._common import Ratio, Report

__all__ = ["TARGET_P95", "run"]

#: Seconds a what-if may take at the 95th percentile.
TARGET_P95 = 0.200


def run(quick: bool = False) -> Report:
    """Time the what-if requests of one slider sweep, with and without foresight."""
    from starlette.testclient import TestClient

    from escalade.web import create_app

    steps = 8 if quick else 60
    report = Report("What-if latency (korea-2017 stage game, free play + 7 policies, web API)")
    report.add("requests per sweep", f"{steps}")
    with TestClient(create_app()) as client:
        client.post("/api/scenarios/korea-2017/whatif", json={})  # builds and caches the game
        for foresight in (None, "myopic"):
            cpu, wall = _sweep(client, steps, foresight)
            name = "scenario's foresight (full)" if foresight is None else foresight
            p95_cpu, p95_wall = float(np.percentile(cpu, 95)), float(np.percentile(wall, 95))
            report.add(
                f"{name}: CPU per request, median / p95",
                f"{np.median(cpu) * 1e3:.0f} / {p95_cpu * 1e3:.0f} ms",
            )
            report.add(
                f"{name}: wall clock per request, median / p95",
                f"{np.median(wall) * 1e3:.0f} / {p95_wall * 1e3:.0f} ms",
            )
            report.ratios.append(
                Ratio(
                    f"what-if p95 CPU / 200 ms, {name}",
                    p95_cpu / TARGET_P95,
                    1.0,
                    higher_is_better=False,
                )
            )
    return report


def _sweep(client: Any, steps: int, foresight: str | None) -> tuple[list[float], list[float]]:
    """CPU and wall-clock seconds of each request of one sweep of ``p_detect``."""
    cpu, wall = [], []
    for p in np.linspace(0.05, 0.95, steps):
        body = {
            "values": {"p_detect": float(p)},
            "policy": "strategic_impatience",
            "foresight": foresight,
        }
        w0, c0 = time.perf_counter(), time.process_time()
        response = client.post("/api/scenarios/korea-2017/whatif", json=body)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
        response.raise_for_status()
    return cpu, wall
