"""What a fit shows: its coefficient table, its summary, its JSON, and the files of ``--out``.

The functions here only read an :class:`~escalade.estimation.EstimationResult`;
its ``to_frame``, ``summary``, ``to_dict`` and ``write`` call them.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from escalade._io import atomic_write
from escalade._results import Summary, Table, clip_rows, json_dict
from escalade.errors import EscaladeError, EstimationWarning, OutputError

if TYPE_CHECKING:
    import pandas as pd

    from escalade.estimation._result import EstimationResult

__all__ = ["FILES", "coefficient_frame", "fit_dict", "fit_summary", "write_folder"]

#: The files :func:`write_folder` writes, in order.
FILES = ("summary.txt", "estimate.json", "coefficients.csv", "predictions.csv", "fitted.yaml")

_SE_TEXT = {
    "hessian": "the inverse Hessian",
    "opg": "the outer product of gradients (BHHH)",
    "sandwich": "the sandwich (robust) estimator",
}


def coefficient_frame(result: EstimationResult, cov: str | None) -> pd.DataFrame:
    """One row per coefficient: equation, term, estimate, standard error, z, p, 95% interval."""
    import pandas as pd

    se = result.se(cov)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = result.coef / se
    p = 2.0 * stats.norm.sf(np.abs(z))
    q = stats.norm.ppf(0.975)
    equations = result.model.equations
    return pd.DataFrame(
        {
            "equation": [e.name for e in equations for _ in e.terms],
            "term": [t for e in equations for t in e.terms],
            "coef": result.coef,
            "std_err": se,
            "z": z,
            "p": p,
            "ci_low": result.coef - q * se,
            "ci_high": result.coef + q * se,
        },
        index=pd.Index(list(result.names), name="coefficient"),
    )


def describe_equation(result: EstimationResult, name: str) -> str:
    """What an equation is for: ``u1_war: payoff of A at war``."""
    if name.startswith("log_scale"):
        who = name[len("log_scale_") :] if name.startswith("log_scale_") else "every player"
        return f"{name}: log of the scale of the shocks of {who}"
    game = result.built.game
    if game is None:
        players = {p: pl for pl, p in result.spec.reservation}
        return f"{name}: reservation value of {players.get(name, '?')}"
    where = []
    coef = getattr(result.model, "payoff_coef", None)
    if coef is not None:
        j = [e.name for e in result.model.equations].index(name)
        for i, pl in enumerate(game.players):
            for o, out in enumerate(game.outcomes):
                if coef[i, o, j] != 0:
                    where.append(f"{pl} at {out}")
    return f"{name}: payoff of {', '.join(where)}" if where else name


def _notes(result: EstimationResult, kind: str) -> list[str]:
    frame = result.built.frame
    dropped = ""
    if frame.n_dropped:
        detail = ", ".join(f"{c} {k}" for c, k in frame.dropped.items())
        dropped = (
            f" ({frame.n_dropped} of {frame.table.n_rows} rows dropped for missing values: "
            f"{detail})"
        )
    boot = 0 if result.boot is None else len(result.boot)
    se_text = _SE_TEXT.get(kind, f"{boot} bootstrap replicates")
    notes = [
        f"Data: {frame.table.name}, {result.n_obs} observations{dropped}",
        f"Log-likelihood: {result.loglik:.4f}   AIC: {result.aic:.4f}   BIC: {result.bic:.4f}",
        f"Converged: {'yes' if result.converged else 'NO'} ({result.iterations} Newton "
        f"iterations); Hessian negative definite: "
        f"{'yes' if result.locally_identified else 'NO'}; standard errors from {se_text}",
    ]
    fixed = result.fixed_values()
    if fixed:
        notes.append("Fixed: " + ", ".join(f"{k} = {v:g}" for k, v in fixed.items()))
    return notes + [f"Warning: {n}" for n in result.notes]


def fit_summary(result: EstimationResult, cov: str | None, max_rows: int | None) -> Summary:
    """A header, then one coefficient table per equation (at most ``max_rows`` rows each)."""
    kind = cov or result.default_cov_type()
    frame = coefficient_frame(result, kind)
    spec = result.spec
    model = (
        "ultimatum game" if spec.model == "ultimatum" else f"{spec.error} error, {spec.link} link"
    )
    tables = []
    for eq in result.model.equations:
        rows = [
            (
                str(r.term),
                f"{r.coef:.4f}",
                f"{r.std_err:.4f}",
                f"{r.z:.3f}",
                f"{r.p:.3f}",
                f"{r.ci_low:.3f}",
                f"{r.ci_high:.3f}",
            )
            for r in frame[frame.equation == eq.name].itertuples()
        ]
        tables.append(
            Table(
                describe_equation(result, eq.name),
                ("term", "coef", "std err", "z", "P>|z|", "[0.025", "0.975]"),
                clip_rows(rows, max_rows),
            )
        )
    return Summary(
        f"Strategic estimation: {result.scenario.name} ({model})",
        tuple(_notes(result, kind)),
        tuple(tables),
    )


def fit_dict(result: EstimationResult, cov: str | None) -> dict[str, Any]:
    """The fit as plain values (strict JSON: a standard error that is not defined is null)."""
    kind = cov or result.default_cov_type()
    frame = coefficient_frame(result, kind)
    spec, data = result.spec, result.built.frame
    return json_dict(
        {
            "scenario": result.scenario.name,
            "model": spec.model,
            "error": spec.error,
            "link": spec.link,
            "data": data.table.name,
            "n_obs": result.n_obs,
            "n_dropped": data.n_dropped,
            "dropped": dict(data.dropped),
            "loglik": result.loglik,
            "aic": result.aic,
            "bic": result.bic,
            "converged": result.converged,
            "iterations": result.iterations,
            "locally_identified": result.locally_identified,
            "cov_type": kind,
            "coefficients": {
                name: {"coef": r.coef, "std_err": _num(r.std_err), "z": _num(r.z), "p": _num(r.p)}
                for name, r in zip(result.names, frame.itertuples(), strict=True)
            },
            "fixed": result.fixed_values(),
            "bootstrap_replicates": 0 if result.boot is None else len(result.boot),
            "bootstrap_seed": result.boot_seed,
            "warnings": list(result.notes),
        }
    )


def _num(x: Any) -> float | None:
    """A finite number, or None (an infinite z is not a number JSON can hold either)."""
    value = float(x)
    return value if np.isfinite(value) else None


def write_folder(result: EstimationResult, folder: str | Path, cov: str | None) -> list[str]:
    """Write the fit's files into ``folder`` (created if needed); the names written.

    A fit that cannot become a scenario (see ``to_scenario``) writes no
    ``fitted.yaml`` and says why in an :class:`EstimationWarning`.
    """
    where = Path(folder)
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{where}: cannot create the folder: {exc.strerror or exc}") from None
    files = {
        "summary.txt": str(result.summary(cov=cov, max_rows=None)),
        "estimate.json": json.dumps(result.to_dict(cov=cov), indent=2, allow_nan=False) + "\n",
        "coefficients.csv": result.to_frame(cov=cov).to_csv(),
        "predictions.csv": result.predict().to_csv(index=False),
    }
    try:
        files["fitted.yaml"] = result.to_scenario(cov=cov).text.decode("utf-8")
    except EscaladeError as exc:
        warnings.warn(f"no fitted scenario written: {exc}", EstimationWarning, stacklevel=3)
    for name, text in files.items():
        atomic_write(where / name, text.encode("utf-8"))
    return list(files)
