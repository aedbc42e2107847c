"""The scenario language: files, parameters, distributions, bundled scenarios.

A scenario file (YAML, language version 1) names the players, the
parameters with their nominal values and uncertainty, derived quantities,
the outcomes with payoff expressions, and the game tree; a crisis over
time adds ``dynamics``, ``levers``, ``policies`` and a ``question``.
Loading it checks everything and compiles every expression; mistakes are
reported as ``file:line:col``. :class:`Scenario` holds all of it.

Examples
--------
>>> from escalade.scenario import load_scenario
>>> sc = load_scenario("iig")
>>> sc.outcome_names[:3]
('SQ', 'AcqA', 'AcqB')
>>> draws = sc.parameters.sample(1000, seed=1)
>>> draws.n_draws
1000
"""

import typing

from escalade import _lazy

# Imported on first use (see escalade._lazy): listing the bundled scenarios needs no numpy.
if typing.TYPE_CHECKING:
    from escalade.scenario._accept import FINDING_KINDS, Acceptance, expression_place
    from escalade.scenario._bundled import (
        bundled_path,
        bundled_scenarios,
        bundled_titles,
        load_scenario,
    )
    from escalade.scenario._checks import Context
    from escalade.scenario._distributions import (
        Beta,
        CategoricalDist,
        Distribution,
        LogNormal,
        Normal,
        Triangular,
        Uniform,
    )
    from escalade.scenario._dynamics import FORESIGHT, Dynamics, Event, Indicator, StateVar
    from escalade.scenario._edit import RATIONALITY, TextEdit, edit_scenario_text
    from escalade.scenario._estimation import (
        ERRORS,
        LINKS,
        MODELS,
        EstimationSpec,
        LinearFormula,
        ScaleSpec,
        parse_linear_formula,
    )
    from escalade.scenario._expectations import Expectation
    from escalade.scenario._formulas import ROLES, FormulaUse, formula_uses, node_element
    from escalade.scenario._levers import Lever
    from escalade.scenario._load import LANGUAGE_VERSION, load_scenario_text
    from escalade.scenario._load_tree import MAX_NODES, check_chance
    from escalade.scenario._model import (
        ChanceSpec,
        Claim,
        DecisionSpec,
        Derived,
        GotoSpec,
        LeafSpec,
        NodeSpec,
        Outcome,
        Player,
        TreeNode,
    )
    from escalade.scenario._params import (
        Draws,
        Formula,
        Location,
        Parameter,
        ParameterSpace,
    )
    from escalade.scenario._policies import Policy, infoset_names
    from escalade.scenario._question import Question
    from escalade.scenario._scenario import Scenario, headline_indicators
    from escalade.scenario._seeds import Seed, as_generator, resolve_seed
    from escalade.scenario._trail import MAX_AUTO_NAME, Trail, path_name
    from escalade.scenario._utility import UTILITY_ARGUMENT, Utility

__all__ = [
    "ERRORS",
    "FINDING_KINDS",
    "FORESIGHT",
    "LANGUAGE_VERSION",
    "LINKS",
    "MAX_AUTO_NAME",
    "MAX_NODES",
    "MODELS",
    "RATIONALITY",
    "ROLES",
    "UTILITY_ARGUMENT",
    "Acceptance",
    "Beta",
    "CategoricalDist",
    "ChanceSpec",
    "Claim",
    "Context",
    "DecisionSpec",
    "Derived",
    "Distribution",
    "Draws",
    "Dynamics",
    "EstimationSpec",
    "Event",
    "Expectation",
    "Formula",
    "FormulaUse",
    "GotoSpec",
    "Indicator",
    "LeafSpec",
    "Lever",
    "LinearFormula",
    "Location",
    "LogNormal",
    "NodeSpec",
    "Normal",
    "Outcome",
    "Parameter",
    "ParameterSpace",
    "Player",
    "Policy",
    "Question",
    "ScaleSpec",
    "Scenario",
    "Seed",
    "StateVar",
    "TextEdit",
    "Trail",
    "TreeNode",
    "Triangular",
    "Uniform",
    "Utility",
    "as_generator",
    "bundled_path",
    "bundled_scenarios",
    "bundled_titles",
    "check_chance",
    "edit_scenario_text",
    "expression_place",
    "formula_uses",
    "headline_indicators",
    "infoset_names",
    "load_scenario",
    "load_scenario_text",
    "node_element",
    "parse_linear_formula",
    "path_name",
    "resolve_seed",
]

__getattr__, __dir__ = _lazy.lazy_exports(__name__)
