"""A node as a Gambit .efg file gives it, and the checks that the file is consistent.

An information set or an outcome may be given in full more than once; it
must then be given the same way each time (Gambit refuses the file too),
and chance probabilities must be probabilities that sum to 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from escalade.game._gambit_text import Token, TokenStream

__all__ = ["Node", "check_probs", "same_infoset", "same_outcome"]


@dataclass
class Node:
    kind: str  # "p", "c" or "t"
    name: str
    token: Token
    player: int = 0  # 1-based; 0 for chance
    infoset: int = 0
    infoset_label: str = ""
    actions: list[str] = field(default_factory=list)
    probs: list[float] = field(default_factory=list)
    outcome: int = 0
    children: list[int] = field(default_factory=list)


def same_outcome(
    ts: TokenStream,
    number: int,
    first: tuple[str, list[float]],
    again: tuple[str, list[float]],
    where: Token | None,
) -> None:
    """An outcome given twice must be given the same way (Gambit refuses the file too)."""
    if again[0] != first[0]:
        raise ts.error_at(
            f"outcome {number} is given again with another name ({again[0]!r} here, "
            f"{first[0]!r} before); expected the same name and payoffs each time, or only "
            "its number after the first",
            where,
        )
    if again[1] != first[1]:
        shown = ", ".join(f"{x:g}" for x in again[1]), ", ".join(f"{x:g}" for x in first[1])
        raise ts.error_at(
            f"outcome {number} ({first[0]!r}) is given again with other payoffs "
            f"({shown[0]} here, {shown[1]} before); expected the same payoffs each time, or "
            "only its number after the first",
            where,
        )


def same_infoset(
    ts: TokenStream,
    what: str,
    node: Node,
    first: tuple[list[str], list[float], Token, str],
    label: Token,
    where: Token | None,
) -> None:
    """An information set given twice must be given the same way (as Gambit requires)."""
    actions, probs, first_node, first_label = first
    if len(actions) != len(node.actions):
        raise ts.error_at(
            f"{what} has {len(actions)} actions elsewhere but {len(node.actions)} here", where
        )
    before = f"at line {first_node.line}"
    again = "expected the same each time, or only its number after the first"
    if label.text != first_label:
        raise ts.error_at(
            f"{what} is named {label.text!r} here but {first_label!r} {before}; {again}", label
        )
    if node.actions != actions:
        raise ts.error_at(
            f"{what} has actions {node.actions} here but {actions} {before}; {again}", where
        )
    if node.probs != probs:
        shown = [f"{p:g}" for p in node.probs], [f"{p:g}" for p in probs]
        raise ts.error_at(
            f"{what} has chance probabilities {shown[0]} here but {shown[1]} {before}; {again}",
            where,
        )


def check_probs(node: Node, ts: TokenStream) -> None:
    for action, p in zip(node.actions, node.probs, strict=True):
        if not -1e-12 <= p <= 1 + 1e-12:
            raise ts.error_at(
                f"expected chance probabilities in [0, 1], found {p:g} for action {action!r}",
                node.token,
            )
    total = sum(node.probs)
    if abs(total - 1.0) > 1e-9:
        raise ts.error_at(
            f"expected chance probabilities that sum to 1, found a sum of {total:.10g}",
            node.token,
        )
