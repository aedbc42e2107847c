"""Parameters, their draws, and located formulas.

A :class:`ParameterSpace` holds a scenario's parameters in file order:
each has a nominal value and, when uncertain, a distribution. It turns
points of the unit cube into :class:`Draws` (one array of shape
``(n_draws,)`` per parameter), which is what every computation takes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escalade.errors import ExpressionError, ParameterError, ScenarioError
from escalade.expr import Categorical, Expression
from escalade.scenario._distributions import Distribution
from escalade.scenario._seeds import Seed, as_generator

__all__ = [
    "Draws",
    "Formula",
    "Location",
    "Parameter",
    "ParameterSpace",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Location:
    """Where something was written: file and 1-based line and column."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def error(self, message: str) -> ScenarioError:
        """A :class:`ScenarioError` at this location."""
        return ScenarioError(message, file=self.file, line=self.line, col=self.col)


@dataclass(frozen=True)
class Formula:
    """An expression with the place it was written and what it stands for.

    Evaluation errors (NaN, infinity) become :class:`ScenarioError` at the
    expression's ``file:line:col``, naming the expression and the draw.

    Examples
    --------
    >>> from escalade.expr import compile_expression
    >>> f = Formula(compile_expression("1 / x"), Location("a.yaml", 3, 9), "payoff of A")
    >>> f.evaluate({"x": np.array([0.0])}, n_draws=1)
    Traceback (most recent call last):
    ...
    escalade.errors.ScenarioError: a.yaml:3:9: payoff of A: '1 / x' gives an infinite value \
in draw 0 where x=0 (1 of 1 draws affected)
    """

    expr: Expression
    loc: Location | None = None
    what: str = ""
    # column offset of the expression's text inside the file's scalar
    offset: int = 0

    @property
    def text(self) -> str:
        """The expression as written."""
        return self.expr.text

    def evaluate(self, env: Mapping[str, Any], *, n_draws: int) -> FloatArray:
        """Evaluate over a batch; see :meth:`Expression.evaluate`."""
        try:
            return self.expr.evaluate(env, n_draws=n_draws)
        except ExpressionError as exc:
            prefix = f"{self.what}: " if self.what else ""
            message = f"{prefix}{exc.expression!r} {exc.message}"
            if self.loc is None:
                raise ScenarioError(message) from None
            raise self.loc.error(message) from None


@dataclass(frozen=True)
class Parameter:
    """One parameter: nominal value, optional distribution, provenance.

    Attributes
    ----------
    name : str
    nominal : float
        The nominal value (a category's code for categorical parameters).
    dist : Distribution or None
        ``None`` for a fixed parameter.
    choices : tuple of str or None
        Categories, for categorical parameters.
    claims : tuple of str
        Claim ids this parameter encodes.
    note : str
        One-line justification of the value and range.
    """

    name: str
    nominal: float
    dist: Distribution | None = None
    choices: tuple[str, ...] | None = None
    claims: tuple[str, ...] = ()
    note: str = ""
    label: str = ""
    loc: Location | None = None

    @property
    def kind(self) -> str | Categorical:
        """``"number"`` or a :class:`~escalade.expr.Categorical`."""
        return Categorical(self.choices) if self.choices is not None else "number"

    @property
    def uncertain(self) -> bool:
        """Whether the parameter has a distribution to sample."""
        return self.dist is not None

    def format_value(self, value: float) -> str:
        """A value as a user would write it (category name or number)."""
        if self.choices is not None:
            return self.choices[int(value)]
        return f"{value:g}"

    def parse_value(self, text: str | float) -> float:
        """A user-given value (``--set``) as the parameter's internal number.

        Examples
        --------
        >>> Parameter("p", 0.5).parse_value("0.7")
        0.7
        """
        if self.choices is not None:
            if str(text) not in self.choices:
                raise ParameterError(
                    f"{self.name} is categorical; expected one of {list(self.choices)}, "
                    f"found {text!r}"
                )
            return float(self.choices.index(str(text)))
        try:
            value = float(text)
        except (TypeError, ValueError):
            raise ParameterError(f"{self.name} expects a number, found {text!r}") from None
        if not np.isfinite(value):
            raise ParameterError(f"{self.name} must be finite, found {text!r}")
        return value


