"""The public API is declared once (``__all__``) and matches what the package exports."""

import importlib

import pytest

import escalade

SUBPACKAGES = [
    "escalade.simulation",
    "escalade.analysis",
    "escalade.exploration",
    "escalade.estimation",
    "escalade.report",
    "escalade.errors",
    "escalade.expr",
    "escalade.scenario",
    "escalade.game",
    "escalade.solvers",
    "escalade.cli",
]


def test_top_level_all_matches_public_names():
    public = {name for name in vars(escalade) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(escalade, name)).__name__ == "module"}
    assert set(escalade.__all__) - {"__version__"} == public - modules


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_subpackage_all_is_importable_and_documented(name):
    module = importlib.import_module(name)
    assert module.__doc__, f"{name} has no module docstring"
    for symbol in module.__all__:
        obj = getattr(module, symbol)
        if callable(obj) and not isinstance(obj, type(importlib)):
            assert obj.__doc__, f"{name}.{symbol} has no docstring"


def test_solve_function_is_not_shadowed_by_a_module():
    assert callable(escalade.solve)
