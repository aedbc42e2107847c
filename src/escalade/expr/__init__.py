"""Safe expressions over named quantities, evaluated over a batch of draws.

See :func:`compile_expression` for what an expression may contain.

Examples
--------
>>> import numpy as np
>>> from escalade.expr import compile_expression
>>> compile_expression("max(a, 2) * b").evaluate({"a": np.array([1.0, 3.0]), "b": 2.0}, n_draws=2)
array([4., 6.])
"""

from escalade.expr._compile import MAX_LENGTH, Expression, compile_expression
from escalade.expr._compiler import FUNCTIONS, MAX_DEPTH, Categorical, NameKind

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "Categorical",
    "Expression",
    "NameKind",
    "compile_expression",
]
