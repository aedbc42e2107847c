"""The scenario language: files, parameters, distributions, bundled scenarios.

A scenario file (YAML, language version 1) names the players, the
parameters with their nominal values and uncertainty, derived quantities,
the outcomes with payoff expressions, and the game tree. Loading it checks
everything and compiles every expression; mistakes are reported as
``file:line:col``.

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

from escalade.scenario._bundled import bundled_path, bundled_scenarios, load_scenario
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
from escalade.scenario._dynamics import Dynamics, Event, Indicator, StateVar
from escalade.scenario._edit import TextEdit, edit_scenario_text
from escalade.scenario._estimation import (
    ERRORS,
    LINKS,
    MODELS,
    EstimationSpec,
    LinearFormula,
    ScaleSpec,
    estimation_spec,
    parse_linear_formula,
)
from escalade.scenario._load import (
    LANGUAGE_VERSION,
    SectionHook,
    load_scenario_text,
    register_section,
)
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
    Scenario,
    TreeNode,
)
from escalade.scenario._params import (
    Draws,
    Formula,
    Location,
    Parameter,
    ParameterSpace,
    Seed,
    as_generator,
)
from escalade.scenario._policies import (
    Lever,
    Policy,
    Question,
    headline_indicators,
    infoset_names,
)

__all__ = [
    "ERRORS",
    "LANGUAGE_VERSION",
    "LINKS",
    "MAX_NODES",
    "MODELS",
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
    "Formula",
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
    "SectionHook",
    "Seed",
    "StateVar",
    "TextEdit",
    "TreeNode",
    "Triangular",
    "Uniform",
    "as_generator",
    "bundled_path",
    "bundled_scenarios",
    "check_chance",
    "edit_scenario_text",
    "estimation_spec",
    "headline_indicators",
    "infoset_names",
    "load_scenario",
    "load_scenario_text",
    "parse_linear_formula",
    "register_section",
]
