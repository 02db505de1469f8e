"""Modality encoders and the classifiers built from them.

Each encoder is a Keras model from one modality's raw input to a feature vector (or a
sequence of features), so that the fusion chapters can plug them together.

>>> enc = image_encoder(output_dim=16, filters=(8,))
>>> enc.output.shape
(None, 16)
"""

from __future__ import annotations

import keras

from .checks import require_choice, require_int
from .data import AUDIO_LENGTH, IMAGE_SIZE, MODALITIES, SAMPLE_RATE


def _check_dims(output_dim, filters):
    require_int("output_dim", output_dim, minimum=1)
    if not isinstance(filters, (tuple, list)) or not filters:
        raise ValueError(f"filters must be a non-empty tuple of positive ints, got {filters!r}")
    for f in filters:
        require_int("filters", f, minimum=1)


def image_encoder(output_dim: int = 64, *, filters=(32, 64, 128), name: str = "image_encoder") -> keras.Model:
    """uint8 images (32, 32, 3) → ``output_dim`` features: [Conv3×3 → ReLU → MaxPool] per filter count.

    >>> image_encoder(8, filters=(4, 8)).count_params() > 0
    True
    """
    _check_dims(output_dim, filters)
    inputs = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3), name="image")
    x = keras.layers.Rescaling(1 / 255.0)(inputs)
    for f in filters:
        x = keras.layers.Conv2D(f, 3, padding="same", activation="relu")(x)
        x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(output_dim, activation="relu")(x)
    return keras.Model(inputs, outputs, name=name)


def audio_encoder(
    output_dim: int = 64, *, n_mels: int = 32, filters=(32, 64), name: str = "audio_encoder"
) -> keras.Model:
    """Waveforms (2048,) → log-mel frames (15, ``n_mels``) → Conv1D stack → ``output_dim`` features.

    >>> audio_encoder(8, n_mels=16, filters=(8,)).output.shape
    (None, 8)
    """
    _check_dims(output_dim, filters)
    require_int("n_mels", n_mels, minimum=4, maximum=128)
    inputs = keras.Input((AUDIO_LENGTH,), name="audio")
    x = keras.layers.MelSpectrogram(
        fft_length=256, sequence_stride=128, sampling_rate=SAMPLE_RATE, num_mel_bins=n_mels, max_freq=SAMPLE_RATE / 2
    )(inputs)  # (mels, frames), in decibels
    x = keras.layers.Permute((2, 1))(x)  # (frames, mels)
    x = keras.layers.Rescaling(1 / 80.0)(x)
    for f in filters:
        x = keras.layers.Conv1D(f, 3, padding="same", activation="relu")(x)
    x = keras.layers.GlobalMaxPooling1D()(x)
    outputs = keras.layers.Dense(output_dim, activation="relu")(x)
    return keras.Model(inputs, outputs, name=name)


def text_encoder(
    vocab_size: int, output_dim: int = 64, *, sequence_length: int = 24, embed_dim: int = 32, name: str = "text_encoder"
) -> keras.Model:
    """Token ids (``sequence_length``,) → embeddings (padding masked) → mean → ``output_dim`` features.

    >>> text_encoder(50, 8, sequence_length=6).output.shape
    (None, 8)
    """
    require_int("vocab_size", vocab_size, minimum=2)
    require_int("output_dim", output_dim, minimum=1)
    require_int("sequence_length", sequence_length, minimum=1)
    require_int("embed_dim", embed_dim, minimum=1)
    inputs = keras.Input((sequence_length,), dtype="int64", name="text")
    x = keras.layers.Embedding(vocab_size, embed_dim, mask_zero=True)(inputs)
    x = keras.layers.GlobalAveragePooling1D()(x)
    outputs = keras.layers.Dense(output_dim, activation="relu")(x)
    return keras.Model(inputs, outputs, name=name)


def build_classifier(
    modalities=MODALITIES, *, vocab_size: int = 200, sequence_length: int = 24, feature_dim: int = 64, n_classes: int = 10
) -> keras.Model:
    """Encoders for the chosen modalities, concatenated (early fusion), then an MLP head.

    Inputs are named ``image``, ``audio`` and ``text`` like ``data.make_tf_dataset``'s.

    >>> sorted(build_classifier(("image", "audio")).input.keys())
    ['audio', 'image']
    """
    if isinstance(modalities, str):
        modalities = (modalities,)
    if not modalities:
        raise ValueError(f"modalities must name at least one of {MODALITIES}")
    for m in modalities:
        require_choice("modalities", m, MODALITIES)
    require_int("n_classes", n_classes, minimum=2)
    encoders = {
        "image": lambda: image_encoder(feature_dim),
        "audio": lambda: audio_encoder(feature_dim),
        "text": lambda: text_encoder(vocab_size, feature_dim, sequence_length=sequence_length),
    }
    inputs, features = {}, []
    for m in modalities:
        enc = encoders[m]()
        inputs[m] = keras.Input(enc.input_shape[1:], dtype=enc.inputs[0].dtype, name=m)
        features.append(enc(inputs[m]))
    x = features[0] if len(features) == 1 else keras.layers.Concatenate()(features)
    x = keras.layers.Dense(128, activation="relu")(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="classifier_" + "_".join(modalities))
