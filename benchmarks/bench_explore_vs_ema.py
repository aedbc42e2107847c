"""The same exploration of korea-2017 through EMA Workbench and through escalade.

Both run the same experiments: the same worlds (points of the unit cube,
one coordinate per uncertain parameter, turned into values by each
parameter's inverse CDF) crossed with the same policies, each experiment
simulated ``replications`` times over the ten years. EMA Workbench 2.5.3
runs them one by one with its SequentialEvaluator, through a model
function that wraps escalade's own simulation of one world and one
policy (what a user of EMA Workbench would write); escalade runs them
with ``escalade explore`` (in this process), a chunk of worlds and every
policy per batch. The ratio is EMA's CPU time per experiment over
escalade's; the outcome means of both are printed side by side, as a
check that the experiments are the same.

Run alone (``python benchmarks/bench_explore_vs_ema.py``), the last line
printed is ``ratio: N``.
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import escalade
from benchmarks._common import Ratio, Report
from escalade.exploration import Design, explore
from escalade.game import build_game
from escalade.simulation import simulate

#: (worlds, replications) of the comparison, in full and with ``--quick``.
SIZES, QUICK_SIZES = (1000, 1), (3, 1)


def _ema_model(scenario: Any, policies: list[str], replications: int) -> Any:
    from ema_workbench import CategoricalParameter, Model, RealParameter, ScalarOutcome

    game = build_game(scenario)
    space = scenario.parameters
    names = space.uncertain_names
    dyn = scenario.dynamics
    indicators = [i.name for i in dyn.indicators]
    counter = {"n": 0}

    def korea(**kwargs: Any) -> dict[str, float]:
        u = np.array([[kwargs[n] for n in names]])
        world = space.from_unit(u)
        counter["n"] += 1
        res = simulate(
            scenario,
            kwargs["us_policy"],
            runs=replications,
            seed=counter["n"],
            draws=world.take(np.zeros(replications, dtype=np.int64)),
            game=game,
            keep_runs=True,
        )
        out = {
            f"utility_{p}": float(res.run_utility[:, i].mean())  # type: ignore[index]
            for i, p in enumerate(scenario.player_names)
        }
        out.update(
            {
                f"P_{n}": float(res.run_flags[:, j].mean())  # type: ignore[index]
                for j, n in enumerate(indicators)
            }
        )
        return out

    model = Model("korea", function=korea)
    model.uncertainties = [RealParameter(n, 0.0, 1.0) for n in names]
    model.levers = [CategoricalParameter("us_policy", policies)]
    model.outcomes = [ScalarOutcome(f"utility_{p}") for p in scenario.player_names] + [
        ScalarOutcome(f"P_{n}") for n in indicators
    ]
    return model


def measure(samples: int, replications: int, seed: int = 5) -> dict[str, Any]:
    """CPU seconds and outcome means of both ways of running the same experiments."""
    with warnings.catch_warnings():
        # EMA Workbench warns at import about optional evaluators it cannot offer
        warnings.simplefilter("ignore")
        from ema_workbench import Policy, SequentialEvaluator
        from ema_workbench import Scenario as EmaScenario

    scenario = escalade.load("korea-2017")
    policies = [p.name for p in scenario.policies]
    names = scenario.parameters.uncertain_names
    design = Design.create("lhs", samples, seed, samples, names)
    u = design.unit_points(0)
    worlds = [
        EmaScenario(f"w{i}", **{n: float(u[i, j]) for j, n in enumerate(names)})
        for i in range(samples)
    ]
    model = _ema_model(scenario, policies, replications)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.process_time()
        with SequentialEvaluator(model) as evaluator:
            experiments, outcomes = evaluator.perform_experiments(
                scenarios=worlds,
                policies=[Policy(p, us_policy=p) for p in policies],
                # progress to EMA's (silent) logger, not a tqdm bar on stderr
                log_progress=True,
            )
        ema_cpu = time.process_time() - start
    with tempfile.TemporaryDirectory() as tmp:
        start = time.process_time()
        res = explore(
            scenario,
            samples=samples,
            seed=seed,
            out=Path(tmp) / "run",
            design="lhs",
            replications=replications,
            chunk_size=samples,
            policies=policies,
        )
        ours_cpu = time.process_time() - start
        frame = res.to_frame()
    n_exp = samples * len(policies)
    return {
        "experiments": n_exp,
        "policies": len(policies),
        "ema_cpu": ema_cpu,
        "escalade_cpu": ours_cpu,
        "ratio": (ema_cpu / n_exp) / (ours_cpu / n_exp),
        "ema_means": {
            "utility:USA": float(np.mean(outcomes["utility_USA"])),
            "P:major_war": float(np.mean(outcomes["P_major_war"])),
        },
        "escalade_means": {
            "utility:USA": float(frame["utility:USA"].mean()),
            "P:major_war": float(frame["P:major_war"].mean()),
        },
        "same_worlds": bool(
            np.allclose(experiments[list(names)].drop_duplicates().to_numpy(dtype=float), u)
        ),
    }


def run(*, quick: bool = False) -> Report:
    """The comparison as a report for ``run.py`` (target: ratio >= 100)."""
    m = measure(*(QUICK_SIZES if quick else SIZES))
    report = Report(f"Exploration vs EMA Workbench: {m['experiments']:,} korea-2017 experiments")
    report.add(
        "EMA Workbench (SequentialEvaluator)",
        f"{1e3 * m['ema_cpu'] / m['experiments']:.2f} ms CPU per experiment",
    )
    report.add(
        "escalade explore",
        f"{1e3 * m['escalade_cpu'] / m['experiments']:.3f} ms CPU per experiment",
    )
    report.add("same worlds", str(m["same_worlds"]))
    report.add(
        "mean USA utility (EMA / escalade)",
        f"{m['ema_means']['utility:USA']:.2f} / {m['escalade_means']['utility:USA']:.2f}",
    )
    report.ratios.append(
        Ratio("explore_vs_ema_throughput", m["ratio"], 100.0, higher_is_better=True)
    )
    return report


def main(quick: bool = False) -> float:
    samples, replications = QUICK_SIZES if quick else SIZES
    m = measure(samples, replications)
    print(
        f"experiments: {m['experiments']} ({samples} worlds x {m['policies']} policies, "
        f"{replications} simulated run(s) of 10 years each)"
    )
    print(
        f"EMA Workbench SequentialEvaluator: {m['ema_cpu']:.1f} s CPU, "
        f"{1e3 * m['ema_cpu'] / m['experiments']:.2f} ms per experiment"
    )
    print(
        f"escalade explore:                  {m['escalade_cpu']:.2f} s CPU, "
        f"{1e3 * m['escalade_cpu'] / m['experiments']:.3f} ms per experiment"
    )
    print(
        f"same worlds: {m['same_worlds']}; mean outcomes EMA {m['ema_means']} vs escalade "
        f"{m['escalade_means']}"
    )
    print(f"ratio: {m['ratio']:.0f}")
    return float(m["ratio"])


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
