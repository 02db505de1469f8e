"""Modality encoders and the classifiers built from them.

Each encoder is a Keras model from one modality's raw input to a feature vector or, with
``return_sequence=True``, to a sequence of feature vectors (image patches, audio frames,
caption tokens), so that the fusion chapters can plug them together.

* :func:`image_encoder`, :func:`audio_encoder`, :func:`text_encoder`: one per modality;
* :func:`audio_frontend`: waveforms to scaled log-mel frames (no weights);
* :func:`recurrent_encoder`: SimpleRNN, LSTM, GRU (optionally bidirectional) or a 1-D CNN
  over frames or tokens;
* :func:`source_cnn`: the source document's three-block CIFAR-10 network;
* :func:`build_classifier`: encoders concatenated, then an MLP head.

>>> enc = image_encoder(output_dim=16, filters=(8,))
>>> enc.output.shape
(None, 16)
"""

from __future__ import annotations

import keras

from .checks import require_bool, require_choice, require_int
from .data import AUDIO_LENGTH, IMAGE_SIZE, MODALITIES, SAMPLE_RATE

RNN_CELLS = ("simple", "lstm", "gru", "conv1d")


def _check_dims(output_dim, filters):
    require_int("output_dim", output_dim, minimum=1)
    if not isinstance(filters, (tuple, list)) or not filters:
        raise ValueError(f"filters must be a non-empty tuple of positive ints, got {filters!r}")
    for f in filters:
        require_int("filters", f, minimum=1)


def image_encoder(
    output_dim: int = 64, *, filters=(32, 64, 128), return_sequence: bool = False, name: str = "image_encoder"
) -> keras.Model:
    """uint8 images (32, 32, 3) → ``output_dim`` features: [Conv3×3 → ReLU → MaxPool] per filter count.

    With ``return_sequence=True`` the last feature map is returned as a sequence of patch
    vectors, one per spatial position: shape (positions, ``output_dim``).

    >>> image_encoder(8, filters=(4, 8)).count_params() > 0
    True
    >>> image_encoder(8, filters=(4, 8), return_sequence=True).output.shape  # 32 / 2 / 2 = 8 → 64 patches
    (None, 64, 8)
    """
    _check_dims(output_dim, filters)
    require_bool("return_sequence", return_sequence)
    if 2 ** len(filters) > IMAGE_SIZE:
        raise ValueError(f"filters must have at most 5 entries (each halves the 32-pixel image), got {len(filters)}")
    inputs = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3), name="image")
    x = keras.layers.Rescaling(1 / 255.0)(inputs)
    for f in filters:
        x = keras.layers.Conv2D(f, 3, padding="same", activation="relu")(x)
        x = keras.layers.MaxPooling2D(2)(x)
    if return_sequence:
        side = IMAGE_SIZE // 2 ** len(filters)
        x = keras.layers.Reshape((side * side, filters[-1]))(x)
    else:
        x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(output_dim, activation="relu")(x)
    return keras.Model(inputs, outputs, name=name)


def audio_frontend(
    n_mels: int = 32, *, frame_step: int = 128, fft_length: int = 256, name: str = "audio_frontend"
) -> keras.Model:
    """Waveforms (2048,) → log-mel frames (frames, ``n_mels``), decibels divided by 80.

    There are ``1 + 2048 // frame_step`` frames (centred windows). The model has no weights.

    >>> audio_frontend(16, frame_step=64).output.shape
    (None, 33, 16)
    """
    require_int("n_mels", n_mels, minimum=4, maximum=128)
    fft_length = require_int("fft_length", fft_length, minimum=16, maximum=AUDIO_LENGTH)
    require_int("frame_step", frame_step, minimum=1, maximum=fft_length)
    inputs = keras.Input((AUDIO_LENGTH,), name="audio")
    return keras.Model(inputs, _log_mel(inputs, n_mels, frame_step, fft_length), name=name)


