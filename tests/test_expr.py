"""The expression language: what it allows evaluates right over batches; the rest fails
with an :class:`ExpressionError` pointing at the offending character."""

from __future__ import annotations

import math

import numpy as np
import pytest

from escalade.errors import ExpressionError
from escalade.expr import MAX_DEPTH, MAX_LENGTH, Categorical, compile_expression

LEADER = Categorical(("averse", "bold", "erratic"))
NAMES = {"p": "number", "q": "number", "x": "number", "y": "number", "leader": LEADER}

# A batch of four draws; leader holds category codes (averse=0, bold=1, erratic=2).
ENV = {
    "p": np.array([-1.0, 0.0, 0.5, 2.0]),
    "q": np.array([1.0, 0.0, 2.0, 0.0]),
    "x": np.array([1.0, 4.0, 9.0, 16.0]),
    "y": np.array([0.0, 2.0, 0.0, 4.0]),
    "leader": np.array([0.0, 1.0, 2.0, 1.0]),
}


def ev(text: str, env=ENV, **kwargs) -> np.ndarray:
    return compile_expression(text, names=NAMES).evaluate(env, n_draws=4, **kwargs)


# --- allowed constructs --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", [3, 3, 3, 3]),
        ("2.5e-1", [0.25] * 4),
        (".5 + 5.", [5.5] * 4),
        ("p", [-1, 0, 0.5, 2]),
        ("p + q", [0, 0, 2.5, 2]),
        ("p - q", [-2, 0, -1.5, 2]),
        ("p * x", [-1, 0, 4.5, 32]),
        ("x / 2", [0.5, 2, 4.5, 8]),
        ("x ** 0.5", [1, 2, 3, 4]),
        ("-p", [1, 0, -0.5, -2]),
        ("+p", [-1, 0, 0.5, 2]),
        ("--p", [-1, 0, 0.5, 2]),
        ("2 + 3 * 4", [14] * 4),
        ("(2 + 3) * 4", [20] * 4),
        ("2 ** 3 ** 2", [512] * 4),  # right-associative
        ("-2 ** 2", [-4] * 4),  # ** binds tighter than unary minus
        ("(-2) ** 2", [4] * 4),
        ("10 - 4 - 3", [3] * 4),  # left-associative
        ("64 / 4 / 2", [8] * 4),
        ("p < q", [1, 0, 1, 0]),
        ("p <= q", [1, 1, 1, 0]),
        ("p > q", [0, 0, 0, 1]),
        ("p >= q", [0, 1, 0, 1]),
        ("p == q", [0, 1, 0, 0]),
        ("p != q", [1, 0, 1, 1]),
        ("0 < p < 1", [0, 0, 1, 0]),  # chained
        ("-1 <= p <= 0 < x", [1, 1, 0, 0]),
        ("p and q", [1, 0, 1, 0]),
        ("p or q", [1, 0, 1, 1]),
        ("p and q and x", [1, 0, 1, 0]),
        ("not p", [0, 1, 0, 0]),
        ("not (p > 0 or q > 0)", [0, 1, 0, 0]),
        ("x if p > 0 else -x", [-1, -4, 9, 16]),
        ("1 if p < 0 else 2 if p == 0 else 3", [1, 2, 3, 3]),
        ("min(p, q)", [-1, 0, 0.5, 0]),
        ("max(p, q, 1)", [1, 1, 2, 2]),
        ("abs(p)", [1, 0, 0.5, 2]),
        ("exp(q * 0)", [1] * 4),
        ("log(x)", np.log([1, 4, 9, 16])),
        ("sqrt(x)", [1, 2, 3, 4]),
        ("clip(p, 0, 1)", [0, 0, 0.5, 1]),
        ("where(p > 0, x, y)", [0, 2, 9, 16]),
        # categorical names against their choices, either way round
        ("leader == 'bold'", [0, 1, 0, 1]),
        ('leader == "averse"', [1, 0, 0, 0]),
        ("'erratic' == leader", [0, 0, 1, 0]),
        ("leader != 'bold'", [1, 0, 1, 0]),
        ("x * (leader == 'bold') + (leader != 'bold')", [1, 4, 1, 16]),
        ("2 if leader == 'erratic' else 1", [1, 1, 2, 1]),
        # comments and surrounding spaces are harmless
        ("p  # the probability", [-1, 0, 0.5, 2]),
        ("  p + 1  ", [0, 1, 1.5, 3]),
        ("\n\np\n", [-1, 0, 0.5, 2]),
    ],
)
def test_allowed_constructs_evaluate_right(text, expected):
    np.testing.assert_allclose(ev(text), np.asarray(expected, dtype=float), rtol=0, atol=1e-15)


def test_the_result_is_always_a_float_array_of_n_draws():
    for text in ("3", "p", "p > 0", "leader == 'bold'", "min(1, 2)"):
        out = ev(text)
        assert out.shape == (4,)
        assert out.dtype == np.float64


