"""Paths from the root of a tree, stored as links so that nodes share their prefixes.

A node's path (the actions leading to it) names the node in messages and
names its information set when the file gives none. Stored as a tuple or
a string per node, paths take memory and time that grow with the square
of the tree's depth: a chain of 20,000 nodes made of ``goto`` holds 200
million path steps. A :class:`Trail` is one link (a step and the trail
above it), so every node costs the same, and a path is spelt out only
when asked for.
"""

from __future__ import annotations

__all__ = ["MAX_AUTO_NAME", "Trail", "path_name"]

#: Longest path used as it is to name a node; beyond it a name keeps the path's end.
MAX_AUTO_NAME = 200
#: Characters of the path's end kept in the name of a node deeper than that.
_TAIL = 60


class Trail:
    """The steps from the root to a node: the last step and the trail above it.

    Parameters
    ----------
    up : Trail or None
        The trail of the parent (None at the root's children).
    step : str
        The name of the action or branch taken last.

    Examples
    --------
    >>> t = Trail(Trail(None, "demand"), "resist")
    >>> t.steps(), t.depth, str(t)
    (('demand', 'resist'), 2, 'demand/resist')
    """

    __slots__ = ("depth", "length", "step", "up")

    def __init__(self, up: Trail | None, step: str) -> None:
        self.up = up
        self.step = step
        self.depth: int = 1 + (up.depth if up is not None else 0)
        #: Characters of the path written with "/" between steps.
        self.length: int = len(step) + (up.length + 1 if up is not None else 0)

    def steps(self) -> tuple[str, ...]:
        """Every step, root first (time and memory in proportion to the depth)."""
        out: list[str] = []
        link: Trail | None = self
        while link is not None:
            out.append(link.step)
            link = link.up
        return tuple(reversed(out))

    def __str__(self) -> str:
        return "/".join(self.steps())

    def __repr__(self) -> str:
        return f"Trail({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Trail):
            return NotImplemented
        return self is other or (self.depth == other.depth and self.steps() == other.steps())

    def __hash__(self) -> int:
        return hash(self.steps())


def path_name(trail: Trail | None, index: int) -> str:
    """The name of a node made from its path: the path itself, ``root`` for the root,
    and for a path longer than :data:`MAX_AUTO_NAME` characters its last steps and the
    node's number (its place in the breadth-first unfolding of the tree).

    Time and memory are bounded by :data:`MAX_AUTO_NAME`, whatever the depth.

    Examples
    --------
    >>> path_name(None, 0), path_name(Trail(Trail(None, "a"), "b"), 3)
    ('root', 'a/b')
    >>> deep = None
    >>> for _ in range(100):
    ...     deep = Trail(deep, "go")
    >>> path_name(deep, 200)
    '.../go/go/go/go/go/go/go/go/go/go/go/go/go/go/go/go/go/go/go/go #200'
    """
    if trail is None:
        return "root"
    if trail.length <= MAX_AUTO_NAME:
        return str(trail)
    tail = [trail.step]
    size = len(trail.step)
    link = trail.up
    while link is not None and size + 1 + len(link.step) <= _TAIL:
        tail.append(link.step)
        size += 1 + len(link.step)
        link = link.up
    return ".../" + "/".join(reversed(tail)) + f" #{index}"
