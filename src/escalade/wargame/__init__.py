"""Wargames: people play some actors of a scenario, the model plays the others.

:class:`Wargame` holds one game and plays it period by period from the
orders people give (:meth:`Wargame.play`); :func:`seat_view` is what one
person may see, :func:`umpire_view` what the umpire sees;
:func:`after_action` reviews a game: each order against the equilibrium
and the game against games the model plays alone. A game is its
:class:`Setup` plus the log of orders and rulings: replaying the log
gives the same game.

Examples
--------
>>> import escalade
>>> from escalade.wargame import Setup, Wargame, seat_view
>>> wg = Wargame(escalade.load("korea-2017"), Setup(humans=("USA",), seed=7))
>>> seat_view(wg, "USA")["label"]
'2018'
"""

from escalade.wargame._game import FORESIGHT, Choice, Period, Setup, Step, Wargame
from escalade.wargame._report import AfterAction, after_action
from escalade.wargame._views import narrative, seat_view, seen_at, umpire_view

__all__ = [
    "FORESIGHT",
    "AfterAction",
    "Choice",
    "Period",
    "Setup",
    "Step",
    "Wargame",
    "after_action",
    "narrative",
    "seat_view",
    "seen_at",
    "umpire_view",
]
