"""The names of the Python API: ``overrides=`` (``set=`` deprecated), one seed
convention, and errors that name Python arguments, not command-line options."""

from __future__ import annotations

import inspect
import pickle
import warnings

import numpy as np
import pytest

import escalade
from escalade.cli import main
from escalade.errors import ParameterError
from escalade.scenario import as_generator, resolve_seed

PUBLIC = [escalade.solve, escalade.simulate, escalade.analyze, escalade.explore]


# --------------------------------------------------------------------------- overrides
@pytest.mark.parametrize("func", PUBLIC, ids=lambda f: f.__name__)
def test_overrides_replaces_set_in_every_signature(func):
    params = inspect.signature(func).parameters
    assert "overrides" in params
    assert "set" not in params


def test_set_still_works_with_a_deprecation_warning_naming_overrides():
    with pytest.warns(DeprecationWarning, match=r"solve\(\.\.\., set=\.\.\.\) is deprecated.*"):
        old = escalade.solve("iig", method="spe", set={"PA": 0.9})
    new = escalade.solve("iig", method="spe", overrides={"PA": 0.9})
    np.testing.assert_array_equal(old.outcomes, new.outcomes)
    with pytest.warns(DeprecationWarning, match="use overrides= instead"):
        res = escalade.simulate("korea-2017", "talks", runs=50, seed=1, set={"p_detect": 0.9})
    assert res.scenario.parameters["p_detect"].nominal == 0.9


def test_overrides_warns_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        escalade.solve("iig", method="spe", overrides={"PA": 0.9})


def test_set_and_overrides_together_are_refused():
    with pytest.raises(TypeError, match="both set= and overrides="):
        escalade.solve("iig", set={"PA": 0.9}, overrides={"PA": 0.8})


# --------------------------------------------------------------------------- seeds
def test_a_generator_is_drawn_from_and_an_int_is_kept():
    assert resolve_seed(12) == 12
    assert resolve_seed(0) == 0
    assert resolve_seed(np.random.default_rng(3)) == resolve_seed(np.random.default_rng(3))
    rng = np.random.default_rng(3)
    assert resolve_seed(rng) != resolve_seed(rng)  # it advances
    assert as_generator(rng) is rng


@pytest.mark.parametrize("seed", [-1, 1.5, "3", True])
def test_a_bad_seed_names_the_argument(seed):
    with pytest.raises(ParameterError, match="seed must be a non-negative integer") as err:
        resolve_seed(seed)
    assert err.value.arguments == ("seed",)
    with pytest.raises(ParameterError, match="seed must be a non-negative integer"):
        escalade.solve("iig", draws=5, seed=seed)


def test_simulate_records_the_seed_a_generator_gave():
    res = escalade.simulate("korea-2017", "talks", runs=60, seed=np.random.default_rng(4))
    again = escalade.simulate("korea-2017", "talks", runs=60, seed=res.seed)
    np.testing.assert_array_equal(res.run_utility, again.run_utility)
    fresh = escalade.simulate("korea-2017", "talks", runs=60, seed=None)
    assert isinstance(fresh.seed, int)


def test_analyze_gives_every_policy_the_same_numbers_whatever_the_seed():
    # Common random numbers: under a Generator or None, as under an int, every policy
    # is simulated from one integer seed, recorded on the comparison.
    for seed in (np.random.default_rng(9), None):
        cmp = escalade.analyze("korea-2017", runs=60, seed=seed, policies=["talks", "invasion"])
        assert isinstance(cmp.seed, int)
        again = escalade.analyze(
            "korea-2017", runs=60, seed=cmp.seed, policies=["talks", "invasion"]
        )
        for name in ("talks", "invasion"):
            np.testing.assert_array_equal(
                cmp.results[name].run_utility, again.results[name].run_utility
            )


def test_check_takes_a_generator():
    report = escalade.check("crisis-bluffing", draws=20, seed=np.random.default_rng(1))
    assert report.n_draws_checked == 20


# --------------------------------------------------------------------------- argument names
def test_library_errors_name_python_arguments():
    with pytest.raises(escalade.SolveError) as err:
        escalade.solve("docs/examples/resolve.yaml", method="spe")
    assert "use method='qre' (with lam=inf for the limiting equilibrium)" in str(err.value)
    assert "--" not in str(err.value)
    assert err.value.arguments == ("method", "lam")
    with pytest.raises(ParameterError, match=r"lam applies to method='qre' only") as err2:
        escalade.solve("iig", method="spe", lam=2.0)
    assert err2.value.arguments == ("lam", "method")


def test_message_with_renames_only_the_listed_arguments():
    err = ParameterError(
        "out/runs: runs must be >= 1 in 'runs' (use lam=inf or method='qre')",
        arguments=("runs", "lam"),
    )
    assert err.message_with({"runs": "--runs", "lam": "--lam", "method": "--method"}) == (
        "out/runs: --runs must be >= 1 in 'runs' (use --lam inf or method='qre')"
    )
    assert err.message_with({}) == str(err)


def test_the_arguments_survive_pickling():
    # errors raised in worker processes reach the caller pickled
    err = pickle.loads(pickle.dumps(ParameterError("lam is wrong", arguments=("lam",))))
    assert err.arguments == ("lam",)
    assert str(err) == "lam is wrong"


def test_the_command_line_names_its_options(capsys):
    assert main(["solve", "docs/examples/resolve.yaml", "--method", "spe"]) == 1
    err = capsys.readouterr().err
    assert "use --method qre (with --lam inf for the limiting equilibrium) or --method nash" in err
