"""Strategic estimation: escalade against the R package games on the leblang2003 model.

The model is the private-information egame12 of Leblang (2003) as the
games package fits it (7,240 country-months, 19 coefficients). Two
figures are compared, each in CPU seconds of the process doing the work:

- one fit, from the data in memory to the estimates and their standard
  errors (games' ``egame12`` call; escalade's ``estimate`` with a
  DataFrame);
- one bootstrap replicate: games refits replicate after replicate
  (``boot=``), escalade fits them in batches, so the per-replicate time
  of a 1,000-replicate bootstrap is compared with games' own.

R is run as a child process (``Rscript``) when it and games are
installed; otherwise its side is skipped with a note. Both sides must
reach the same log-likelihood.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

from benchmarks._common import Ratio, Report, best_time, si
from escalade.errors import ConvergenceWarning
from escalade.estimation import fit, read_data
from escalade.scenario import bundled_path, load_scenario

__all__ = ["run"]

#: Targets: escalade's speed-up over games for one fit and per bootstrap replicate.
FIT_TARGET = 20.0
BOOT_TARGET = 50.0

_R_SCRIPT = r"""
suppressMessages(library(games))
args <- commandArgs(TRUE)
data(leblang2003)
f <- outcome ~ capcont + lreserves + overval + creditgrow + USinterest + service + contagion +
  prioratt - 1 | 1 | 1 | unifgov + lexports + preelec + postelec + rightgov + realinterest +
  capcont + lreserves
cpu <- function() { t <- proc.time(); t[["user.self"]] + t[["sys.self"]] }
best <- Inf
for (i in seq_len(as.integer(args[1]))) {
  t0 <- cpu()
  m <- egame12(f, data = leblang2003, link = "probit", type = "private")
  best <- min(best, cpu() - t0)
}
nboot <- as.integer(args[2])
set.seed(1)
t0 <- cpu()
mb <- suppressWarnings(egame12(f, data = leblang2003, link = "probit", type = "private",
                               boot = nboot, bootreport = FALSE))
boot_total <- cpu() - t0
cat(sprintf('{"fit": %.6f, "boot_total": %.6f, "nboot": %d, "loglik": %.10f}\n',
            best, boot_total, nboot, sum(m$log.likelihood)))
"""


def _games() -> dict[str, float] | None:
    """Time games in a child process, or None when R or games is missing."""
    if shutil.which("Rscript") is None:
        return None
    probe = subprocess.run(
        ["Rscript", "-e", "library(games)"], capture_output=True, text=True, check=False
    )
    return None if probe.returncode != 0 else {}


def _run_games(repeats: int, nboot: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bench.R"
        script.write_text(_R_SCRIPT)
        done = subprocess.run(
            ["Rscript", str(script), str(repeats), str(nboot)],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"the games benchmark failed:\n{done.stderr}")
    facts: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return facts


def run(*, quick: bool = False, games: bool = True) -> Report:
    """Time one fit and a bootstrap of leblang2003 in escalade and, when installed, in games.

    ``games=False`` leaves R out (the smoke test, which must not need R).
    """
    import pandas as pd

    report = Report("Strategic estimation, leblang2003 (private information): escalade vs games")
    scenario = load_scenario("leblang2003")
    path = bundled_path("leblang2003")
    assert path is not None
    frame = pd.read_csv(path.parent / "data" / "leblang2003.csv")
    result = fit(scenario, read_data(frame))
    fit_seconds = best_time(lambda: fit(scenario, read_data(frame)), repeats=2 if quick else 5)
    n_boot = 40 if quick else 1000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        boot_seconds = best_time(lambda: result.bootstrap(n_boot, seed=1), repeats=1)
    per_replicate = boot_seconds / n_boot
    report.add("escalade: one fit (data in memory)", si(fit_seconds, "s"))
    report.add(f"escalade: bootstrap of {n_boot}, per replicate", si(per_replicate, "s"))
    report.add("escalade: log-likelihood", f"{result.loglik:.6f}")
    if not games or _games() is None:
        why = "not asked for" if not games else "Rscript with the games package is not installed"
        report.add("games", f"skipped: {why}")
        return report
    r_boot = 2 if quick else 10
    facts = _run_games(1 if quick else 3, r_boot)
    r_per_replicate = (facts["boot_total"] - facts["fit"]) / r_boot
    report.add("games: one fit", si(facts["fit"], "s"))
    report.add(f"games: bootstrap of {r_boot}, per replicate", si(r_per_replicate, "s"))
    report.add("games: log-likelihood", f"{facts['loglik']:.6f}")
    if abs(facts["loglik"] - result.loglik) > 1e-4:
        raise RuntimeError(
            f"escalade and games disagree: log-likelihood {result.loglik} and {facts['loglik']}"
        )
    report.ratios.append(
        Ratio(
            "estimation fit leblang2003 (games / escalade)",
            facts["fit"] / fit_seconds,
            FIT_TARGET,
            True,
        )
    )
    report.ratios.append(
        Ratio(
            "estimation bootstrap per replicate (games / escalade)",
            r_per_replicate / per_replicate,
            BOOT_TARGET,
            True,
        )
    )
    return report
