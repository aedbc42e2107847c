"""Wargames kept in SQLite (write-ahead logging), as a setup plus a log.

A game is stored as what makes it: the scenario's text, the
:class:`~escalade.wargame.Setup`, the seats' token hashes, every order a
seat submitted (one row per game, period and actor: a seat may change
its orders until the period is adjudicated), and one ruling per period
played (the orders it used, and the umpire's outcome and reason if it
overrode play). The game's state is the replay of its rulings
(:class:`~escalade.wargame.Wargame` is deterministic given its seed),
kept in memory and rebuilt from the database after a restart.

Consistency: an order is committed before the server answers, so an
answered submission is never lost. A period is adjudicated in one
``BEGIN IMMEDIATE`` transaction that reads the period's orders and
writes its ruling: two adjudications of one period cannot both happen
(the ruling's key is the game and period), an order arriving during it
waits for it and then finds the period closed, and a server killed in
between leaves the orders in place for the next adjudication.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from escalade.errors import ParameterError
from escalade.scenario import load_scenario_text
from escalade.wargame import AfterAction, Setup, Wargame
from escalade.web._http import Unauthorized

__all__ = ["GameInfo", "GameStore", "Unauthorized"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS games (
    id TEXT PRIMARY KEY, scenario_id TEXT NOT NULL, scenario_text BLOB NOT NULL,
    setup TEXT NOT NULL, umpire_hash TEXT NOT NULL, deadline REAL, paused INTEGER NOT NULL,
    created REAL NOT NULL, period_started REAL NOT NULL);
CREATE TABLE IF NOT EXISTS seats (
    game_id TEXT NOT NULL, actor TEXT NOT NULL, token_hash TEXT NOT NULL,
    PRIMARY KEY (game_id, actor));
CREATE TABLE IF NOT EXISTS orders (
    game_id TEXT NOT NULL, period INTEGER NOT NULL, actor TEXT NOT NULL, orders TEXT NOT NULL,
    at REAL NOT NULL, PRIMARY KEY (game_id, period, actor));
CREATE TABLE IF NOT EXISTS rulings (
    game_id TEXT NOT NULL, period INTEGER NOT NULL, kind TEXT NOT NULL, outcome TEXT,
    reason TEXT NOT NULL, orders TEXT NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (game_id, period));
"""
#: Most games one server keeps.
MAX_GAMES = 500


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class GameInfo:
    """A stored game's row: scenario, setup, timing, pause."""

    id: str
    scenario_id: str
    setup: Setup
    deadline: float | None
    paused: bool
    period_started: float
    created: float


