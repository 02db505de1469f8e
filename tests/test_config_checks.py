"""config (fast mode, pick, seeds) and checks (claims, validators)."""

import numpy as np
import pytest

from mmbm_utils import checks, config


def test_fast_mode_follows_the_environment(monkeypatch):
    monkeypatch.setenv("MMBM_FAST", "1")
    assert config.fast_mode() is True
    assert config.pick(100, fast=3) == 3
    monkeypatch.setenv("MMBM_FAST", "0")
    assert config.fast_mode() is False
    assert config.pick(100, fast=3) == 100
    monkeypatch.delenv("MMBM_FAST")
    assert config.fast_mode() is False


def test_set_seed_makes_numpy_and_keras_repeatable():
    import keras

    config.set_seed(7)
    a = np.random.rand(3), keras.random.uniform((3,)).numpy()
    config.set_seed(7)
    b = np.random.rand(3), keras.random.uniform((3,)).numpy()
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_set_seed_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed"):
        config.set_seed(seed)


def test_check_prints_on_success_and_raises_with_the_message(capsys):
    checks.check(True, "a true claim")
    assert capsys.readouterr().out == "✓ a true claim\n"
    with pytest.raises(AssertionError, match="a false claim"):
        checks.check(False, "a false claim")
    with pytest.raises(AssertionError, match="what is wrong"):
        checks.check(False, "claim", otherwise="what is wrong")
    with pytest.raises(ValueError, match="single truth value"):
        checks.check(np.array([True, False]), "ambiguous")
    with pytest.raises(ValueError, match="message"):
        checks.check(True, "")


def test_check_close_reports_the_difference(capsys):
    checks.check_close([1.0, 2.0], [1.0, 2.0], "equal")
    assert "max |difference| = 0.0e+00" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="exceeds"):
        checks.check_close([1.0], [1.1], "far apart")
    with pytest.raises(AssertionError, match="shapes differ"):
        checks.check_close([1.0], [1.0, 2.0], "shapes")


def test_validators_name_the_argument():
    with pytest.raises(ValueError, match="n must be >= 1"):
        checks.require_int("n", 0, minimum=1)
    with pytest.raises(ValueError, match="frac must be a number in \\[0, 1\\]"):
        checks.require_fraction("frac", float("nan"))
    with pytest.raises(ValueError, match="mode must be one of"):
        checks.require_choice("mode", "x", ("a", "b"))
    with pytest.raises(ValueError, match="x must have rank 2"):
        checks.require_array("x", [1.0], ndim=2)
    with pytest.raises(ValueError, match="x must have a float dtype"):
        checks.require_array("x", [1, 2], dtype_kind="f")
    with pytest.raises(ValueError, match="x must contain only finite values, found 1 NaN/Inf"):
        checks.require_array("x", [1.0, np.nan], finite=True)
    with pytest.raises(ValueError, match=r"x must have shape \(any, 3\)"):
        checks.require_array("x", np.zeros((2, 4)), shape=(None, 3))


def test_check_close_adds_advice():
    with pytest.raises(AssertionError, match=r"exceeds 1e-05 \(flip the kernel\)"):
        checks.check_close([1.0], [2.0], "convolution", otherwise="flip the kernel")
