"""Standardization and augmentation per modality.

>>> vec = make_text_vectorizer(["a red shape", "two high beeps"], sequence_length=4)
>>> vec(["a red beep"]).numpy().shape
(1, 4)
"""

from __future__ import annotations

import numpy as np

from .checks import require_array, require_int


def make_text_vectorizer(texts, *, max_tokens: int = 200, sequence_length: int = 24):
    """A ``keras.layers.TextVectorization`` adapted on ``texts``: lower-cased, punctuation
    stripped, padded with 0 and with unknown words mapped to 1 (``[UNK]``).

    >>> vec = make_text_vectorizer(["one low beep"], sequence_length=5)
    >>> vec.get_vocabulary()[:2]
    ['', '[UNK]']
    """
    import keras

    arr = require_array("texts", texts, ndim=1, dtype_kind="UO")
    if arr.size == 0:
        raise ValueError("texts must contain at least one string to adapt the vocabulary on")
    if not all(isinstance(t, str) for t in arr.tolist()):
        raise ValueError("texts must contain only str values")
    max_tokens = require_int("max_tokens", max_tokens, minimum=3)
    sequence_length = require_int("sequence_length", sequence_length, minimum=1)
    vectorizer = keras.layers.TextVectorization(
        max_tokens=max_tokens, output_mode="int", output_sequence_length=sequence_length
    )
    vectorizer.adapt(np.asarray(arr, dtype=str))
    return vectorizer
