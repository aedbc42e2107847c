"""The child process that runs Gambit's exact Nash algorithms.

Gambit's solvers are C++ code: on some games they crash (pygambit 16.7's
``enumpoly_solve`` ends in a segmentation fault on the catalog's
gilboa1997/fig2) or run for hours. They run here, in a process of their
own, so that a crash or a time limit ends this process and not the
caller's. :mod:`._nash` starts it as a script (``python -P
_gambit_worker.py``: it imports pygambit and the standard library only,
not escalade) and keeps it for later requests.

Protocol: one JSON object per line on standard input, one reply per line
on the original standard output (Gambit's own printing is sent to
standard error). A request is ``{"format": "efg" | "nfg", "text": ...,
"algorithm": "lcp" | "enumpoly" | "lp", "strategic": bool, "stop_after":
int}``; a reply is ``{"equilibria": [...]}``, where each equilibrium
lists, for a tree, the probabilities of the actions at each decision node
in a depth-first walk (children in action order), and for a table the
probabilities of each player's strategies; or ``{"refused": reason,
"message": text}`` (reasons ``imperfect_recall``, ``not_constant_sum``)
or ``{"error": text}``. The process ends when its input closes, which is
also what happens when the process that started it dies.
"""

from __future__ import annotations

import io
import json
import os
import sys
from typing import Any, TextIO

__all__: list[str] = []


def _profiles(request: dict[str, Any]) -> tuple[Any, list[Any]]:
    """The game and the equilibria Gambit finds for one request."""
    import pygambit as gbt

    text = io.StringIO(request["text"])
    g = gbt.read_nfg(text) if request["format"] == "nfg" else gbt.read_efg(text)
    algorithm, stop_after = request["algorithm"], int(request["stop_after"])
    if g.is_tree and not g.is_perfect_recall:
        raise _Refused("imperfect_recall", "the game has imperfect recall")
    if algorithm == "lp":
        if not g.is_const_sum:
            raise _Refused("not_constant_sum", "the game is not constant-sum")
        return g, list(gbt.nash.lp_solve(g, rational=False).equilibria)
    if algorithm == "enumpoly":
        return g, list(gbt.nash.enumpoly_solve(g, stop_after=stop_after).equilibria)
    if not g.is_tree:
        return g, list(gbt.nash.lcp_solve(g, rational=False, stop_after=stop_after).equilibria)
    if request["strategic"]:
        found = gbt.nash.lcp_solve(g, rational=False, use_strategic=True, stop_after=stop_after)
        return g, [p.as_behavior() for p in found.equilibria]
    # pygambit refuses stop_after on the tree: the sequence form gives one equilibrium
    return g, list(gbt.nash.lcp_solve(g, rational=False).equilibria)


class _Refused(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _flatten(g: Any, profile: Any) -> list[list[float]]:
    """A profile as lists of probabilities (see the module's protocol)."""
    if not g.is_tree:
        return [[float(profile[s]) for s in player.strategies] for player in g.players]
    out: list[list[float]] = []
    stack = [g.root]
    while stack:
        node = stack.pop()
        children = list(node.children)
        if children and not node.player.is_chance:
            out.append([float(profile[a]) for a in node.infoset.actions])
        stack.extend(children)
    return out


def answer(request: dict[str, Any]) -> dict[str, Any]:
    """The reply to one request (see the module's protocol)."""
    try:
        g, profiles = _profiles(request)
        return {"equilibria": [_flatten(g, p) for p in profiles[: int(request["stop_after"])]]}
    except _Refused as exc:
        return {"refused": exc.reason, "message": str(exc)}
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc)}


def serve(requests: TextIO, replies: TextIO) -> None:
    """Answer requests, one per line, until the input closes."""
    for line in requests:
        replies.write(json.dumps(answer(json.loads(line))) + "\n")
        replies.flush()


def _die_with(parent: int) -> None:
    """End this process when ``parent`` dies, even while Gambit is busy computing."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        # PR_SET_PDEATHSIG: the kernel sends SIGKILL when the parent (thread) ends
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the request above took effect
        os._exit(0)


def main() -> None:
    """Serve on standard input and output, with Gambit's printing moved to standard error.

    The first argument, if any, is the parent's process id.
    """
    if len(sys.argv) > 1:
        _die_with(int(sys.argv[1]))
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin, replies)


if __name__ == "__main__":
    main()
