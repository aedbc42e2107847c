"""The public API is declared once (``__all__``) and matches what the package exports."""

import importlib

import pytest

import escalade

SUBPACKAGES = [
    "escalade.simulation",
    "escalade.analysis",
    "escalade.auditing",
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


@pytest.mark.parametrize("name", ["escalade", "escalade.scenario"])
def test_all_matches_public_names(name):
    # dir() also lists the names a package imports on first use (escalade._lazy)
    module = importlib.import_module(name)
    public = {name for name in dir(module) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(module, name)).__name__ == "module"}
    assert set(module.__all__) - {"__version__"} == public - modules


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


def test_audit_function_is_not_shadowed_by_a_module():
    import escalade.auditing  # the subpackage has a name of its own

    assert callable(escalade.audit)
    assert escalade.audit.__module__ == "escalade.auditing._audit"
