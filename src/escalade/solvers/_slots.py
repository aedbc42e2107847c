"""The slot layout and the block kernels of the batched backward/forward pass.

The pass renumbers the nodes of each depth into *slots*: below a depth of
``m`` nodes whose widest node has ``K`` children lie ``K`` blocks of
``m`` rows, block ``j`` holding the ``j``-th child of every node, with
empty rows (value 0, probability 0) where a node has fewer children.
Summing or maximising over each node's children is then ``K - 1``
elementwise operations on contiguous ``(m, block)`` arrays, which numpy
runs at full vector speed, where ``np.*.reduceat`` over uneven groups is
an order of magnitude slower. Node values are stored player-major,
``(n_players, n_rows, block)``, so that weighting them by the children's
probabilities is one broadcast over contiguous arrays. Children keep
their order, so sums are taken in the same order as a plain loop and
results do not depend on the layout.

Draws stay on the last axis and are processed in blocks small enough for
one depth's arrays to stay in a core's cache: past that size numpy runs
at memory speed and every extra operation costs a trip to main memory.
The layout is computed once per game and cached; the working arrays are
kept per thread between calls.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from escalade.game import CHANCE, DECISION, TERMINAL, Game
from escalade.solvers._rules import ChoiceRule

__all__ = [
    "BUFFER_BYTES",
    "CACHE_BYTES",
    "Buffers",
    "Plan",
    "backward_block",
    "block_size",
    "buffers",
    "forward_block",
    "plan_of",
    "presets",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Bytes that one depth's working arrays may take in a block: about one core's L2 cache.
CACHE_BYTES = 1 << 20

#: Most bytes of working arrays for one block of draws.
BUFFER_BYTES = 1 << 25

#: Fewest and most draws in a block (below, Python's cost per numpy call dominates).
MIN_BLOCK, MAX_BLOCK = 512, 16384


@dataclass(frozen=True)
class Step:
    """One depth: its ``m`` parents and the ``width * m`` slot rows of their children."""

    slots: slice
    n_parents: int
    width: int
    parent_rows: IntArray
    parent_slice: slice | None  # the same rows, when contiguous
    decides: bool  # some parent is a decision node
    mover_rows: IntArray  # per slot: mover * n_rows + slot row, rows of the (P * n_rows, b) view
    pad: IntArray  # flat positions (over the slots) of empty slots
    chance_slots: IntArray
    chance_cols: IntArray
    own_parents: IntArray  # positions in parent_rows of parents with an outcome (Gambit)
    own_src: IntArray  # (P, n_own): rows outcome * P + p of their payoffs
    action_slots: IntArray  # flat slot of each decision child, and its action
    action_ids: IntArray
    pay_dst: IntArray  # payoffs of the children: rows p * n_rows + slot of the (P * n_rows, b)
    pay_src: IntArray  # view, from rows outcome * P + p of the transposed payoffs


@dataclass(frozen=True)
class Plan:
    """The slot layout of a game: its depths, and where nodes, actions and outcomes live."""

    steps: tuple[Step, ...]
    n_rows: int
    row: IntArray  # slot row of each node
    empty_rows: IntArray  # padding rows (always 0)
    root_pay: IntArray  # rows outcome * P + p of a terminal root's payoffs (one-node game)
    zero_rows: IntArray  # terminals without an outcome: payoff 0
    action_rows: IntArray  # slot row of each action's child, in action order
    outcome_slots: IntArray  # (k, n_outcomes): rows of each outcome's nodes, n_rows if none


_PLANS: weakref.WeakKeyDictionary[Game, Plan] = weakref.WeakKeyDictionary()


def plan_of(game: Game) -> Plan:
    """The slot layout of ``game``, computed once and kept while the game lives."""
    found = _PLANS.get(game)
    if found is None:
        found = _PLANS[game] = _make_plan(game)
    return found


def _make_plan(game: Game) -> Plan:
    P = game.n_players
    n = game.n_nodes
    nch = game.n_children
    first = game.first_child
    row = np.full(n, -1, dtype=np.int64)
    row[0] = 0
    n_rows = 1
    empty: list[IntArray] = [np.zeros(0, dtype=np.int64)]
    rows_of_levels = []
    players = np.arange(P)
    for level in game.levels:
        # parents in row order, so that each block of slots follows the same order
        parents = level.parents[np.argsort(row[level.parents], kind="stable")]
        m = parents.size
        width = int(nch[parents].max())
        j = np.arange(width)[:, None]
        real = j < nch[parents][None, :]  # (width, m): slot j of parent i holds a child
        kid = np.where(real, first[parents][None, :] + j, -1)
        slot_rows = n_rows + np.arange(width * m).reshape(width, m)
        row[kid[real]] = slot_rows[real]
        empty.append(slot_rows[~real])
        rows_of_levels.append((parents, slot_rows, real, kid))
        n_rows += width * m
    steps = []
    for parents, slot_rows, real, kid in rows_of_levels:
        width, m = slot_rows.shape
        kind = game.kind[parents]
        mover = np.where(kind == DECISION, game.player[parents], 0)
        is_chance = (kind == CHANCE)[None, :] & real
        is_dec = (kind == DECISION)[None, :] & real
        prow = row[parents]
        contiguous = bool((np.diff(prow) == 1).all())
        own = np.flatnonzero(game.outcome[parents] >= 0)
        safe = np.maximum(kid, 0)
        paid = kid[real & (game.kind[safe] == TERMINAL) & (game.outcome[safe] >= 0)]
        pay_dst = (players[:, None] * n_rows + row[paid][None, :]).ravel()
        pay_src = (players[:, None] + game.outcome[paid][None, :] * P).ravel()
        steps.append(
            Step(
                slots=slice(int(slot_rows[0, 0]), int(slot_rows[-1, -1]) + 1),
                n_parents=m,
                width=width,
                parent_rows=prow,
                parent_slice=slice(int(prow[0]), int(prow[-1]) + 1) if contiguous else None,
                decides=bool((kind == DECISION).any()),
                mover_rows=(mover[None, :] * n_rows + slot_rows).ravel(),
                pad=np.flatnonzero(~real.ravel()),
                chance_slots=np.flatnonzero(is_chance.ravel()),
                chance_cols=game.edge_chance[kid[is_chance]],
                own_parents=own,
                own_src=game.outcome[parents[own]][None, :] * P + players[:, None],
                action_slots=np.flatnonzero(is_dec.ravel()),
                action_ids=game.edge_action[kid[is_dec]],
                pay_dst=pay_dst,
                pay_src=pay_src,
            )
        )
    dec_nodes = np.flatnonzero(game.edge_action >= 0)
    action_rows = np.zeros(game.n_actions, dtype=np.int64)
    action_rows[game.edge_action[dec_nodes]] = row[dec_nodes]
    # the nodes of each outcome in the order outcome_probabilities() sums them
    nodes, present, starts = game.outcome_groups
    sizes = np.diff(np.r_[starts, nodes.size])
    outcome_slots = np.full((int(sizes.max(initial=1)), game.n_outcomes), n_rows, dtype=np.int64)
    for o, lo, size in zip(present, starts, sizes, strict=True):
        outcome_slots[:size, o] = row[nodes[lo : lo + size]]
    return Plan(
        steps=tuple(steps),
        n_rows=n_rows,
        row=row,
        empty_rows=np.concatenate(empty),
        root_pay=game.outcome[0] * P + players if n == 1 and game.outcome[0] >= 0 else players[:0],
        zero_rows=row[np.flatnonzero((game.kind == TERMINAL) & (game.outcome < 0))],
        action_rows=action_rows,
        outcome_slots=outcome_slots,
    )


def block_size(game: Game, n_draws: int) -> int:
    """Draws per block: the widest depth's working arrays fill about :data:`CACHE_BYTES`.

    A depth with ``k`` child slots works on about ``2 * n_players + 3``
    arrays of ``k`` rows; all the working arrays of a block stay under
    :data:`BUFFER_BYTES` (very large trees get blocks of a few draws). Rows
    are never a multiple of 512 numbers long: rows whose length is a power
    of two map to the same cache sets, and transposing them (from and to
    the draws-first arrays of :class:`GameValues` and :class:`Solution`)
    gets several times slower.
    """
    plan = plan_of(game)
    widest = max((s.n_parents * s.width for s in plan.steps), default=1)
    per_draw = 8 * widest * (2 * game.n_players + 3)
    held = 8 * (
        (game.n_players + 1) * plan.n_rows
        + (game.n_players + 1) * game.n_outcomes
        + game.n_actions
        + (game.n_players + 1) * widest
    )
    b = min(n_draws, MAX_BLOCK, max(MIN_BLOCK, CACHE_BYTES // per_draw), BUFFER_BYTES // held)
    if b % 64 == 0 and b < n_draws:
        b += 8
    return max(1, b)


_LOCAL = threading.local()


def buffers(game: Game, plan: Plan, b: int) -> Buffers:
    """This thread's working arrays for ``game`` and blocks of ``b`` draws.

    Kept between calls: a solve calls the pass once per chunk, and fresh
    arrays of a few MB each time would cost a page fault per 4 KB. Only
    the last game's arrays are kept (for up to three block sizes: the full
    blocks and the shorter last ones), so that many games alive at once do
    not each hold theirs.
    """
    last = getattr(_LOCAL, "last", None)
    if last is None or last[0]() is not game:
        last = _LOCAL.last = (weakref.ref(game), {})
    sizes: dict[int, Buffers] = last[1]
    found = sizes.get(b)
    if found is None:
        if len(sizes) >= 3:
            sizes.pop(min(sizes))
        found = sizes[b] = Buffers(game, plan, b)
    return found


class Buffers:
    """Working arrays of one block size, reused by every block of that size."""

    def __init__(self, game: Game, plan: Plan, b: int) -> None:
        P = game.n_players
        self.V = np.empty((P, plan.n_rows, b))
        self.V2 = self.V.reshape(P * plan.n_rows, b)
        # padding and outcome-less terminals are never written: they stay 0
        self.V[:, plan.empty_rows] = 0.0
        self.V[:, plan.zero_rows] = 0.0
        # one more row, always 0, stands for "no node" (outcomes reached at fewer nodes)
        self.edge = np.empty((plan.n_rows + 1, b))
        self.edge[plan.empty_rows] = 0.0
        self.edge[plan.n_rows] = 0.0
        most = max((s.n_parents * s.width for s in plan.steps), default=0)
        self.vals = np.empty((most, b))
        self.sums = np.empty((P, max((s.n_parents for s in plan.steps), default=0), b))
        self.payoffs = np.empty((game.n_outcomes * P, b))
        self.paid = np.empty((max((s.pay_src.size for s in plan.steps), default=0), b))
        self.chosen = np.empty((plan.action_rows.size, b))
        self.reached = np.empty((game.n_outcomes, b))


@dataclass(frozen=True)
class Preset:
    """Fixed probabilities of one depth: slot positions and values."""

    pos: IntArray
    prob: FloatArray


def presets(plan: Plan, fixed: FloatArray | None) -> list[Preset | None]:
    """Per depth, the slots whose probabilities are fixed in advance (None if none)."""
    if fixed is None:
        return [None] * len(plan.steps)
    out: list[Preset | None] = []
    for step in plan.steps:
        prob = fixed[step.action_ids]
        hit = ~np.isnan(prob)
        out.append(Preset(step.action_slots[hit], prob[hit, None]) if hit.any() else None)
    return out


def backward_block(
    plan: Plan,
    buf: Buffers,
    payoffs: FloatArray,
    chance: FloatArray,
    rule: ChoiceRule,
    preset: list[Preset | None],
) -> None:
    """Node values into ``buf.V`` and edge probabilities into ``buf.edge``."""
    V, V2, edge = buf.V, buf.V2, buf.edge
    b = payoffs.shape[0]
    # (b, n_outcomes, P) -> (n_outcomes * P, b): the one transposition; each depth then
    # copies its children's payoffs just before using them, while they are in cache
    T = buf.payoffs
    np.copyto(T, payoffs.reshape(b, -1).T)
    if plan.root_pay.size:
        V[:, 0] = T[plan.root_pay]
    chance_t = np.ascontiguousarray(chance.T) if chance.shape[1] else chance.T
    for step, fixed in zip(reversed(plan.steps), reversed(preset), strict=True):
        m, w = step.n_parents, step.width
        k = m * w
        if step.pay_dst.size:
            V2[step.pay_dst] = np.take(
                T, step.pay_src, axis=0, out=buf.paid[: step.pay_src.size], mode="clip"
            )
        probs = edge[step.slots]
        if step.decides:
            vals = np.take(V2, step.mover_rows, axis=0, out=buf.vals[:k], mode="clip")
            rule.slots(vals.reshape(w, m, b), step.pad, probs.reshape(w, m, b))
        if step.chance_slots.size:
            probs[step.chance_slots] = chance_t[step.chance_cols]
        if fixed is not None:
            probs[fixed.pos] = fixed.prob
        # each parent's value: the sum over its slots of value times probability, in one
        # pass (einsum does not write the products out), straight into the parents' rows
        # when those are contiguous
        contiguous = step.parent_slice is not None
        target = V[:, step.parent_slice] if contiguous else buf.sums[:, :m]
        kids = V[:, step.slots].reshape(-1, w, m, b)
        np.einsum("pjmb,jmb->pmb", kids, probs.reshape(w, m, b), out=target)
        if not contiguous:
            V[:, step.parent_rows] = target
        if step.own_parents.size:
            V[:, step.parent_rows[step.own_parents]] += T[step.own_src]


def forward_block(plan: Plan, buf: Buffers) -> None:
    """Turn ``buf.edge`` (probability of each edge) into each node's probability, in place."""
    edge = buf.edge
    edge[0] = 1.0
    b = edge.shape[1]
    for step in plan.steps:
        if step.parent_slice is not None:
            up = edge[step.parent_slice]
        else:
            up = edge.take(step.parent_rows, axis=0)
        kids = edge[step.slots].reshape(step.width, step.n_parents, b)
        kids *= up[None]
