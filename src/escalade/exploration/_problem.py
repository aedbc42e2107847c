"""What the analyses of an exploration know about its inputs.

The analyses take plain data, the way SALib's ``analyze(problem, X, Y)``
does: a sample of the inputs, the outputs, and a :class:`Problem` naming
the inputs, saying how the sample was drawn and which claims each input
encodes. An exploration run makes its own (``ExplorationResult.problem()``);
any other sample works as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from escalade.errors import ParameterError

__all__ = ["STRUCTURED_DESIGNS", "Problem"]

#: Designs whose rows are compared with each other by their own indices.
STRUCTURED_DESIGNS = ("sobol", "morris")


@dataclass(frozen=True)
class Problem:
    """The inputs an analysis ranks: their names, their design, the claims they encode.

    Attributes
    ----------
    names : tuple of str
        The inputs, in the order of the sample's columns.
    design : str
        How the sample was drawn: ``"sobol"`` (Saltelli's design, rows in
        SALib's order), ``"morris"`` (Morris trajectories), or any other
        name (``"lhs"``, ``"mc"``) for a sample whose rows are unrelated.
    claims : mapping of str to tuple of str
        The claims each input cites; inputs citing none may be left out.
    quotes : mapping of str to str
        The quote of each claim.

    Examples
    --------
    >>> p = Problem(("cost", "resolve"), claims={"cost": ("C1",)}, quotes={"C1": "War is dear."})
    >>> p.n_inputs, p.claims_of("cost"), p.claims_of("resolve")
    (2, ('C1',), ())
    """

    names: tuple[str, ...]
    design: str = "mc"
    claims: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    quotes: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = tuple(self.names)
        if not names or len(set(names)) != len(names):
            raise ParameterError(
                f"a problem needs distinct input names, found {', '.join(names) or 'none'}"
            )
        object.__setattr__(self, "names", names)

    @property
    def n_inputs(self) -> int:
        """Number of inputs."""
        return len(self.names)

    def claims_of(self, name: str) -> tuple[str, ...]:
        """The claims input ``name`` cites."""
        return tuple(self.claims.get(name, ()))
