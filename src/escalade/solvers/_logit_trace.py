"""Logit agent QRE of games with information sets, by tracing the principal branch.

The equations (:mod:`._logit_equations`) have uniform play as their
solution at ``lam = 0``; the principal branch is the curve of solutions
that starts there (McKelvey and Palfrey 1998). It is followed by
pseudo-arclength continuation in ``(z, lam)``, a predictor along the
tangent and a Newton corrector, so turning points in ``lam`` are passed
the way Gambit passes them (Turocy 2005): the answer at a given ``lam``
is the first point of the branch that reaches it, polished by Newton's
method at that exact ``lam``.

Everything is batched over draws: each draw has its own position on its
own branch and its own step size, and each draw's residual decides
whether it converged.

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

from escalade.errors import ParameterError, SolveError
from escalade.game import Game, GameValues
from escalade.solvers._logit_equations import QreEquations, take_values

__all__ = ["LAM_CAP", "LIMIT_FLOOR", "MAX_TRACED_ACTIONS", "PERTURBATION", "TraceResult", "Tracer"]

#: Shift of the first equation used to step past a bifurcation (Gambit uses 1e-7).
PERTURBATION = 1e-7
#: lam times the payoff range below which the limit (lam = inf) never stops: the
#: branch is followed at least this far, past the bifurcations of symmetric games.
LIMIT_FLOOR = 1e3
#: Largest lam times the payoff range traced, for a finite lam and for the limit.
LAM_CAP = 1e12
#: Most actions of a game whose QRE is traced: each step factorises a dense
#: (n_actions + 1)^2 matrix per draw, a cost that grows with the cube of the actions.
MAX_TRACED_ACTIONS = 400

_EPS = float(np.finfo(np.float64).eps)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


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
    """Follows the principal branch of the QRE equations of ``game`` (as
    :class:`QreEquations`, whose Jacobians it uses).

    Raises
    ------
    SolveError
        For a game with more than :data:`MAX_TRACED_ACTIONS` actions.
    """

    def __init__(self, game: Game, fixed: np.ndarray | None = None) -> None:
        if game.n_actions > MAX_TRACED_ACTIONS:
            raise SolveError(
                f"{game.name}: the logit QRE of a game with information sets is traced with "
                f"dense (n_actions + 1)^2 matrices, factorised at every step; expected at most "
                f"{MAX_TRACED_ACTIONS} actions, found {game.n_actions:,} (about "
                f"{2 * game.n_actions**3:.1e} operations and "
                f"{8 * 6 * (game.n_actions + 1) ** 2 / 1e6:,.0f} MB per step and draw)"
            )
        super().__init__(game, fixed)
        # Gambit's first equation: the sum-to-one of the first player's first infoset.
        # Gambit orders a player's information sets as it walks the tree depth first.
        self.pert_row = int(game.infoset_actions[_first_infoset_depth_first(game)]) if self.H else 0

    # --------------------------------------------------------------- tracing
    def trace(
        self,
        values: GameValues,
        lam_target: float,
        *,
        tol: float = 1e-12,
        first_step: float = 0.03,
        max_decel: float = 1.1,
        max_steps: int = 100_000,
        regret_tol: float = 1e-8,
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

        ``lam_target = inf`` follows the same branch, at least until lam
        times the draw's payoff range reaches :data:`LIMIT_FLOOR`, and then
        until its reach-weighted regret is below ``regret_tol`` times its
        payoff range: the end of the branch that finite lambdas follow, not
        merely the first equilibrium it passes by (uniform play is one in
        some symmetric games, and the branch leaves it at a bifurcation). A
        draw whose lam times payoff range passes :data:`LAM_CAP` first is
        not converged. A finite ``lam_target`` beyond that cap is refused.

        Raises
        ------
        ParameterError
            For a finite ``lam_target`` whose product with a draw's payoff
            range passes :data:`LAM_CAP`.
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
        scale = np.where(spread > 0, spread, 1.0)
        if not limit:
            _check_traceable(lam_target, scale)
        regret_bar = regret_tol * scale
        Q, R = self._qr(x, values)
        t = self._oriented_tangent(Q, R)
        omega = np.where(t[:, A] < 0, -1.0, 1.0)
        h = np.full(c, first_step)
        newton = np.zeros(c, dtype=bool)
        pert = np.zeros(c)
        parity = np.ones(c)
        status = np.zeros(c, dtype=np.int8)  # 0 running, 1 done, 2 failed
        active = np.arange(c)
        while active.size:
            sub = take_values(values, active)
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
            h[ref] /= max_decel
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
                h[ids] = np.where(secant, h_sec, np.abs(h[ids] / np.minimum(decel[acc], max_decel)))
                x[ids] = u[acc]
                t[ids] = new_t[acc]
                steps[ids] += 1
                if limit:
                    reached, capped = self._at_limit(
                        u[acc], take_values(sub, acc), regret_bar[ids], scale[ids]
                    )
                    status[ids[reached]] = 1
                    converged[ids[reached]] = ~capped[reached]
            # step length exhausted (or lost to overflow): done if landed on the target,
            # failed otherwise
            tiny = ~(np.abs(h[active]) > 1e-8)
            if tiny.any():
                ids = active[tiny]
                near = np.abs(x[ids, A] - lam_target) < 1e-8 * max(1.0, lam_target)
                landed = newton[ids] & near
                status[ids[landed]] = 1
                converged[ids[landed]] = True
                status[ids[~landed]] = 2
            lost = ~np.isfinite(x[active]).all(axis=1) | (x[active, A] < 0)
            status[active[lost | (steps[active] >= max_steps)]] = 2
            active = active[status[active] == 0]
        z = x[:, :A].copy()
        lam = x[:, A].copy()
        if not limit:
            self._polish(values, z, lam, lam_target, converged, tol)
        return self._finish(values, z, lam, converged, steps)

    def _at_limit(
        self, u: FloatArray, values: GameValues, regret_bar: FloatArray, scale: FloatArray
    ) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        """Which points ``u`` of the branch count as its limit, and which only hit the cap.

        A point counts once its regret is negligible at a lambda large enough, or
        once lambda reaches the cap (then it has not converged).
        """
        lam_u = u[:, self.A]
        # Judge regret on the renormalised profile: once the first equation is
        # shifted, the branch's probabilities sum to 1 - PERTURBATION, and that
        # missing mass alone is a regret of PERTURBATION times a payoff, which
        # can sit above regret_bar forever.
        z = self.normalised(u[:, : self.A])
        ev = self.evaluate(z, lam_u, values, jacobian=False)
        weighted, given = self.regret(ev, z)
        small = (weighted <= regret_bar) & (given <= 10 * regret_bar)
        capped = lam_u * scale >= LAM_CAP
        return (small & (lam_u * scale >= LIMIT_FLOOR)) | capped, capped

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
            z_fin, conv = self._newton_fixed(z[ok], lam_target, take_values(values, ok), tol)
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
                u[live, :A], u[live, A], take_values(values, live), jacobian=False, shift=pert[live]
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
        """Newton's method on the equations at fixed ``lam``, per draw.

        A draw has converged when its residual is below ``10 tol`` and its last
        step below 1e-10. At a large ``lam`` that can be out of reach: ``lam``
        multiplies the rounding errors of the action values, and beliefs at
        information sets reached with tiny probabilities are ratios of
        log-probabilities as large as ``z``; a draw whose residual, after the
        last iteration, is within ``8 eps (|z| + lam |v| (1 + |z|))`` of zero
        (maximum norms) has converged too.
        """
        z = z.copy()
        c = z.shape[0]
        lam_arr = np.full(c, lam)
        conv = np.zeros(c, dtype=bool)
        noisy = np.zeros(c, dtype=bool)
        live = np.arange(c)
        for _ in range(max_iter):
            ev = self.evaluate(z[live], lam_arr[live], take_values(values, live))
            F = ev["F"]
            delta = _solve(ev["J"], -F)
            good = np.isfinite(delta).all(axis=1)
            z[live[good]] += delta[good]
            residual = np.abs(F).max(axis=1)
            done = (residual < tol * 10) & (np.abs(delta).max(axis=1) < 1e-10)
            conv[live[done]] = True
            size_z = np.abs(z[live]).max(axis=1, initial=0.0)
            size_v = lam * np.abs(ev["v"]).max(axis=1, initial=0.0)
            noisy[live] = residual <= 8 * _EPS * (size_z + size_v * (1.0 + size_z))
            live = live[~done & good]
            if not live.size:
                break
        return z, conv | noisy

    def _finish(
        self,
        values: GameValues,
        z: FloatArray,
        lam: FloatArray,
        converged: NDArray[np.bool_],
        steps: IntArray,
    ) -> TraceResult:
        z = self.normalised(z)
        ev = self.evaluate(z, lam, values, jacobian=False)
        residual = np.abs(ev["F"]).max(axis=1) if self.A else np.zeros(z.shape[0])
        payoffs = ev["W"][:, 0, :].T.copy()
        return TraceResult(
            z, lam, converged, residual, steps, ev["reach"], self.beliefs(ev), payoffs
        )


def _check_traceable(lam: float, scale: FloatArray) -> None:
    """Refuse a finite lambda too large to trace (see :data:`LAM_CAP`)."""
    spread = float(scale.max()) if scale.size else 0.0
    with np.errstate(over="ignore"):
        product = lam * spread
    if product > LAM_CAP:
        raise ParameterError(
            f"lam = {lam:g} is too large for a payoff range of {spread:g}: their product "
            f"({product:.3g}) is above {LAM_CAP:g}, beyond which the logit QRE of a game "
            "with information sets is not traced; use lam=inf for its limit",
            arguments=("lam",),
        )


def _first_infoset_depth_first(g: Game) -> int:
    """The first information set, in a depth-first walk, of the first player who moves."""
    first_player = int(g.infoset_player.min())
    first, count = g.first_child, g.n_children
    stack = [0]
    while stack:
        i = stack.pop()
        if g.infoset[i] >= 0 and g.player[i] == first_player:
            return int(g.infoset[i])
        if count[i]:
            stack.extend(range(int(first[i] + count[i]) - 1, int(first[i]) - 1, -1))
    raise AssertionError("a player with information sets moves somewhere")  # pragma: no cover


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
