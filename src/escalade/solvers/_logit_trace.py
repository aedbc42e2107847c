"""Logit agent QRE of games with information sets, by tracing the principal branch.

Unknowns are the log action probabilities ``z`` (one per action); for
each information set ``h`` with first action ``f``::

    sum_{a in h} exp(z_a) - 1 = 0
    z_a - z_f - lam * (v_a - v_f) = 0          for the other actions a of h

where ``v_a`` is the expected payoff of action ``a`` to the mover, given
``h`` is reached, with beliefs from the profile itself (Bayes' rule); they
are evaluated in ``_logit_equations``. At ``lam = 0`` the solution is
uniform play; the principal branch is the curve of solutions that starts
there (McKelvey and Palfrey 1998). It is
followed by pseudo-arclength continuation in ``(z, lam)``, a predictor
along the tangent and a Newton corrector, so turning points in ``lam``
are passed the way Gambit passes them (Turocy 2005): the answer at a
given ``lam`` is the first point of the branch that reaches it, polished
by Newton's method at that exact ``lam``.

Everything is batched over draws: each draw has its own position on its
own branch and its own step size; the Jacobians are exact (forward-mode
derivatives through the tree), and each draw's residual decides whether
it converged.

References
----------
McKelvey, R. D. and Palfrey, T. R. (1998). Quantal response equilibria
for extensive form games. Experimental Economics 1, 9-41.
Turocy, T. L. (2005). A dynamic homotopy interpretation of the logistic
quantal response equilibrium correspondence. Games and Economic
Behavior 51, 243-263.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from escalade.game import GameValues
from escalade.solvers._logit_equations import QreEquations, take_draws

__all__ = ["PERTURBATION", "Stepping", "TraceResult", "Tracer"]

#: Shift of the first equation used to step past a bifurcation (Gambit uses 1e-7).
PERTURBATION = 1e-7

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Stepping:
    """How the branch is stepped along: Gambit's constants, and where the limit stops.

    Attributes
    ----------
    first_step : float
        Arclength of the first step.
    max_decel : float
        Largest factor by which one step shortens the next.
    max_steps : int
        Accepted steps after which a draw is given up.
    regret_tol : float
        For ``lam = inf``: regret, relative to the payoff range, counted as zero.
    max_lam : float
        For ``lam = inf``: the largest lambda followed.
    """

    first_step: float = 0.03
    max_decel: float = 1.1
    max_steps: int = 100_000
    regret_tol: float = 1e-8
    max_lam: float = 1e7


@dataclass
class TraceResult:
    """Per-draw outcome of tracing, draws first."""

    z: FloatArray  # (c, n_actions) log action probabilities
    lam: FloatArray  # (c,) lambda reached
    converged: NDArray[np.bool_]  # (c,)
    residual: FloatArray  # (c,) max |F| at the end
    steps: IntArray  # (c,) accepted continuation steps
    reach: FloatArray  # (n_nodes, c)
    beliefs: FloatArray  # (c, n_nodes), NaN off decision nodes
    payoffs: FloatArray  # (c, n_players)


class Tracer(QreEquations):
    """Follows the principal branch of the QRE equations for one game.

    Parameters
    ----------
    game : Game
        Any extensive game (imperfect recall allowed).
    fixed : ndarray of shape (n_actions,), optional
        Probabilities fixed in advance (NaN where free).
    """

    # --------------------------------------------------------------- tracing
    def trace(
        self,
        values: GameValues,
        lam_target: float,
        *,
        tol: float = 1e-12,
        stepping: Stepping = Stepping(),
    ) -> TraceResult:
        """Follow the principal branch from ``lam = 0`` to ``lam_target`` for every draw.

        The stepping is the predictor-corrector scheme of Allgower and Georg
        (1990) as Gambit runs it, with Gambit's constants: an Euler
        predictor along the tangent, a chord-Newton corrector with the
        Jacobian's QR decomposition at the predicted point, step lengths
        adapted to the corrector's distance and contraction, and a secant
        rule on arclength to land on ``lam_target``. Each draw keeps its own
        step length. Following the same rules keeps the branch the same
        where the QRE correspondence bifurcates (non-generic games), where
        any other rule would be an arbitrary choice: when the tangent's
        orientation flips, the step is refused and the first equation is
        shifted by 1e-7 from then on, as Gambit 16 does ("first" in Gambit's
        order: the first player's first information set in a depth-first
        walk). The end point is then polished by Newton's method at exactly
        ``lam_target``.

        Where escalade departs from Gambit: a flip that persists while
        perturbed, down to steps below 1e-6, is a bifurcation the
        perturbation does not unfold (a symmetric pitchfork whose symmetry
        the shift of the first equation respects). Gambit 16.7 refuses every
        step there until its step length falls below 1e-8, then returns the
        last point it reached as its answer for the target, without an
        error (it does so on the catalog's wichardt2008 at lam = (5 - sqrt
        17) / 2 and vonstengelforges2008/fig9 at lam = 2 sqrt 2). escalade
        steps over the point and keeps its direction of travel, so it
        answers at the target lambda, on the branch it was following.

        ``lam_target = inf`` follows the branch until every draw's
        reach-weighted regret is below ``stepping.regret_tol`` times its
        payoff range.
        """
        c = values.n_draws
        A = self.A
        x = np.empty((c, A + 1))
        x[:, :A] = self.z0
        x[:, A] = 0.0
        converged = np.zeros(c, dtype=bool)
        steps = np.zeros(c, dtype=np.int64)
        if lam_target == 0.0 or A == 0:
            converged[:] = True
            return self._finish(values, x[:, :A].copy(), x[:, A].copy(), converged, steps)
        limit = math.isinf(lam_target)
        spread = values.payoffs.max(axis=(1, 2)) - values.payoffs.min(axis=(1, 2))
        regret_bar = stepping.regret_tol * np.where(spread > 0, spread, 1.0)
        Q, R = self._qr(x, values)
        t = self._oriented_tangent(Q, R)
        omega = np.where(t[:, A] < 0, -1.0, 1.0)
        h = np.full(c, stepping.first_step)
        newton = np.zeros(c, dtype=bool)
        pert = np.zeros(c)
        parity = np.ones(c)
        status = np.zeros(c, dtype=np.int8)  # 0 running, 1 done, 2 failed
        active = np.arange(c)
        while active.size:
            sub = take_draws(values, active)
            u = x[active] + (h[active] * omega[active])[:, None] * t[active]
            Q, R = self._qr(u, sub)
            u, accept, decel = self._chord(u, Q, R, sub, pert[active])
            new_t = self._oriented_tangent(Q, R) * parity[active, None]
            flipped = (t[active] * new_t).sum(axis=1) < 0
            # A flip that persists while perturbed, down to tiny steps, is a singular
            # point the perturbation does not unfold (such as a double zero of det J,
            # where the sign of det is rounding noise): step over it, and keep the
            # direction of travel by flipping this draw's orientation convention.
            over = flipped & accept & (pert[active] != 0) & (h[active] < 1e-6)
            parity[active[over]] *= -1.0
            new_t[over] *= -1.0
            flipped &= ~over
            pert[active[flipped]] = PERTURBATION
            accept &= ~flipped
            # refused steps: shorter step from the same point
            ref = active[~accept]
            h[ref] /= stepping.max_decel
            # accepted steps
            acc = np.flatnonzero(accept)
            ids = active[acc]
            if ids.size:
                lam_x, lam_u = x[ids, A], u[acc, A]
                if limit:
                    crossing = np.zeros(ids.size, dtype=bool)
                else:
                    crossing = ~newton[ids] & ((lam_x - lam_target) * (lam_u - lam_target) < 0)
                newton[ids[crossing]] = True
                secant = newton[ids]
                cu, cx = lam_u - lam_target, lam_x - lam_target
                with np.errstate(divide="ignore", invalid="ignore"):
                    h_sec = -h[ids] * cu / (cu - cx)
                slower = np.minimum(decel[acc], stepping.max_decel)
                h[ids] = np.where(secant, h_sec, np.abs(h[ids] / slower))
                x[ids] = u[acc]
                t[ids] = new_t[acc]
                steps[ids] += 1
                if limit:
                    # Judge regret on the renormalised profile: once the first equation is
                    # shifted, the branch's probabilities sum to 1 - PERTURBATION, and that
                    # missing mass alone is a regret of PERTURBATION times a payoff, which
                    # can sit above regret_bar forever.
                    z_acc = self._normalised(u[acc, :A])
                    ev = self.evaluate(z_acc, lam_u, take_draws(sub, acc), jacobian=False)
                    regret = self.regret(ev, z_acc)
                    reached = (regret <= regret_bar[ids]) | (lam_u >= stepping.max_lam)
                    status[ids[reached]] = 1
                    converged[ids[reached]] = lam_u[reached] < stepping.max_lam
            # step length exhausted: done if landed on the target, failed otherwise
            tiny = np.abs(h[active]) <= 1e-8
            if tiny.any():
                ids = active[tiny]
                landed = newton[ids] & (np.abs(x[ids, A] - lam_target) < 1e-8)
                status[ids[landed]] = 1
                converged[ids[landed]] = True
                status[ids[~landed]] = 2
            status[active[(x[active, A] < 0) | (steps[active] >= stepping.max_steps)]] = 2
            active = active[status[active] == 0]
        z = x[:, :A].copy()
        lam = x[:, A].copy()
        if not limit:
            self._polish(values, z, lam, lam_target, converged, tol)
        return self._finish(values, z, lam, converged, steps)

    def _polish(
        self,
        values: GameValues,
        z: FloatArray,
        lam: FloatArray,
        lam_target: float,
        converged: NDArray[np.bool_],
        tol: float,
    ) -> None:
        """Newton's method at exactly ``lam_target`` from where the converged draws landed.

        Updates ``z``, ``lam`` and ``converged`` in place.
        """
        ok = np.flatnonzero(converged)
        if ok.size:
            z_fin, conv = self._newton_fixed(z[ok], lam_target, take_draws(values, ok), tol)
            z[ok] = z_fin
            lam[ok] = lam_target
            converged[ok] = conv

    # -------------------------------------------------------------- helpers
    def _qr(self, x: FloatArray, values: GameValues) -> tuple[FloatArray, FloatArray]:
        """QR decomposition of the transposed Jacobian [J | F_lam]^T at each point."""
        A = self.A
        ev = self.evaluate(x[:, :A], x[:, A], values)
        B = np.empty((x.shape[0], A + 1, A))
        B[:, :A, :] = ev["J"].transpose(0, 2, 1)
        B[:, A, :] = ev["Fl"]
        Q, R = np.linalg.qr(B, mode="complete")
        return Q, R

    def _oriented_tangent(self, Q: FloatArray, R: FloatArray) -> FloatArray:
        """The unit null vector of the Jacobian with det([J; t]) > 0.

        With B = Q R, det([B, t]) = det(Q) * prod(diag R) * (Q^T t)_last, and
        t = Q[:, -1] makes the last factor 1.
        """
        A = self.A
        t = Q[:, :, A].copy()
        sign_q, _ = np.linalg.slogdet(Q)
        diag = np.diagonal(R[:, :A, :], axis1=1, axis2=2)
        sign = sign_q * np.prod(np.sign(diag), axis=1)
        sign[sign == 0] = 1.0
        tangent: FloatArray = t * sign[:, None]
        return tangent

    def _chord(
        self, u: FloatArray, Q: FloatArray, R: FloatArray, values: GameValues, pert: FloatArray
    ) -> tuple[FloatArray, NDArray[np.bool_], FloatArray]:
        """Chord-Newton corrector with minimum-norm steps; returns (point, ok, decel)."""
        A = self.A
        c = u.shape[0]
        u = u.copy()
        accept = np.zeros(c, dtype=bool)
        decel = np.full(c, 1.0 / 1.1)
        disto = np.zeros(c)
        live = np.arange(c)
        Rt = np.swapaxes(R[:, :A, :], 1, 2)  # lower triangular (A, A)
        for it in range(1, 101):
            ev = self.evaluate(
                u[live, :A], u[live, A], take_draws(values, live), jacobian=False, shift=pert[live]
            )
            w = _forward_solve(Rt[live], ev["F"])
            step = np.einsum("cij,cj->ci", Q[live, :, :A], w)
            u[live] -= step
            dist = np.linalg.norm(step, axis=1)
            bad = ~np.isfinite(dist) | (dist >= 0.4)
            decel[live] = np.maximum(decel[live], np.sqrt(np.where(bad, 0.4, dist) / 0.4) * 1.1)
            if it >= 2:
                contr = dist / (disto[live] + 1e-4 * 0.1)
                bad |= contr > 0.6
                decel[live] = np.maximum(
                    decel[live], np.sqrt(np.where(bad, 0.6, contr) / 0.6) * 1.1
                )
            done = ~bad & (dist <= 1e-4)
            accept[live[done]] = True
            disto[live] = dist
            live = live[~bad & ~done]
            if not live.size:
                break
        return u, accept, decel

    def _newton_fixed(
        self, z: FloatArray, lam: float, values: GameValues, tol: float, max_iter: int = 30
    ) -> tuple[FloatArray, NDArray[np.bool_]]:
        """Newton's method on the equations at fixed ``lam``, per draw."""
        z = z.copy()
        c = z.shape[0]
        lam_arr = np.full(c, lam)
        conv = np.zeros(c, dtype=bool)
        live = np.arange(c)
        for _ in range(max_iter):
            ev = self.evaluate(z[live], lam_arr[live], take_draws(values, live))
            F = ev["F"]
            delta = _solve(ev["J"], -F)
            good = np.isfinite(delta).all(axis=1)
            z[live[good]] += delta[good]
            done = (np.abs(F).max(axis=1) < tol * 10) & (np.abs(delta).max(axis=1) < 1e-10)
            conv[live[done]] = True
            live = live[~done & good]
            if not live.size:
                break
        return z, conv

    def _finish(
        self,
        values: GameValues,
        z: FloatArray,
        lam: FloatArray,
        converged: NDArray[np.bool_],
        steps: IntArray,
    ) -> TraceResult:
        g = self.game
        z = self._normalised(z)
        ev = self.evaluate(z, lam, values, jacobian=False)
        residual = np.abs(ev["F"]).max(axis=1) if self.A else np.zeros(z.shape[0])
        reach = ev["reach"]
        beliefs = np.full((z.shape[0], g.n_nodes), np.nan)
        D = ev["D"]
        for h, nodes in enumerate(g.infoset_nodes):
            with np.errstate(invalid="ignore", divide="ignore"):
                beliefs[:, nodes] = (reach[nodes] / D[h]).T
        payoffs = ev["W"][:, 0, :].T.copy()
        return TraceResult(z, lam, converged, residual, steps, reach, beliefs, payoffs)


def _forward_solve(L: FloatArray, rhs: FloatArray) -> FloatArray:
    """Solve lower-triangular systems ``L w = rhs`` for every draw at once.

    Forward substitution, one row at a time over the whole batch: for the
    small systems of game trees this is several times faster than a general
    batched solve, which factorises each matrix again.
    """
    w = np.empty_like(rhs)
    for k in range(rhs.shape[1]):
        acc = rhs[:, k] - np.einsum("cj,cj->c", L[:, k, :k], w[:, :k])
        with np.errstate(divide="ignore", invalid="ignore"):
            w[:, k] = acc / L[:, k, k]
    return w


def _solve(K: FloatArray, rhs: FloatArray) -> FloatArray:
    """Batched linear solve; singular systems give NaN rows instead of failing the batch."""
    try:
        return np.asarray(np.linalg.solve(K, rhs[..., None])[..., 0])
    except np.linalg.LinAlgError:
        out = np.full(rhs.shape, np.nan)
        for i in range(K.shape[0]):
            with contextlib.suppress(np.linalg.LinAlgError):
                out[i] = np.linalg.solve(K[i], rhs[i])
        return out