def _log_mel(x, n_mels, frame_step, fft_length):
    x = keras.layers.MelSpectrogram(
        fft_length=fft_length,
        sequence_stride=frame_step,
        sampling_rate=SAMPLE_RATE,
        num_mel_bins=n_mels,
        max_freq=SAMPLE_RATE / 2,
    )(x)  # (mels, frames), in decibels
    x = keras.layers.Permute((2, 1))(x)  # (frames, mels)
    return keras.layers.Rescaling(1 / 80.0)(x)


def audio_encoder(
    output_dim: int = 64,
    *,
    n_mels: int = 32,
    filters=(32, 64),
    frame_step: int = 128,
    return_sequence: bool = False,
    name: str = "audio_encoder",
) -> keras.Model:
    """Waveforms (2048,) → log-mel frames (17, ``n_mels``) → Conv1D stack → ``output_dim`` features.

    With ``return_sequence=True`` one feature vector per frame: (frames, ``output_dim``).

    >>> audio_encoder(8, n_mels=16, filters=(8,)).output.shape
    (None, 8)
    >>> audio_encoder(8, n_mels=16, filters=(8,), return_sequence=True).output.shape
    (None, 17, 8)
    """
    _check_dims(output_dim, filters)
    require_bool("return_sequence", return_sequence)
    require_int("n_mels", n_mels, minimum=4, maximum=128)
    require_int("frame_step", frame_step, minimum=1, maximum=256)
    inputs = keras.Input((AUDIO_LENGTH,), name="audio")
    x = _log_mel(inputs, n_mels, frame_step, 256)
    for f in filters:
        x = keras.layers.Conv1D(f, 3, padding="same", activation="relu")(x)
    if not return_sequence:
        x = keras.layers.GlobalMaxPooling1D()(x)
    outputs = keras.layers.Dense(output_dim, activation="relu")(x)
    return keras.Model(inputs, outputs, name=name)


def text_encoder(
    vocab_size: int,
    output_dim: int = 64,
    *,
    sequence_length: int = 24,
    embed_dim: int = 32,
    return_sequence: bool = False,
    name: str = "text_encoder",
) -> keras.Model:
    """Token ids (``sequence_length``,) → embeddings (padding masked) → mean → ``output_dim`` features.

    With ``return_sequence=True`` one vector per token, (``sequence_length``, ``output_dim``),
    carrying the padding mask (id 0) to the layers that follow.

    >>> text_encoder(50, 8, sequence_length=6).output.shape
    (None, 8)
    >>> text_encoder(50, 8, sequence_length=6, return_sequence=True).output.shape
    (None, 6, 8)
    """
    require_int("vocab_size", vocab_size, minimum=2)
    require_int("output_dim", output_dim, minimum=1)
    require_int("sequence_length", sequence_length, minimum=1)
    require_int("embed_dim", embed_dim, minimum=1)
    require_bool("return_sequence", return_sequence)
    inputs = keras.Input((sequence_length,), dtype="int64", name="text")
    x = keras.layers.Embedding(vocab_size, embed_dim, mask_zero=True)(inputs)
    if not return_sequence:
        x = keras.layers.GlobalAveragePooling1D()(x)
    outputs = keras.layers.Dense(output_dim, activation="relu")(x)
    return keras.Model(inputs, outputs, name=name)