def test_scalars_in_the_environment_broadcast():
    e = compile_expression("a * b")
    np.testing.assert_array_equal(
        e.evaluate({"a": 2.0, "b": np.array([1.0, 3.0])}, n_draws=2), [2.0, 6.0]
    )


def test_two_categorical_names_with_the_same_choices_compare():
    names = {"a": LEADER, "b": LEADER}
    e = compile_expression("a == b", names=names)
    env = {"a": np.array([0.0, 1.0]), "b": np.array([0.0, 2.0])}
    np.testing.assert_array_equal(e.evaluate(env, n_draws=2), [1.0, 0.0])


def test_names_lists_what_is_read():
    e = compile_expression("x / y if y != 0 else p", names=NAMES)
    assert e.names == frozenset({"x", "y", "p"})
    assert compile_expression("1 + 2").names == frozenset()


def test_a_long_flat_sum_is_not_nested_too_deep():
    # 600 terms: one level of nesting, evaluated without deep recursion.
    text = "+".join(["p"] * 300 + ["q"] * 300)
    np.testing.assert_allclose(ev(text), 300 * (ENV["p"] + ENV["q"]))


def test_numbers_given_as_numbers():
    assert compile_expression(2).evaluate({}, n_draws=3).tolist() == [2.0, 2.0, 2.0]
    assert compile_expression(0.25).text == "0.25"


# --- where/if masking ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x / y if y != 0 else 0", [0, 2, 0, 4]),
        ("where(y != 0, x / y, -1)", [-1, 2, -1, 4]),
        ("where(y, x / y, 0)", [0, 2, 0, 4]),
        ("log(p) if p > 0 else 0", [0, 0, math.log(0.5), math.log(2)]),
        ("sqrt(p) if p >= 0 else -1", [-1, 0, math.sqrt(0.5), math.sqrt(2)]),
    ],
)
def test_unselected_branches_may_divide_by_zero(text, expected):
    # Both branches are computed; only the selected values are checked for NaN/inf.
    np.testing.assert_allclose(ev(text), expected)


# --- errors while evaluating ---------------------------------------------------------


def test_infinity_names_the_first_bad_draw_and_its_values():
    with pytest.raises(ExpressionError) as info:
        ev("x / y")
    assert info.value.message == (
        "gives an infinite value in draw 0 where x=1, y=0 (2 of 4 draws affected)"
    )
    assert info.value.expression == "x / y"


def test_nan_is_named():
    with pytest.raises(ExpressionError, match=r"gives NaN in draw 0 where p=-1 \(1 of 4"):
        ev("sqrt(p)")


def test_unchecked_evaluation_returns_nan():
    out = ev("sqrt(p)", check=False)
    assert np.isnan(out[0])
    assert out[1:].tolist() == [0.0, math.sqrt(0.5), math.sqrt(2.0)]


def test_missing_value_for_a_name():
    e = compile_expression("p + q")
    with pytest.raises(ExpressionError, match="no value for name 'q'") as info:
        e.evaluate({"p": 1.0})
    assert info.value.position == 4


