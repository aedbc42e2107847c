"""``escalade estimate``: fit a scenario's payoffs to observed crises.

A thin layer over :func:`escalade.estimate`: it prints the fit's summary
(or its JSON), turns the fit's warnings into ``escalade: warning:`` lines
on stderr, and with ``--out`` writes the summary, the JSON, the
coefficient table, the predictions and the fitted scenario into a folder.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path
from typing import Any

from escalade._api import estimate
from escalade.errors import EscaladeError, OutputError
from escalade.estimation import COV_TYPES
from escalade.scenario import ERRORS, LINKS

__all__ = ["add_estimate", "run_estimate"]

_DESCRIPTION = (
    "Fit the payoffs of a scenario with an estimation: section to observed crises by "
    "maximum likelihood (statistical backward induction, as the R package games does): "
    "agent or private-information error, probit or logit link. Prints the coefficients "
    "with standard errors, z and p values, the log-likelihood, AIC, BIC and the number of "
    "observations."
)


def add_estimate(sub: Any) -> None:
    """Add the ``estimate`` subcommand to the command's subparsers."""
    # the command's shared helpers, imported here: _main imports this module
    from escalade.cli._main import _SCENARIO_HELP, _add_set, _count, _count0, _whole

    p = sub.add_parser(
        "estimate", help="fit a scenario's payoffs to data", description=_DESCRIPTION
    )
    p.add_argument("scenario", metavar="SCENARIO", help=_SCENARIO_HELP)
    p.add_argument(
        "--data",
        default=None,
        metavar="CSV",
        help="the observations (default: the file named by the scenario's estimation: data:)",
    )
    p.add_argument(
        "--error", choices=ERRORS, default=None, help="error structure (default: the scenario's)"
    )
    p.add_argument("--link", choices=LINKS, default=None, help="link (default: the scenario's)")
    p.add_argument(
        "--bootstrap",
        type=_count0,
        default=0,
        metavar="N",
        help="bootstrap replicates; standard errors then come from them (default 0)",
    )
    p.add_argument(
        "--seed",
        type=_whole(0),
        default=None,
        metavar="S",
        help="seed of the bootstrap and of random starts",
    )
    p.add_argument(
        "--starts",
        type=_count,
        default=1,
        metavar="N",
        help="starting points: statistical backward induction and N-1 random ones (default 1)",
    )
    p.add_argument(
        "--cov",
        choices=COV_TYPES,
        default=None,
        help="standard errors from the Hessian, the outer product of gradients, the sandwich, "
        "or the bootstrap (default: bootstrap if run, else Hessian)",
    )
    p.add_argument(
        "--encoding", default=None, metavar="NAME", help="the CSV file's encoding (default UTF-8)"
    )
    p.add_argument(
        "--delimiter",
        default=None,
        metavar="CHAR",
        help="the CSV file's delimiter (default: detected)",
    )
    p.add_argument(
        "--workers",
        type=_count,
        default=None,
        metavar="N",
        help="local worker processes for the bootstrap",
    )
    p.add_argument(
        "--cluster",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler for the bootstrap, e.g. tcp://sched:8786",
    )
    p.add_argument("--json", action="store_true", help="print the fit as one JSON object")
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="also write summary.txt, estimate.json, coefficients.csv, predictions.csv and the "
        "fitted scenario (fitted.yaml) into DIR",
    )
    _add_set(p, "set a fixed parameter to a value (repeatable)")
    p.set_defaults(run=run_estimate)


def run_estimate(args: argparse.Namespace) -> int:
    """Run ``escalade estimate``."""
    from escalade.cli._main import EXIT_OK, _bar, _out, _overrides

    progress, stop = (
        _bar("bootstrap", "replicates", rate=True) if args.bootstrap else (None, lambda: None)
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = estimate(
                args.scenario,
                args.data,
                error=args.error,
                link=args.link,
                set=_overrides(args),
                starts=args.starts,
                seed=args.seed,
                bootstrap=args.bootstrap,
                workers=args.workers,
                cluster=args.cluster,
                encoding=args.encoding,
                delimiter=args.delimiter,
                progress=progress,
            )
        finally:
            stop()
    for w in caught:
        if issubclass(w.category, UserWarning):
            sys.stderr.write(f"escalade: warning: {w.message}\n")
    if args.json:
        _out(json.dumps(result.to_dict(args.cov), indent=2, allow_nan=False))
    else:
        _out(str(result.summary(args.cov)))
    if args.out is not None:
        written = write_folder(result, Path(args.out), args.cov)
        sys.stderr.write(f"wrote {', '.join(written)} in {args.out}\n")
    return EXIT_OK


def write_folder(result: Any, folder: Path, cov: str | None) -> list[str]:
    """Write the fit's files into ``folder``; the names written."""
    from escalade.exploration._store import atomic_write  # heavy (pandas): only when needed

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the folder: {exc.strerror or exc}") from None
    files = {
        "summary.txt": str(result.summary(cov)),
        "estimate.json": json.dumps(result.to_dict(cov), indent=2, allow_nan=False) + "\n",
        "coefficients.csv": result.to_frame(cov).to_csv(),
        "predictions.csv": result.predict().to_csv(index=False),
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            files["fitted.yaml"] = result.to_scenario(cov=cov).text.decode("utf-8")
    except EscaladeError as exc:
        sys.stderr.write(f"escalade: warning: no fitted scenario written: {exc}\n")
    for name, text in files.items():
        atomic_write(folder / name, text.encode("utf-8"))
    return list(files)