class GameStore:
    """The wargames of one server, in one SQLite file.

    Parameters
    ----------
    path : Path
        The database file (created when missing).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._cache: dict[str, tuple[int, Wargame]] = {}
        #: After-action reports computed, by game and periods played.
        self.reports: dict[tuple[str, int], AfterAction] = {}
        with self._connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(_SCHEMA)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            con.execute("PRAGMA busy_timeout=10000")
            con.execute("PRAGMA synchronous=FULL")
            yield con
        finally:
            con.close()

    # ---------------------------------------------------------------- creating
    def create(
        self,
        scenario_id: str,
        text: bytes,
        setup: Setup,
        *,
        deadline: float | None = None,
        file: str = "scenario.yaml",
    ) -> dict[str, Any]:
        """Create a game; returns its id and the tokens (shown once, stored hashed)."""
        wargame = Wargame(load_scenario_text(text, file=file), setup)  # checks the setup
        gid = secrets.token_hex(6)
        umpire = secrets.token_urlsafe(18)
        seats = {actor: secrets.token_urlsafe(18) for actor in setup.humans}
        now = time.time()
        with self._connect() as con:
            if con.execute("SELECT count(*) FROM games").fetchone()[0] >= MAX_GAMES:
                raise ParameterError(f"this server keeps at most {MAX_GAMES} games")
            con.execute("BEGIN IMMEDIATE")
            con.execute(
                "INSERT INTO games VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)",
                (
                    gid,
                    scenario_id,
                    text,
                    json.dumps(setup.to_dict()),
                    _hash(umpire),
                    deadline,
                    now,
                    now,
                ),
            )
            con.executemany(
                "INSERT INTO seats VALUES (?, ?, ?)",
                [(gid, actor, _hash(token)) for actor, token in seats.items()],
            )
            con.execute("COMMIT")
        with self._lock:
            self._cache[gid] = (0, wargame)
        return {"id": gid, "umpire": umpire, "seats": seats}

    # ---------------------------------------------------------------- reading
    def info(self, gid: str) -> GameInfo:
        """A game's row."""
        with self._connect() as con:
            row = con.execute(
                "SELECT scenario_id, setup, deadline, paused, period_started, created "
                "FROM games WHERE id = ?",
                (gid,),
            ).fetchone()
        if row is None:
            raise ParameterError(f"no game with id {gid!r}")
        return GameInfo(
            gid, row[0], Setup.from_dict(json.loads(row[1])), row[2], bool(row[3]), row[4], row[5]
        )

    def games(self) -> list[dict[str, Any]]:
        """Every game: id, scenario, periods played (no tokens)."""
        with self._connect() as con:
            rows = con.execute(
                "SELECT g.id, g.scenario_id, g.setup, g.created, "
                "(SELECT count(*) FROM rulings r WHERE r.game_id = g.id) "
                "FROM games g ORDER BY g.created DESC"
            ).fetchall()
        return [
            {
                "id": r[0],
                "scenario": r[1],
                "humans": json.loads(r[2])["humans"],
                "created": r[3],
                "periods_played": r[4],
            }
            for r in rows
        ]

    def check_token(self, gid: str, seat: str, token: str | None) -> None:
        """Raise :class:`Unauthorized` unless ``token`` is the seat's (``seat="umpire"``:
        the umpire's)."""
        with self._connect() as con:
            if seat == "umpire":
                row = con.execute("SELECT umpire_hash FROM games WHERE id = ?", (gid,)).fetchone()
            else:
                row = con.execute(
                    "SELECT token_hash FROM seats WHERE game_id = ? AND actor = ?", (gid, seat)
                ).fetchone()
        if row is None or token is None or not hmac.compare_digest(row[0], _hash(token)):
            raise Unauthorized("a valid token for this seat is needed")

    def any_token(self, gid: str, token: str | None) -> str:
        """The seat (or ``"umpire"``) whose token ``token`` is."""
        with self._connect() as con:
            rows = con.execute("SELECT actor, token_hash FROM seats WHERE game_id = ?", (gid,))
            seats = [("umpire", self._umpire_hash(con, gid)), *rows.fetchall()]
        for seat, digest in seats:
            if token is not None and digest and hmac.compare_digest(digest, _hash(token)):
                return str(seat)
        raise Unauthorized("a valid token of this game is needed")

    @staticmethod
    def _umpire_hash(con: sqlite3.Connection, gid: str) -> str:
        row = con.execute("SELECT umpire_hash FROM games WHERE id = ?", (gid,)).fetchone()
        return str(row[0]) if row else ""

    def load(self, gid: str) -> Wargame:
        """The game as it stands: the cached one, or its log replayed."""
        with self._lock, self._connect() as con:
            rulings = con.execute(
                "SELECT period, outcome, reason, orders, kind FROM rulings WHERE game_id = ? "
                "ORDER BY period",
                (gid,),
            ).fetchall()
            cached = self._cache.get(gid)
            if cached is not None and cached[0] == len(rulings):
                return cached[1]
            row = con.execute(
                "SELECT scenario_text, setup FROM games WHERE id = ?", (gid,)
            ).fetchone()
            if row is None:
                raise ParameterError(f"no game with id {gid!r}")
            wargame = replay(row[0], Setup.from_dict(json.loads(row[1])), rulings)
            self._cache[gid] = (len(rulings), wargame)
            return wargame

    def submitted(self, gid: str, period: int) -> dict[str, dict[str, str]]:
        """The orders submitted for ``period``, by actor."""
        with self._connect() as con:
            rows = con.execute(
                "SELECT actor, orders FROM orders WHERE game_id = ? AND period = ?", (gid, period)
            ).fetchall()
        return {r[0]: json.loads(r[1]) for r in rows}

    # ---------------------------------------------------------------- changing
    def submit(self, gid: str, actor: str, orders: Any) -> int:
        """Store ``actor``'s orders for the current period (checked); returns the period."""
        if not isinstance(orders, dict):
            raise ParameterError("orders must be an object {information set: action}")
        with self._lock:
            wargame = self.load(gid)
            if wargame.finished:
                raise ParameterError("the game is over")
            checked = wargame.check_orders(actor, orders)
            with self._connect() as con:
                con.execute("BEGIN IMMEDIATE")
                played = con.execute(
                    "SELECT count(*) FROM rulings WHERE game_id = ?", (gid,)
                ).fetchone()[0]
                if played + 1 != wargame.period:  # pragma: no cover - the lock orders this
                    con.execute("ROLLBACK")
                    raise ParameterError("the period was adjudicated meanwhile; look again")
                con.execute(
                    "INSERT OR REPLACE INTO orders VALUES (?, ?, ?, ?, ?)",
                    (gid, wargame.period, actor, json.dumps(checked), time.time()),
                )
                con.execute("COMMIT")
            return wargame.period

    def set_paused(self, gid: str, paused: bool) -> None:
        """Pause or resume a game (a paused game waits for the umpire to step it)."""
        with self._connect() as con:
            con.execute("UPDATE games SET paused = ? WHERE id = ?", (int(paused), gid))

    def adjudicate(
        self, gid: str, kind: str, *, override: str | None = None, reason: str = ""
    ) -> Wargame:
        """Play the current period with the orders submitted (see the module docstring)."""
        with self._lock:
            wargame = self.load(gid)
            period = wargame.period
            orders = self.submitted(gid, period)
            try:
                wargame.play(orders, override=override, reason=reason)
            except Exception:
                self._cache.pop(gid, None)  # play may have moved the state: replay next time
                raise
            try:
                with self._connect() as con:
                    con.execute("BEGIN IMMEDIATE")
                    con.execute(
                        "INSERT INTO rulings VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (gid, period, kind, override, reason, json.dumps(orders), time.time()),
                    )
                    con.execute(
                        "UPDATE games SET period_started = ? WHERE id = ?", (time.time(), gid)
                    )
                    con.execute("COMMIT")
            except Exception:
                self._cache.pop(gid, None)
                raise
            self._cache[gid] = (period, wargame)
            return wargame


def replay(text: bytes, setup: Setup, rulings: list[Any]) -> Wargame:
    """A game rebuilt from its scenario text, setup and rulings, period by period.

    Each ruling is ``(period, outcome, reason, orders, kind)`` as stored.
    """
    wargame = Wargame(load_scenario_text(text, file="scenario.yaml"), setup)
    for _period, outcome, reason, orders, kind in rulings:
        override = outcome if kind == "override" else None
        wargame.play(json.loads(orders), override=override, reason=reason)
    return wargame
