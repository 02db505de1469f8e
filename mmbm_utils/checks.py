"""Visible claim checks for notebooks, and argument validation for the package.

Notebooks state a claim in prose and prove it in the next cell with :func:`check`,
so a claim that stops being true fails the notebook tests.

>>> from mmbm_utils.checks import check
>>> check(1 + 1 == 2, "arithmetic still works")
✓ arithmetic still works
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np


def check(condition, message: str, *, otherwise: str | None = None) -> None:
    """Print ``✓ message`` when ``condition`` is true, raise ``AssertionError`` otherwise.

    The error carries ``otherwise`` when given (say what is wrong and what to try),
    else ``message``. Exercises use ``otherwise`` so a learner reads more than "failed".

    >>> check(3 > 2, "three is more than two")
    ✓ three is more than two
    >>> check(2 > 3, "two is more than three", otherwise="2 is not more than 3: swap them")
    Traceback (most recent call last):
    AssertionError: 2 is not more than 3: swap them
    """
    if not isinstance(message, str) or not message:
        raise ValueError("message must be a non-empty string describing the claim")
    if isinstance(condition, np.ndarray):
        if condition.size != 1:
            raise ValueError(
                f"condition must be a single truth value, got an array of shape {condition.shape}; "
                "reduce it with .all() or .any() first"
            )
        condition = bool(condition.item())
    if not condition:
        raise AssertionError(otherwise or message)
    print(f"✓ {message}")


def check_close(actual, expected, message: str, *, atol: float = 1e-5, otherwise: str | None = None) -> None:
    """Check that two arrays agree within ``atol``, saying how far apart they are if not;
    ``otherwise`` adds what is wrong and what to try to the error.

    >>> check_close([1.0, 2.0], [1.0, 2.0000001], "NumPy matches Keras")
    ✓ NumPy matches Keras (max |difference| = 1.0e-07)
    """
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    advice = f" ({otherwise})" if otherwise else ""
    if a.shape != e.shape:
        raise AssertionError(f"{message}: shapes differ, got {a.shape}, expected {e.shape}{advice}")
    diff = float(np.max(np.abs(a - e))) if a.size else 0.0
    if not diff <= atol:
        raise AssertionError(f"{message}: max |difference| = {diff:.3g} exceeds {atol:g}{advice}")
    print(f"✓ {message} (max |difference| = {diff:.1e})")


# --- argument validation (used by every public function of the package) -------------


def require_int(name: str, value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an int, or raise ``ValueError`` naming ``name`` and the range expected.

    >>> require_int("n", 5, minimum=1)
    5
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def require_bool(name: str, value) -> bool:
    """Return ``value`` if it is ``True`` or ``False``, else raise ``ValueError`` naming ``name``.

    >>> require_bool("shuffle", True)
    True
    """
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return value


def require_fraction(name: str, value) -> float:
    """Return ``value`` as a float in [0, 1], or raise ``ValueError`` naming ``name``.

    >>> require_fraction("label_noise", 0.1)
    0.1
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
    value = float(value)
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a number in [0, 1], got {value}")
    return value


def require_choice(name: str, value, choices: Iterable):
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError`` listing them.

    >>> require_choice("mode", "auto", ("auto", "off"))
    'auto'
    """
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def require_array(
    name: str,
    value,
    *,
    ndim: int | tuple[int, ...] | None = None,
    dtype_kind: str | None = None,
    finite: bool = False,
    shape: tuple | None = None,
) -> np.ndarray:
    """Return ``value`` as a NumPy array after checking rank, dtype kind, shape and finiteness.

    ``dtype_kind`` is a string of NumPy kind codes (``"f"`` float, ``"iu"`` integers,
    ``"fiu"`` any real number, ``"U"`` text). ``shape`` may use ``None`` as a wildcard.

    >>> require_array("x", [[1.0, 2.0]], ndim=2, dtype_kind="f").shape
    (1, 2)
    """
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    arr = np.asarray(value)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name} must have rank {want}, got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if dtype_kind is not None and arr.dtype.kind not in dtype_kind:
        kinds = {"f": "float", "i": "signed int", "u": "unsigned int", "U": "str", "b": "bool", "O": "object"}
        want = " or ".join(kinds.get(k, k) for k in dtype_kind)
        raise ValueError(f"{name} must have a {want} dtype, got {arr.dtype}")
    if finite and arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must contain only finite values, found {bad} NaN/Inf")
    return arr
