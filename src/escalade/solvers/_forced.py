"""Choices fixed in advance at some information sets (a policy's commitments).

A policy can fix the behaviour of a player at named information sets
("the U.S. strikes a detected launch pad"); solvers then compute how the
other players respond, with those information sets playing the given
probabilities instead of a best or quantal response.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from escalade.errors import ParameterError
from escalade.game import Game

__all__ = ["Fixed", "resolve_fixed"]

#: Fixed probabilities per action (NaN where the action is free), shape (n_actions,).
Fixed = NDArray[np.float64]


def resolve_fixed(game: Game, fixed: Mapping[str, Mapping[str, float]] | None) -> Fixed | None:
    """Per-action fixed probabilities from ``{infoset: {action: probability}}``.

    Information sets are named as in ``game.infoset_names``, optionally
    prefixed by the player (``"USA:US_detected"``) when names repeat.

    Examples
    --------
    >>> from escalade.game import build_game
    >>> from escalade.scenario import load_scenario
    >>> g = build_game(load_scenario("iig"))
    >>> f = resolve_fixed(g, {"root": {"demand": 1.0, "no_demand": 0.0}})
    >>> f[:2].tolist(), bool(np.isnan(f[2]))
    ([1.0, 0.0], True)
    """
    if not fixed:
        return None
    out = np.full(game.n_actions, np.nan)
    for key, choice in fixed.items():
        player, _, name = key.rpartition(":")
        hits = [
            h
            for h, n in enumerate(game.infoset_names)
            if n == name and (not player or game.players[game.infoset_player[h]] == player)
        ]
        if not hits:
            raise ParameterError(f"cannot fix choices at unknown information set {key!r}")
        if len(hits) > 1:
            raise ParameterError(
                f"information set name {key!r} is ambiguous; prefix it with "
                "the player, as PLAYER:NAME"
            )
        h = hits[0]
        actions = game.actions_of(h)
        lo = int(game.infoset_actions[h])
        probs = np.zeros(len(actions))
        for action, p in choice.items():
            if action not in actions:
                raise ParameterError(
                    f"{key}: unknown action {action!r}; actions: {', '.join(actions)}"
                )
            probs[actions.index(action)] = float(p)
        if (probs < 0).any() or abs(probs.sum() - 1.0) > 1e-9:
            raise ParameterError(
                f"{key}: fixed probabilities must be >= 0 and sum to 1, found {probs.tolist()}"
            )
        out[lo : lo + len(actions)] = probs
    return out
