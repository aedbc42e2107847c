"""Policy analysis of scenarios with dynamics: every policy simulated and compared.

Examples
--------
>>> import escalade
>>> from escalade.analysis import compare_policies
>>> cmp = compare_policies(escalade.load("korea-2017"), runs=200, seed=3,
...                        policies=["sanctions_default", "invasion"])
>>> cmp.ranking()[-1]
'invasion'
"""

from escalade.analysis._compare import PolicyComparison, StageView, compare_policies
from escalade.analysis._whatif import WhatIf, controls, parameter_range, what_if

__all__ = [
    "PolicyComparison",
    "StageView",
    "WhatIf",
    "compare_policies",
    "controls",
    "parameter_range",
    "what_if",
]
