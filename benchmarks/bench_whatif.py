"""What-if latency: the Korea stage game re-solved as a slider moves, through the web API.

A client moves a slider over its range in 60 steps and, at each step,
asks the workbench what the page asks (``POST
/api/scenarios/korea-2017/whatif``, in-process through Starlette's test
client, so the whole HTTP stack runs but no network): first the stage
game with its tree drawn as SVG (``part: stage``), then the policy table
(``part: table``: free play and the eight policies' stage games; the page
asks for them one row at a time after drawing the tree). Each step picks
the next of the nine plays as the chosen policy, so every policy's stage
game is timed, the dearest (the four-step proposal) included. Target:
the stage game in 200 ms at the 95th percentile per request.

Three sweeps: ``p_detect`` with the scenario's foresight (the page's
default: korea-2017 says ``full``, so every stage game is played with
exact continuation values) and with ``foresight: myopic`` (the stage
payoffs alone); and ``cap_step`` with the scenario's foresight, stage
game only. ``p_detect`` is read by the stage games alone, so a step
values the states already found again (most of korea-2017's parameters
are such); ``cap_step`` is read by the transition, so every step
enumerates the states anew. Each sweep has its ratio.

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

#: Seconds a what-if's stage game may take at the 95th percentile.
TARGET_P95 = 0.200

URL = "/api/scenarios/korea-2017/whatif"
#: A parameter only the stage games read: a step reprices the states already found.
STAGE_ONLY = "p_detect"
#: A parameter the transition reads (the size of a step of nuclear capability): every
#: step enumerates the states again.
FOLLOWED = "cap_step"


def run(quick: bool = False) -> Report:
    """Time the what-if requests of slider sweeps, with and without foresight."""
    from starlette.testclient import TestClient

    from escalade.web import create_app

    steps = 9 if quick else 60
    report = Report("What-if latency (korea-2017 stage game, then the 9-row policy table, web API)")
    report.add("slider steps per sweep", f"{steps}")
    with TestClient(create_app()) as client:
        client.post(URL, json={"part": "stage"})  # builds and caches the game
        controls = client.get(URL.removesuffix("/whatif")).json()["controls"]
        plays = [p["name"] for p in controls["policies"]]
        ranges = {p["name"]: (p.get("low"), p.get("high")) for p in controls["parameters"]}
        sweeps = [
            (STAGE_ONLY, None, ("stage", "table")),
            (STAGE_ONLY, "myopic", ("stage", "table")),
            (FOLLOWED, None, ("stage",)),
        ]
        for parameter, foresight, parts in sweeps:
            low, high = ranges[parameter]
            times = _sweep(client, steps, foresight, plays, (parameter, low, high), parts)
            name = f"{parameter}, " + (
                "scenario's foresight (full)" if foresight is None else foresight
            )
            for part in parts:
                cpu, wall = times[part]
                what = "stage game" if part == "stage" else "policy table"
                report.add(
                    f"{name}: {what}, CPU per request, median / p95",
                    f"{np.median(cpu) * 1e3:.0f} / {np.percentile(cpu, 95) * 1e3:.0f} ms",
                )
                report.add(
                    f"{name}: {what}, wall clock per request, median / p95",
                    f"{np.median(wall) * 1e3:.0f} / {np.percentile(wall, 95) * 1e3:.0f} ms",
                )
            report.ratios.append(
                Ratio(
                    f"what-if stage game p95 CPU / 200 ms, {name}",
                    float(np.percentile(times["stage"][0], 95)) / TARGET_P95,
                    1.0,
                    higher_is_better=False,
                )
            )
    return report


def _sweep(
    client: Any,
    steps: int,
    foresight: str | None,
    plays: list[str],
    slider: tuple[str, float, float],
    parts: tuple[str, ...],
) -> dict[str, tuple[list[float], list[float]]]:
    """CPU and wall-clock seconds of each request of one sweep of ``slider`` (name, low,
    high, inside 5% of each end), per part; the chosen policy cycles through ``plays``."""
    parameter, low, high = slider
    times: dict[str, tuple[list[float], list[float]]] = {part: ([], []) for part in parts}
    span = high - low
    for i, p in enumerate(np.linspace(low + 0.05 * span, high - 0.05 * span, steps)):
        body = {"values": {parameter: float(p)}, "policy": plays[i % len(plays)]}
        body["foresight"] = foresight
        for part in parts:
            w0, c0 = time.perf_counter(), time.process_time()
            response = client.post(URL, json={**body, "part": part})
            times[part][0].append(time.process_time() - c0)
            times[part][1].append(time.perf_counter() - w0)
            response.raise_for_status()
    return times