def recurrent_encoder(
    input_shape,
    *,
    cell: str = "lstm",
    units: int = 64,
    bidirectional: bool = False,
    return_sequences: bool = False,
    vocab_size: int | None = None,
    embed_dim: int = 32,
    name: str | None = None,
) -> keras.Model:
    """A sequence encoder: one recurrent layer (``cell`` "simple", "lstm", "gru") or a 1-D CNN ("conv1d").

    ``input_shape`` is ``(steps, features)`` for float frames (e.g. :func:`audio_frontend`'s
    output) or ``(steps,)`` for token ids, in which case ``vocab_size`` is required and an
    ``Embedding(mask_zero=True)`` makes the recurrent layer skip the padding (id 0).
    Returns the last state (``units``, doubled when ``bidirectional``), or every step's
    output with ``return_sequences=True``. The "conv1d" encoder (Conv1D of kernel 3, then
    global max pooling) is the non-recurrent baseline; it ignores masks and does not
    accept ``bidirectional``.

    >>> recurrent_encoder((17, 32), cell="gru", units=8).output.shape
    (None, 8)
    >>> recurrent_encoder((10,), vocab_size=50, cell="lstm", units=8, bidirectional=True).output.shape
    (None, 16)
    >>> recurrent_encoder((17, 32), cell="simple", units=4, return_sequences=True).output.shape
    (None, 17, 4)
    """
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) not in (1, 2):
        raise ValueError(f"input_shape must be (steps,) for tokens or (steps, features) for frames, got {input_shape!r}")
    for d in input_shape:
        require_int("input_shape", d, minimum=1)
    require_choice("cell", cell, RNN_CELLS)
    units = require_int("units", units, minimum=1)
    require_bool("bidirectional", bidirectional)
    require_bool("return_sequences", return_sequences)
    if cell == "conv1d" and bidirectional:
        raise ValueError("bidirectional must be False for cell='conv1d' (a convolution has no direction)")
    if len(input_shape) == 1:
        if vocab_size is None:
            raise ValueError("vocab_size must be given when input_shape is (steps,) token ids")
        require_int("vocab_size", vocab_size, minimum=2)
        require_int("embed_dim", embed_dim, minimum=1)
        inputs = keras.Input(tuple(input_shape), dtype="int64", name="tokens")
        x = keras.layers.Embedding(vocab_size, embed_dim, mask_zero=True)(inputs)
    else:
        if vocab_size is not None:
            raise ValueError("vocab_size must be None for (steps, features) frame inputs")
        inputs = keras.Input(tuple(input_shape), name="frames")
        x = inputs
    if cell == "conv1d":
        x = keras.layers.Conv1D(units, 3, padding="same", activation="relu")(x)
        outputs = x if return_sequences else keras.layers.GlobalMaxPooling1D()(x)
    else:
        layer_cls = {"simple": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[cell]
        layer = layer_cls(units, return_sequences=return_sequences)
        if bidirectional:
            layer = keras.layers.Bidirectional(layer)
        outputs = layer(x)
    return keras.Model(inputs, outputs, name=name or f"{'bi' if bidirectional else ''}{cell}_encoder")


def source_cnn(input_shape=(32, 32, 3), n_classes: int = 10, *, rescale: bool = True, name: str = "source_cnn"):
    """The source document's CIFAR-10 network: three [Conv 3×3 (valid) → ReLU → MaxPool 2×2]
    blocks with 32, 64 and 128 filters, Flatten, Dense 128 ReLU, Dense ``n_classes`` softmax.

    ``rescale=True`` puts a ``Rescaling(1/255)`` layer first (no parameters) so the model
    takes uint8 images; the source divides by 255 beforehand instead.

    >>> source_cnn().count_params()
    160202
    """
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape!r}")
    for d in input_shape:
        require_int("input_shape", d, minimum=1)
    if min(input_shape[:2]) < 22:
        raise ValueError(f"input_shape must be at least 22×22 pixels for three conv+pool blocks, got {input_shape!r}")
    require_int("n_classes", n_classes, minimum=2)
    require_bool("rescale", rescale)
    layers = [keras.Input(tuple(input_shape), name="image")]
    if rescale:
        layers.append(keras.layers.Rescaling(1 / 255.0, name="rescale"))
    for i, f in enumerate((32, 64, 128), start=1):
        layers.append(keras.layers.Conv2D(f, (3, 3), activation="relu", name=f"conv{i}"))
        layers.append(keras.layers.MaxPooling2D((2, 2), name=f"pool{i}"))
    layers += [
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(128, activation="relu", name="dense"),
        keras.layers.Dense(n_classes, activation="softmax", name="classes"),
    ]
    return keras.Sequential(layers, name=name)


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
