"""Likelihood of the ultimatum game with a continuous offer and private reservation values.

The proposer offers ``y`` in ``[min_offer, max_offer]``; the responder
accepts when ``y`` beats its reservation value ``R2 + e2``, so an offer is
accepted with probability ``F2(y) = Lambda((y - R2) / s2)``. The proposer
keeps ``max_offer - y`` if the offer is accepted and gets its own
reservation value ``R1 + e1`` if not, and chooses the offer that
maximises its expected payoff. With logistic shocks the optimal offer's
distribution function has a closed form,
``F(y) = Lambda(W(y))`` with
``W(y) = (y + R1 + s2 (1 + exp((y - R2) / s2)) - max_offer) / s1``;
offers at the bounds are atoms of probability ``F(min_offer)`` and
``1 - F(max_offer)``. ``R1`` and ``R2`` are linear in data; ``s1`` and
``s2`` are estimated or fixed. This is the model of Ramsay and Signorino
(2009) as the R package ``games`` fits it (``ultimatum``).

References
----------
Ramsay, K. W., and Signorino, C. S. (2009). A statistical model of the
ultimatum game. Working paper, Princeton University and University of
Rochester.
Kenkel, B., and Signorino, C. S. (2014). Estimating extensive form games
in R. Journal of Statistical Software 56(8).
"""

from __future__ import annotations

from typing import Self

import numpy as np
from numpy.typing import NDArray

from escalade.estimation._dual import Dual, constant, variable
from escalade.estimation._model import Equation, PredictorModel
from escalade.estimation._tree import Scale

__all__ = ["OFFER_TOL", "UltimatumModel"]

FloatArray = NDArray[np.float64]

#: Offers this close to a bound are taken to be at the bound (as ``games`` does).
OFFER_TOL = float(np.sqrt(np.finfo(np.float64).eps))