@dataclass(frozen=True)
class ParameterSpace:
    """A scenario's parameters in file order, and how to draw them.

    Examples
    --------
    >>> from escalade.scenario import Uniform
    >>> space = ParameterSpace((Parameter("p", 0.5, Uniform(0.0, 1.0)), Parameter("c", 2.0)))
    >>> space.uncertain_names
    ('p',)
    >>> d = space.sample(4, seed=0)
    >>> d.n_draws, float(d["c"][0])
    (4, 2.0)
    """

    params: tuple[Parameter, ...] = ()
    _by_name: dict[str, Parameter] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({p.name: p for p in self.params})

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self.params)

    def __len__(self) -> int:
        return len(self.params)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> Parameter:
        try:
            return self._by_name[name]
        except KeyError:
            raise ParameterError(self._unknown(name)) from None

    def _unknown(self, name: str) -> str:
        import difflib

        known = list(self._by_name)
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        listing = ", ".join(known) if known else "none"
        return f"unknown parameter {name!r}{hint}; parameters: {listing}"

    @property
    def names(self) -> tuple[str, ...]:
        """All parameter names, in file order."""
        return tuple(p.name for p in self.params)

    @property
    def uncertain_names(self) -> tuple[str, ...]:
        """Names of the parameters that have a distribution."""
        return tuple(p.name for p in self.params if p.uncertain)

    @property
    def kinds(self) -> dict[str, str | Categorical]:
        """Name to kind, for compiling expressions."""
        return {p.name: p.kind for p in self.params}

    def fixed(self, values: Mapping[str, str | float]) -> ParameterSpace:
        """A copy with some parameters fixed at given values (``--set``).

        Examples
        --------
        >>> space = ParameterSpace((Parameter("p", 0.5),))
        >>> space.fixed({"p": "0.9"})["p"].nominal
        0.9
        """
        params = []
        for name in values:
            if name not in self._by_name:
                raise ParameterError(self._unknown(name))
        for p in self.params:
            if p.name in values:
                p = replace(p, nominal=p.parse_value(values[p.name]), dist=None)
            params.append(p)
        return ParameterSpace(tuple(params))

    def nominal(self, n_draws: int = 1) -> Draws:
        """Every parameter at its nominal value, repeated ``n_draws`` times."""
        return Draws(
            {p.name: np.full(n_draws, p.nominal, dtype=np.float64) for p in self.params},
            n_draws,
            self,
        )

    def from_unit(self, u: FloatArray) -> Draws:
        """Draws from points of the unit cube, one column per uncertain parameter.

        Parameters
        ----------
        u : ndarray of shape (n_draws, n_uncertain)
            Cumulative probabilities, in the order of :attr:`uncertain_names`.
        """
        u = np.asarray(u, dtype=np.float64)
        uncertain = [p for p in self.params if p.dist is not None]
        if u.ndim != 2 or u.shape[1] != len(uncertain):
            raise ParameterError(
                f"expected unit-cube points of shape (n_draws, {len(uncertain)}), found {u.shape}"
            )
        n = u.shape[0]
        values = {p.name: np.full(n, p.nominal, dtype=np.float64) for p in self.params}
        # Keep away from 0 and 1, where unbounded inverse CDFs are infinite.
        tiny = np.finfo(np.float64).eps
        for j, p in enumerate(uncertain):
            dist = p.dist
            if dist is None:  # pragma: no cover - filtered above
                continue
            values[p.name] = np.asarray(dist.ppf(np.clip(u[:, j], tiny, 1 - tiny)))
        return Draws(values, n, self)

    def sample(self, n_draws: int, seed: Seed = None) -> Draws:
        """Monte Carlo draws from the parameters' distributions.

        Parameters
        ----------
        n_draws : int
            Number of draws.
        seed : int, Generator or None
            Same seed, same draws.
        """
        if n_draws < 1:
            raise ParameterError(f"the number of draws must be at least 1, found {n_draws}")
        rng = as_generator(seed)
        u = rng.random((n_draws, len(self.uncertain_names)))
        return self.from_unit(u)


