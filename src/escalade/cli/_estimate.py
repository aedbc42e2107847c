"""``escalade estimate``: fit a scenario's payoffs to observed crises.

A thin layer over :func:`escalade.estimate`: it prints the fit's summary
(or its JSON), turns the fit's warnings into ``escalade: warning:`` lines
on stderr, and with ``--out`` has the result write its files into a
folder (:meth:`~escalade.estimation.EstimationResult.write`).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import TYPE_CHECKING

from escalade.cli._common import (
    EXIT_OK,
    FromLibrary,
    LibraryChoices,
    add_json,
    add_number,
    add_scenario,
    add_seed,
    add_set,
    add_workers,
    given,
    out,
    out_json,
    overrides,
)
from escalade.cli._progress import Bars

if TYPE_CHECKING:
    from escalade.cli._common import Commands, Parser
    from escalade.estimation import EstimationResult

__all__ = ["register"]


def register(commands: Commands) -> None:
    """Add ``escalade estimate``."""
    p = commands.add_parser(
        "estimate",
        help="fit a scenario's payoffs to data",
        description="Fit the payoffs of a scenario with an estimation: section to observed "
        "crises by maximum likelihood (statistical backward induction, as the R package games "
        "does): agent or private-information error, probit or logit link. Prints the "
        "coefficients with standard errors, z and p values, the log-likelihood, AIC, BIC and "
        "the number of observations. The bootstrap runs in this process by default, in local "
        "processes with --workers, or on a Dask cluster with --cluster (or the "
        "DASK_SCHEDULER_ADDRESS environment variable).",
    )
    add_scenario(p)
    p.add_argument(
        "--data",
        metavar="CSV",
        help="the observations (default: the file named by the scenario's estimation: data:)",
    )
    p.add_argument(
        "--error",
        choices=LibraryChoices(FromLibrary("escalade.scenario", "ERRORS")),
        help="error structure (default: the scenario's)",
    )
    p.add_argument(
        "--link",
        choices=LibraryChoices(FromLibrary("escalade.scenario", "LINKS")),
        help="link (default: the scenario's)",
    )
    _fitting_options(p)
    _input_options(p)
    add_json(p, "print the fit as one JSON object")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="also write summary.txt, estimate.json, coefficients.csv, predictions.csv and the "
        "fitted scenario (fitted.yaml) into DIR",
    )
    add_set(p, "set a fixed parameter to a value (repeatable)")
    p.set_defaults(run=run)


def _fitting_options(p: Parser) -> None:
    """--bootstrap, --seed, --starts, --cov, --workers and --cluster."""
    add_number(
        p,
        "--bootstrap",
        "bootstrap replicates; standard errors then come from them",
        minimum=0,
        library="estimate",
    )
    add_seed(p, "seed of the bootstrap and of random starts")
    add_number(
        p,
        "--starts",
        "starting points: statistical backward induction and N-1 random ones",
        library="estimate",
    )
    p.add_argument(
        "--cov",
        choices=LibraryChoices(FromLibrary("escalade.estimation", "COV_TYPES")),
        help="standard errors from the Hessian, the outer product of gradients, the sandwich, "
        "or the bootstrap (default: bootstrap if run, else Hessian)",
    )
    add_workers(
        p,
        "local worker processes for the bootstrap",
        "Dask scheduler for the bootstrap, e.g. tcp://sched:8786",
    )


def _input_options(p: Parser) -> None:
    """--encoding and --delimiter of the CSV file."""
    p.add_argument("--encoding", metavar="NAME", help="the CSV file's encoding (default UTF-8)")
    p.add_argument(
        "--delimiter", metavar="CHAR", help="the CSV file's delimiter (default: detected)"
    )


def run(args: argparse.Namespace) -> int:
    """Fit, print the summary (or JSON) and warnings, and write the folder with --out."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _fit(args)
        if args.out is not None:
            written = result.write(args.out, cov=args.cov)
    for w in caught:
        if issubclass(w.category, UserWarning):
            sys.stderr.write(f"escalade: warning: {w.message}\n")
    if args.json:
        out_json(result.to_dict(cov=args.cov))
    else:
        out(str(result.summary(cov=args.cov)))
    if args.out is not None:
        sys.stderr.write(f"wrote {', '.join(written)} in {args.out}\n")
    return EXIT_OK


def _fit(args: argparse.Namespace) -> EstimationResult:
    from escalade import estimate

    with Bars("replicates", rate=True) as bars:
        return estimate(
            args.source,
            args.data,
            **given(
                args,
                "error",
                "link",
                "starts",
                "seed",
                "bootstrap",
                "workers",
                "cluster",
                "encoding",
                "delimiter",
            ),
            overrides=overrides(args),
            progress=bars.callback("bootstrap"),
        )
