"""Extensive-form games as flat arrays, built from scenarios or Gambit files.

Examples
--------
>>> from escalade.game import build_game
>>> from escalade.scenario import load_scenario
>>> game = build_game(load_scenario("iig"))
>>> game.n_players, game.n_outcomes, game.is_perfect_information
(2, 8, True)
"""

from escalade.game._assemble import Assembled, RawNode, assemble
from escalade.game._build import build_game
from escalade.game._efg import constant_game, parse_efg, read_efg
from escalade.game._efg_write import write_efg
from escalade.game._nfg import StrategicForm, parse_nfg, read_nfg, write_nfg
from escalade.game._size import check_draws_memory
from escalade.game._tree import CHANCE, DECISION, TERMINAL, Game, GameValues, Level

__all__ = [
    "CHANCE",
    "DECISION",
    "TERMINAL",
    "Assembled",
    "Game",
    "GameValues",
    "Level",
    "RawNode",
    "StrategicForm",
    "assemble",
    "build_game",
    "check_draws_memory",
    "constant_game",
    "parse_efg",
    "parse_nfg",
    "read_efg",
    "read_nfg",
    "write_efg",
    "write_nfg",
]