class UltimatumModel(PredictorModel):
    """Log-likelihood of observed offers (and acceptances) of the ultimatum game.

    Parameters
    ----------
    equations : tuple of Equation
        Reservation-value equations, then log-scale constants.
    offers : ndarray of shape (n_obs,)
    accept : ndarray of shape (n_obs,) or None
        1 accepted, 0 rejected; ``None`` when only offers are observed.
    min_offer, max_offer : float
    scales : tuple of Scale
        Proposer's and responder's.
    reservation_values : tuple of float
        Fixed values of the two reservation values (NaN where estimated).
    params : tuple of str
        Estimated reservation parameters, in equation order.
    reservation_params : tuple of str
        The proposer's and the responder's reservation parameters.
    """

    def __init__(  # noqa: PLR0913 - one argument per part of the model, see Parameters
        self,
        equations: tuple[Equation, ...],
        offers: FloatArray,
        accept: FloatArray | None,
        min_offer: float,
        max_offer: float,
        scales: tuple[Scale, ...],
        reservation_values: tuple[float, ...],
        params: tuple[str, ...],
        reservation_params: tuple[str, ...],
    ) -> None:
        super().__init__(equations)
        self.offers = offers
        self.accept = accept
        self.min_offer = min_offer
        self.max_offer = max_offer
        self.scales = scales
        self.reservation_values = reservation_values
        self.params = params
        self.reservation_params = reservation_params
        self.is_min = np.abs(offers - min_offer) < OFFER_TOL
        self.is_max = np.abs(offers - max_offer) < OFFER_TOL
        # offers at a bound are evaluated exactly at it
        self.y = np.where(self.is_min, min_offer, np.where(self.is_max, max_offer, offers))

    def _take_row_arrays(self, view: Self, rows: NDArray[np.int64]) -> None:
        for name in ("offers", "is_min", "is_max", "y"):
            setattr(view, name, getattr(self, name)[rows])
        view.accept = None if self.accept is None else self.accept[rows]

    def _parts(self, eta: FloatArray, order: int) -> tuple[Dual, Dual, Dual | float, Dual | float]:
        lead = eta.shape[1:]

        def pred(j: int) -> Dual:
            return variable(eta[j], j, order)

        res: list[Dual] = []
        for name, fixed in zip(self.reservation_params, self.reservation_values, strict=True):
            if name in self.params:
                res.append(pred(self.params.index(name)))
            else:
                res.append(constant(fixed, lead, order))
        s1, s2 = (s.at(eta, order) for s in self.scales)
        return res[0], res[1], s1, s2

    def _latent(self, eta: FloatArray, order: int) -> tuple[Dual, Dual, Dual, Dual | float]:
        """The responder's standardized surplus ``u``, the log-CDF and log-survival of the
        offers, and the proposer's scale."""
        r1, r2, s1, s2 = self._parts(eta, order)
        u: Dual = (self.y - r2) / s2
        w = (u.exp() * s2 + s2 + r1 + self.y - self.max_offer) / s1
        return u, w.log_logistic(), (-w).log_logistic(), s1

    def loglik_dual(self, eta: FloatArray, order: int) -> Dual:
        u, log_cdf, log_sf, s1 = self._latent(eta, order)
        # log(1 + exp(u)) = -log Lambda(-u)
        log_dens = log_cdf + log_sf - (-u).log_logistic()
        log_dens = log_dens - (s1.log() if isinstance(s1, Dual) else float(np.log(s1)))
        interior = (~self.is_min & ~self.is_max).astype(np.float64)
        total: Dual = log_dens * interior + log_cdf * self.is_min.astype(np.float64)
        total = total + log_sf * self.is_max.astype(np.float64)
        if self.floor is not None:
            total = total.floor(self.floor)
        if self.accept is not None:
            sign = 2.0 * self.accept - 1.0
            accepted = (u * sign).log_logistic()
            if self.floor is not None:
                accepted = accepted.floor(self.floor)
            total = total + accepted
        return total

    def offer_loglik(self, theta: FloatArray) -> tuple[FloatArray, FloatArray | None]:
        """Each row's log-likelihood of its offer and of its acceptance (or ``None``)."""
        u, cdf_dual, sf_dual, s1 = self._latent(self.predictors(theta), 0)
        log_cdf, log_sf = cdf_dual.v[0], sf_dual.v[0]
        s1v = s1.v[0] if isinstance(s1, Dual) else s1
        dens = log_cdf + log_sf + np.logaddexp(0.0, u.v[0]) - np.log(s1v)
        offer = np.where(self.is_min, log_cdf, np.where(self.is_max, log_sf, dens))
        low = -np.inf if self.floor is None else self.floor
        offer = np.maximum(offer, low)
        if self.accept is None:
            return offer, None
        la = u.log_logistic().v[0]
        lr = (-u).log_logistic().v[0]
        return offer, np.maximum(np.where(self.accept == 1, la, lr), low)

    def predict(self, theta: FloatArray, n_points: int = 200) -> tuple[FloatArray, FloatArray]:
        """Expected offer and probability of acceptance per row, by Gauss–Legendre quadrature.

        ``E[y] = min + integral of (1 - F(y))`` over the offers, and
        ``P(accept) = E[Lambda((y - R2) / s2)]`` including the atoms at the bounds.
        """
        eta = self.predictors(theta)
        r1, r2, s1, s2 = self._parts(eta, 0)
        r1v, r2v = r1.v[0], r2.v[0]
        s1v = s1.v[0] if isinstance(s1, Dual) else np.full(self.n_obs, s1)
        s2v = s2.v[0] if isinstance(s2, Dual) else np.full(self.n_obs, s2)
        lo, hi = self.min_offer, self.max_offer
        x, wq = np.polynomial.legendre.leggauss(n_points)
        ys = lo + (x + 1.0) * (hi - lo) / 2.0
        wq = wq * (hi - lo) / 2.0

        def cdf(y: FloatArray) -> FloatArray:
            u = (y - r2v[:, None]) / s2v[:, None]
            w = (s2v[:, None] * (1.0 + np.exp(u)) + r1v[:, None] + y - hi) / s1v[:, None]
            p: FloatArray = 1.0 / (1.0 + np.exp(-w))
            return p

        def accept(y: FloatArray) -> FloatArray:
            p: FloatArray = 1.0 / (1.0 + np.exp(-(y - r2v[:, None]) / s2v[:, None]))
            return p

        grid = np.broadcast_to(ys, (self.n_obs, n_points))
        f_grid = cdf(grid)
        expected = lo + ((1.0 - f_grid) * wq).sum(axis=1)
        at_lo = cdf(np.full((self.n_obs, 1), lo))[:, 0]
        at_hi = cdf(np.full((self.n_obs, 1), hi))[:, 0]
        # density of interior offers: derivative of F
        u = (grid - r2v[:, None]) / s2v[:, None]
        dens = f_grid * (1.0 - f_grid) * (1.0 + np.exp(u)) / s1v[:, None]
        p_accept = (
            at_lo * accept(np.full((self.n_obs, 1), lo))[:, 0]
            + (dens * accept(grid) * wq).sum(axis=1)
            + (1.0 - at_hi) * accept(np.full((self.n_obs, 1), hi))[:, 0]
        )
        return expected, p_accept
