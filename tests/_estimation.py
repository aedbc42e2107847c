"""Helpers for the estimation tests: the bundled models, variants of them, and R's names."""

from __future__ import annotations

import re
import warnings
from functools import cache

from escalade.estimation import EstimationResult, fit
from escalade.scenario import Scenario, bundled_path, load_scenario, load_scenario_text


def scenario_text(name: str) -> str:
    """The text of a bundled scenario."""
    path = bundled_path(name)
    assert path is not None
    return path.read_text(encoding="utf-8")


def variant(name: str, replacements: list[tuple[str, str]]) -> Scenario:
    """A bundled scenario with parts of its text replaced, loaded from beside the original.

    The bundled file's folder is kept as the source so that ``data:`` still finds the data.
    """
    text = scenario_text(name)
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path = bundled_path(name)
    assert path is not None
    return load_scenario_text(text, str(path))


_UTILS_12 = """  utilities:
    u1_sq: s_wt_re1 + revis1              # u1(sq)
    u1_war: regime1                       # u1(war); u1(capit) is 0
    u2_war: balanc + regime2              # u2(war)
"""

#: The egame12 variants of the R examples, by the name of their entry in R_GAMES.
VARIANTS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "war1800_probit": ("egame12", []),
    "war1800_logit": ("egame12", [("link: probit", "link: logit")]),
    "war1800_private": ("egame12", [("error: agent", "error: private")]),
    "war1800_fixed": (
        "egame12",
        [
            ("u1_sq: {value: 0.97", "u1_sq: {value: -1"),
            ("u1_war: {value: -0.53", "u1_war: {value: -1.4"),
            ("u2_war: {value: 0.19", "u2_war: {value: 0.1"),
            (_UTILS_12, "  scale: estimated\n"),
        ],
    ),
    "war1800_fixed_by_player": (
        "egame12",
        [
            ("u1_sq: {value: 0.97", "u1_sq: {value: -1"),
            ("u1_war: {value: -0.53", "u1_war: {value: -1.4"),
            ("u2_war: {value: 0.19", "u2_war: {value: 0.1"),
            (_UTILS_12, "  scale: {A: estimated, B: estimated}\n"),
        ],
    ),
    "war1800_sdformula": ("egame12", [("link: probit", "link: probit\n  scale: balanc - 1")]),
    "leblang2003_private": ("leblang2003", []),
    "data_122": ("egame122", []),
    "data_122_logit": ("egame122", [("link: probit", "link: logit")]),
    "data_123_private": ("egame123", []),
    "data_123_agent": ("egame123", [("error: private", "error: agent")]),
    "data_ult": ("ultimatum", []),
    "data_ult_offer": ("ultimatum", [("  accept: accept\n", "")]),
    "data_ult_fixed": (
        "ultimatum",
        [("scale: {A: estimated, B: estimated}", "scale: {A: 5, B: 1}")],
    ),
}


@cache
def fitted(key: str) -> EstimationResult:
    """The fit of the R example ``key`` (cached: several tests look at the same fits)."""
    name, replacements = VARIANTS[key]
    sc = variant(name, replacements) if replacements else load_scenario(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(sc)


def r_term(name: str) -> str:
    """An escalade coefficient name as games writes the term: ``regime1[dem]`` -> ``regime1dem``."""
    term = name.split(":", 1)[1] if ":" in name else name
    return re.sub(r"\[([^\]]*)\]", r"\1", term)


def r_scale_name(name: str) -> str:
    """games' name of an escalade scale coefficient."""
    table = {"log_scale": "log(sigma)", "log_scale_A": "log(sigma1)", "log_scale_B": "log(sigma2)"}
    return table.get(name, name)
