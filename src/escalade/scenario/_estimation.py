"""Scenario language: the optional ``estimation:`` section.

It says how the scenario meets data: which parameters are linear in which
data columns (one R-style right-hand side per parameter, ``s_wt_re1 +
revis1``, ``1`` for a constant, ``0`` for nothing, ``x - 1`` without the
constant), which column(s) record the outcome or the moves, the error
structure (agent or private information), the link (probit or logit) and
the scale of the errors. Parameters not listed keep their values: they are
the fixed utilities. The R model ``esc + war ~ s_wt_re1 + revis1 | 0 |
regime1 | balanc + regime2`` of Kenkel and Signorino's ``games`` reads::

    estimation:
      actions: {esc: escalate, war: fight}
      utilities:
        u1_sq: s_wt_re1 + revis1
        u1_war: regime1
        u2_war: balanc + regime2

where the scenario's outcomes pay ``u1_sq``, ``0`` and ``u1_war`` to the
first player. ``model: ultimatum`` is the ultimatum game with a continuous
offer instead (Ramsay and Signorino's model, as ``games::ultimatum``).

This module holds what the section says; :mod:`._load_estimation` reads
and checks it, and :mod:`escalade.estimation` fits it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from escalade.scenario._params import Location

__all__ = [
    "ERRORS",
    "LINKS",
    "MODELS",
    "EstimationSpec",
    "LinearFormula",
    "ScaleSpec",
    "parse_linear_formula",
]

#: Error structures: agent error (a fresh shock at every move) or private information
#: (each player's shocks on the outcomes, known to that player only).
ERRORS = ("agent", "private")
#: Distribution of the shocks' differences.
LINKS = ("probit", "logit")
#: Models: a game tree of the scenario, or the ultimatum game with a continuous offer.
MODELS = ("tree", "ultimatum")

_TERM = re.compile(r"[A-Za-z_.][A-Za-z0-9_.]*")


@dataclass(frozen=True)
class LinearFormula:
    """The right-hand side of a linear equation in data columns, as R writes it.

    ``columns`` are the data columns in the order written; ``intercept``
    whether a constant is estimated. ``0`` is the empty formula (the value
    is fixed at zero).

    Examples
    --------
    >>> f = parse_linear_formula("s_wt_re1 + revis1")
    >>> f.columns, f.intercept
    (('s_wt_re1', 'revis1'), True)
    >>> parse_linear_formula("x - 1").intercept
    False
    >>> parse_linear_formula("0").is_zero
    True
    """

    columns: tuple[str, ...]
    intercept: bool
    text: str
    loc: Location | None = None

    @property
    def is_zero(self) -> bool:
        """True when nothing is estimated (the formula ``0``)."""
        return not self.columns and not self.intercept


@dataclass(frozen=True)
class ScaleSpec:
    """The scale of one player's shocks (or everyone's): fixed, or ``log(scale)`` linear.

    ``formula`` is ``None`` for a fixed scale ``value``; otherwise the
    logarithm of the scale is linear in the formula's columns (``1`` for a
    single estimated scale).

    Examples
    --------
    >>> ScaleSpec(2.0).estimated, ScaleSpec(formula=parse_linear_formula("1")).estimated
    (False, True)
    """

    value: float = 1.0
    formula: LinearFormula | None = None
    loc: Location | None = None

    @property
    def estimated(self) -> bool:
        """True when the scale is estimated."""
        return self.formula is not None


@dataclass(frozen=True)
class EstimationSpec:
    """The ``estimation:`` section of a scenario, checked.

    Attributes
    ----------
    model : {"tree", "ultimatum"}
    data : str or None
        Default data file, relative to the scenario file.
    outcome : str or None
        Column recording the outcome (tree model).
    outcome_values : tuple of (str, str)
        Data value to outcome name, when the column's values are not the
        outcome names (or their 1-based numbers in ``outcomes:`` order).
    actions : tuple of (str, str)
        Column to action name: the column is 1 when the action was taken
        and 0 when the other action of its (two-action) node was.
    utilities : tuple of (str, LinearFormula)
        Parameter name to its equation, in file order.
    error : {"agent", "private"}
    link : {"probit", "logit"}
    scale : tuple of (str, ScaleSpec)
        ``(("", spec),)`` for one scale shared by all players, else one per
        player named.
    factors : tuple of str
        Numeric columns to treat as categories.
    offer, accept : str or None
        Ultimatum model: the offer's column and the acceptance column.
    min_offer, max_offer : float
        Ultimatum model: the range of possible offers.
    reservation : tuple of (str, str)
        Ultimatum model: player to the parameter holding that player's
        reservation value (proposer first).

    Examples
    --------
    >>> from escalade.scenario import load_scenario
    >>> spec = load_scenario("leblang2003").estimation
    >>> spec.error, spec.outcome, spec.columns()[:2]
    ('private', 'outcome', ('outcome', 'capcont'))
    """

    model: str = "tree"
    data: str | None = None
    outcome: str | None = None
    outcome_values: tuple[tuple[str, str], ...] = ()
    actions: tuple[tuple[str, str], ...] = ()
    utilities: tuple[tuple[str, LinearFormula], ...] = ()
    error: str = "agent"
    link: str = "probit"
    scale: tuple[tuple[str, ScaleSpec], ...] = (("", ScaleSpec()),)
    factors: tuple[str, ...] = ()
    offer: str | None = None
    accept: str | None = None
    min_offer: float = 0.0
    max_offer: float = 0.0
    reservation: tuple[tuple[str, str], ...] = ()
    loc: Location | None = None
    #: Where each utility's parameter name is written, for errors found later.
    name_locs: tuple[tuple[str, Location], ...] = ()

    @property
    def by_player(self) -> bool:
        """True when each player has a scale of their own."""
        return not (len(self.scale) == 1 and self.scale[0][0] == "")

    def columns(self) -> tuple[str, ...]:
        """Every data column the model reads, in a stable order (for dropping missing rows)."""
        cols: list[str] = []
        if self.model == "ultimatum":
            cols += [c for c in (self.offer, self.accept) if c]
        elif self.outcome is not None:
            cols.append(self.outcome)
        else:
            cols += [c for c, _ in self.actions]
        for _, f in self.utilities:
            cols += f.columns
        for _, s in self.scale:
            if s.formula is not None:
                cols += s.formula.columns
        return tuple(dict.fromkeys(cols))


def parse_linear_formula(text: str | int, loc: Location | None = None) -> LinearFormula:
    """Read an R-style right-hand side: ``x1 + x2``, ``1``, ``0``, ``x - 1``, ``0 + x``.

    Raises
    ------
    ScenarioError
        For anything else, at ``loc``.

    Examples
    --------
    >>> parse_linear_formula("capcont + lreserves - 1").columns
    ('capcont', 'lreserves')
    >>> parse_linear_formula(1).intercept
    True
    """
    raw = str(text).strip()

    def fail(message: str) -> Exception:
        from escalade.errors import ScenarioError

        full = f"{message} in the formula {raw!r}"
        return loc.error(full) if loc is not None else ScenarioError(full)

    _check_characters(raw, fail)
    tokens = re.findall(r"[+-]|[^+\-\s]+", raw)
    intercept = True
    columns: list[str] = []
    sign, expect_term = "+", True
    for i, tok in enumerate(tokens):
        if tok in ("+", "-"):
            if expect_term and not (i == 0 and tok == "-"):
                raise fail(f"expected a term, found {tok!r}")
            sign, expect_term = tok, True
            continue
        if not expect_term:
            raise fail(f"expected '+' or '-' before {tok!r}")
        expect_term = False
        if tok in ("0", "1"):
            # R: "1" (or "+ 1") keeps the constant, "0" or "- 1" drops it
            intercept = (tok == "1") == (sign == "+")
        elif not _TERM.fullmatch(tok):
            raise fail(f"expected a column name, '1' or '0', found {tok!r}")
        elif sign == "-":
            raise fail(f"'- {tok}': only the constant can be removed ('- 1')")
        elif tok not in columns:
            columns.append(tok)
    if expect_term:
        raise fail(f"expected a term after the final {sign!r}")
    # "0" alone means: nothing (the value is fixed at zero)
    if tokens == ["0"]:
        intercept = False
    return LinearFormula(tuple(columns), intercept, raw, loc)


def _check_characters(raw: str, fail: Callable[[str], Exception]) -> None:
    """Refuse an empty formula, and R's operators that are not a sum of columns."""
    if not raw:
        raise fail("expected terms such as 'x1 + x2', '1' or '0', found nothing")
    odd = next((c for c in raw if c in ":*^/()|~"), None)
    if odd is not None:
        raise fail(
            f"{odd!r}: interactions and functions of columns are not supported; add a "
            "column holding the product or the transformed value"
        )