#: Length of the views that repeat one draw's values (stride 0: they take no memory).
_REPEAT = 2**40


class Draws(Mapping[str, FloatArray]):
    """Values of every parameter for a batch of draws.

    A mapping from parameter name to an array of shape ``(n_draws,)``;
    categorical parameters hold their category codes.

    Examples
    --------
    >>> space = ParameterSpace((Parameter("p", 0.25),))
    >>> d = space.nominal(3)
    >>> d["p"].tolist(), len(d.take(slice(0, 2))["p"])
    ([0.25, 0.25, 0.25], 2)
    """

    def __init__(self, values: Mapping[str, FloatArray], n_draws: int, space: ParameterSpace):
        self._values = dict(values)
        self.n_draws = int(n_draws)
        self.space = space
        # when every row is the same draw: its values repeated (read-only views, no copies)
        self._repeated: dict[str, FloatArray] | None = None

    def _one_row(self, index: slice | NDArray[Any]) -> int | None:
        """The one row ``index`` picks again and again (taking it more than once), or
        any row when every row is the same draw; None otherwise."""
        if self._repeated is not None:
            return 0
        if not isinstance(index, np.ndarray) or index.ndim != 1 or index.size < 2:
            return None
        if index.dtype.kind not in "iu" or not (index == index[0]).all():
            return None
        return int(index[0])

    def __getitem__(self, name: str) -> FloatArray:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def take(self, index: slice | NDArray[Any]) -> Draws:
        """The draws at ``index`` (a slice or an integer array).

        Draws that all repeat one row (the states of one world) share its
        values as read-only broadcast views instead of copying them.

        Examples
        --------
        >>> space = ParameterSpace((Parameter("p", 0.25),))
        >>> d = space.nominal(3).take(np.array([1, 1, 1, 1]))
        >>> d.n_draws, d["p"].tolist(), d["p"].flags.writeable
        (4, [0.25, 0.25, 0.25, 0.25], False)
        """
        row = self._one_row(index)
        if row is not None:
            n = len(np.arange(self.n_draws)[index])
            if self._repeated is None:
                repeated = {k: np.broadcast_to(v[row], (_REPEAT,)) for k, v in self._values.items()}
            else:
                repeated = self._repeated
            taken = Draws({k: v[:n] for k, v in repeated.items()}, n, self.space)
            taken._repeated = repeated
            return taken
        values = {k: v[index] for k, v in self._values.items()}
        n = len(next(iter(values.values()))) if values else len(np.arange(self.n_draws)[index])
        return Draws(values, n, self.space)

    def to_frame(self) -> Any:
        """A pandas DataFrame with one column per parameter (categories as labels)."""
        import pandas as pd

        columns: dict[str, Any] = {}
        for p in self.space:
            v = self._values[p.name]
            if p.choices is not None:
                columns[p.name] = pd.Categorical.from_codes(
                    v.astype(np.int64), categories=pd.Index(list(p.choices))
                )
            else:
                columns[p.name] = v
        return pd.DataFrame(columns)

    def describe_draw(self, draw: int, names: Any = None) -> str:
        """``name=value`` pairs of one draw, for messages."""
        picked = self.space.names if names is None else names
        return ", ".join(
            f"{n}={self.space[n].format_value(float(self._values[n][draw]))}" for n in picked
        )