# --- disallowed constructs: message and position -------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("p.real", "attribute access is not allowed", 1),
        ("(p).real", "attribute access is not allowed", 3),
        ("p.__class__.__bases__", "attribute access is not allowed", 11),
        ("p[0]", "subscripts are not allowed", 1),
        ("p [1:2]", "subscripts are not allowed", 2),
        ("lambda: 1", "lambdas are not allowed", 0),
        ("[p for p in q]", "comprehensions are not allowed", 0),
        ("abs(i for i in p)", "comprehensions are not allowed", 3),
        ("{p}", "sets are not allowed", 0),
        ("{p: q}", "dictionaries are not allowed", 0),
        ("(p, q)", "tuples are not allowed", 0),
        ("[p]", "lists are not allowed", 0),
        ("(p := 1)", "assignment (:=) is not allowed", 1),
        ("f'{p}'", "f-strings are not allowed", 0),
        ("abs(*p)", "starred arguments are not allowed", 4),
        ("p // q", "the operator '//' is not allowed; expected one of + - * / **", 2),
        ("p % q", "the operator '%' is not allowed", 2),
        ("p + q @ x", "the operator '@' is not allowed", 6),
        ("p & q", "the operator '&' is not allowed", 2),
        ("p << 2", "the operator '<<' is not allowed", 2),
        ("~p", "the operator '~' is not allowed", 0),
        ("p is q", "the operator 'is' is not allowed; expected one of < <= > >= == !=", 2),
        ("p is not q", "the operator 'is not' is not allowed", 2),
        ("p in q", "the operator 'in' is not allowed", 2),
        ("p not in q", "the operator 'not in' is not allowed", 2),
        ("print(p)", "unknown function 'print'; allowed: abs, clip, exp, log, max, min", 0),
        ("__import__('os')", "unknown function '__import__'", 0),
        ("(lambda: 1)()", "only the functions abs, clip", 0),
        ("p(1)", "unknown function 'p'", 0),
        ("exp(x=1)", "exp() takes no keyword arguments", 4),
        ("min(p)", "min() takes at least 2 arguments, found 1", 0),
        ("where(p, 1)", "where() takes 3 arguments, found 2", 0),
        ("abs(p, q)", "abs() takes 1 argument, found 2", 0),
        ("True", "the constant True is not allowed", 0),
        ("None", "the constant None is not allowed", 0),
        ("...", "the constant Ellipsis is not allowed", 0),
        ("1j", "complex constants are not allowed", 0),
        ("b'x'", "bytes constants are not allowed", 0),
        ("1e400", "expected a finite number, found 1e400", 0),
        ("2 * 1e999", "expected a finite number, found 1e999", 4),
        ("1" + "0" * 400, "expected a finite number, found 10000000...(401 digits)", 0),
        ("q + zz", "unknown name 'zz'", 4),
        ("pp", "unknown name 'pp' (did you mean 'p'?); known names: leader, p, q, x, y", 0),
        ("exp", "'exp' is a function; expected a call such as exp(x)", 0),
        ("p + \uff50", "expected a name written in plain letters, found 'ｐ'", 4),
        ("'text'", "expected an expression giving a number, found a string", 0),
        ("leader", "expected an expression giving a number, found a categorical name", 0),
        ("leader + 1", "'+' needs a number, found categorical name 'leader'", 0),
        ("1 - -leader", "unary minus needs a number, found categorical name 'leader'", 5),
        ("not leader", "'not' needs a number, found categorical name 'leader'", 4),
        ("exp(leader)", "exp() needs a number, found categorical name 'leader'", 4),
        ("leader == 'brave'", "'brave' is not a choice of 'leader'; choices are", 10),
        ("leader < 'bold'", "categorical name 'leader' can only be compared with == or !=", 9),
        ("p == 'bold'", "a string can only be compared with a categorical name", 5),
        ("leader == p", "categorical name 'leader' can only be compared with == or !=", 0),
        ("p if leader else q", "the condition of 'if' needs a number, found categorical", 5),
        # syntax errors
        ("p +", "not a valid expression (invalid syntax)", 0),
        ("p = 1", "not a valid expression", 2),
        ("p if q", "not a valid expression (expected 'else' after 'if' expression)", 0),
        ("p;q", "not a valid expression", 1),
        ("(p", "not a valid expression", 0),
        ("'unclosed", "not a valid expression (unterminated string literal", 0),
        ("yield p", "not a valid expression", 0),
        ("import os", "not a valid expression", 0),
        # characters and sizes
        ("p\x00", "expected text, found a NUL character", 1),
        ("", "expected an expression, found empty text", 0),
        ("   ", "expected an expression, found empty text", 0),
        (
            "x" * (MAX_LENGTH + 1),
            f"expected an expression of at most {MAX_LENGTH} characters",
            MAX_LENGTH,
        ),
        ("-" * (MAX_DEPTH + 1) + "p", f"nested at most {MAX_DEPTH} levels deep", MAX_DEPTH + 1),
        ("abs(" * 130 + "p" + ")" * 130, f"nested at most {MAX_DEPTH} levels deep", 4 * 121),
        ("(" * 300 + "p" + ")" * 300, "not a valid expression (too many nested parentheses)", 200),
        # positions count characters, not bytes, and ignore leading whitespace
        ("  p.x", "attribute access is not allowed", 3),
        ("\n\n  p.x", "attribute access is not allowed", 5),
        ("ééé + p.x", "unknown name 'ééé'", 0),
        ("p + ééé.x", "attribute access is not allowed", 7),
    ],
)
def test_disallowed_constructs_fail_at_the_right_position(text, message, position):
    with pytest.raises(ExpressionError) as info:
        compile_expression(text, names=NAMES)
    assert message in info.value.message
    assert info.value.position == position
    assert info.value.expression == text


def test_two_categorical_names_with_different_choices():
    names = {"a": LEADER, "b": Categorical(("x", "y"))}
    with pytest.raises(ExpressionError, match="'a' and 'b' have different choices") as info:
        compile_expression("a == b", names=names)
    assert info.value.position == 5


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "expected an expression (text or number), found NoneType"),
        (True, "expected an expression (text or number), found bool"),
        ([1], "expected an expression (text or number), found list"),
        (float("nan"), "expected a finite number, found nan"),
        (float("inf"), "expected a finite number, found inf"),
        (10**400, "expected a finite number, found 10000000...(401 digits)"),
    ],
)
def test_values_that_are_not_expressions(value, message):
    with pytest.raises(ExpressionError) as info:
        compile_expression(value)  # type: ignore[arg-type]
    assert info.value.message == message


def test_without_names_any_name_is_a_number():
    e = compile_expression("anything * 2")
    assert e.names == frozenset({"anything"})
    assert e.evaluate({"anything": np.array([1.5])}).tolist() == [3.0]


def test_error_text_shows_the_column():
    with pytest.raises(ExpressionError) as info:
        compile_expression("p // q", names=NAMES)
    assert str(info.value) == (
        "the operator '//' is not allowed; expected one of + - * / ** at column 3 of 'p // q'"
    )
