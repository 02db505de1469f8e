"""Fast mode and seeds.

Fast mode (environment variable ``MMBM_FAST=1``) shrinks data and epochs so every
notebook runs in seconds under the tests. Notebooks write both numbers side by side::

    EPOCHS = pick(20, fast=2)   # fast mode: 2

>>> import os
>>> os.environ["MMBM_FAST"] = "1"
>>> fast_mode(), pick(20, fast=2)
(True, 2)
>>> os.environ["MMBM_FAST"] = "0"
>>> pick(20, fast=2)
20
"""

from __future__ import annotations

import os
import random

import numpy as np

FAST_ENV = "MMBM_FAST"


def fast_mode() -> bool:
    """True when the environment variable ``MMBM_FAST`` is ``1`` (or ``true``/``yes``)."""
    return os.environ.get(FAST_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def pick(full, *, fast):
    """Return ``fast`` in fast mode and ``full`` otherwise.

    >>> pick(10_000, fast=1_000) in (10_000, 1_000)
    True
    """
    return fast if fast_mode() else full


def set_seed(seed: int = 0, deterministic: bool = True) -> None:
    """Seed Python, NumPy, TensorFlow and Keras; optionally make TensorFlow ops deterministic.

    Determinism costs some speed on GPUs; on CPUs it is nearly free.

    >>> set_seed(42)
    """
    from .checks import require_bool, require_int

    seed = require_int("seed", seed, minimum=0, maximum=2**32 - 1)
    require_bool("deterministic", deterministic)
    import keras
    import tensorflow as tf

    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)  # also seeds TensorFlow and Python
    if deterministic:
        tf.config.experimental.enable_op_determinism()
