"""Standardization and augmentation per modality, and the ``tf.data`` pipeline builder.

* images: :func:`channel_stats`, :func:`make_image_normalizer`, :func:`make_image_augmenter`
  (Keras preprocessing layers), :func:`source_generator_layers` (the source's
  ``ImageDataGenerator`` settings as layers);
* audio: :func:`normalize_waveform`, :func:`stft_magnitude`, :func:`log_mel_spectrogram`,
  :func:`mfcc` (``tf.signal``), :func:`spec_augment`, :func:`add_noise`, :func:`time_shift`;
* text: :func:`make_text_vectorizer`, :func:`token_dropout`, :func:`token_swap`;
* :func:`build_pipeline`: cache → shuffle → batch → parallel map → prefetch.

Functions accept NumPy arrays or tensors. Eager inputs are checked in full (rank, dtype,
NaN/Inf) and bad ones raise ``ValueError``; symbolic tensors inside ``tf.data`` or
``tf.function`` are checked for rank and dtype only, since their values are not known yet.

>>> vec = make_text_vectorizer(["a red shape", "two high beeps"], sequence_length=4)
>>> vec(["a red beep"]).numpy().shape
(1, 4)
"""

from __future__ import annotations

import numpy as np

from .checks import require_array, require_bool, require_fraction, require_int

DEFAULT_SAMPLE_RATE = 8000


# --- argument checking for arrays and tensors -------------------------------------------


def _is_symbolic(x) -> bool:
    """True for graph tensors (inside tf.function / tf.data), whose values are unknown."""
    import tensorflow as tf

    return isinstance(x, tf.Tensor) and not hasattr(x, "numpy")


def _tensor(name: str, x, *, ndim, kind: str, finite: bool = True):
    """``x`` as a tensor after checking rank, dtype kind ("f" float, "i" integer) and values."""
    import tensorflow as tf

    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if _is_symbolic(x):
        rank = x.shape.rank
        if rank is not None and rank not in allowed:
            raise ValueError(f"{name} must have rank {' or '.join(map(str, allowed))}, got shape {x.shape}")
        ok = x.dtype.is_floating if kind == "f" else x.dtype.is_integer
        if not ok:
            want = "float" if kind == "f" else "integer"
            raise ValueError(f"{name} must have a {want} dtype, got {x.dtype.name}")
        return x
    arr = require_array(name, x, ndim=allowed, dtype_kind="f" if kind == "f" else "iu", finite=finite)
    if kind == "f":
        return tf.convert_to_tensor(arr if arr.dtype in (np.float32, np.float64) else arr.astype(np.float32))
    return tf.convert_to_tensor(arr.astype(np.int64))


def _seed_pair(seed):
    """A stateless-op seed ``[seed, 0]``, or None to use TensorFlow's global random state."""
    if seed is None:
        return None
    return [require_int("seed", seed, minimum=0), 0]


def _uniform(shape, seed, minval=0.0, maxval=1.0, dtype="float32"):
    import tensorflow as tf

    if seed is None:
        return tf.random.uniform(shape, minval, maxval, dtype=dtype)
    return tf.random.stateless_uniform(shape, seed=seed, minval=minval, maxval=maxval, dtype=dtype)


# --- images -----------------------------------------------------------------------------


def channel_stats(images, *, scale: float = 1 / 255.0):
    """Per-channel mean and standard deviation of ``images`` (n, H, W, C) after ``scale``.

    >>> mean, std = channel_stats(np.full((2, 4, 4, 3), 255, dtype=np.uint8))
    >>> mean.tolist(), std.tolist()
    ([1.0, 1.0, 1.0], [0.0, 0.0, 0.0])
    """
    arr = require_array("images", images, ndim=4, dtype_kind="fiu", finite=True)
    if arr.shape[0] == 0:
        raise ValueError("images must hold at least one image, got 0")
    if not isinstance(scale, (int, float)) or not scale > 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    x = arr.astype(np.float64) * scale
    return x.mean(axis=(0, 1, 2)), x.std(axis=(0, 1, 2))


def make_image_normalizer(images, *, scale: float = 1 / 255.0):
    """A Keras model that scales pixels by ``scale`` and standardizes each channel with a
    ``keras.layers.Normalization(axis=-1)`` adapted on ``images`` (zero mean, unit variance).

    >>> rng = np.random.default_rng(0)
    >>> imgs = rng.integers(0, 256, (8, 4, 4, 3)).astype(np.uint8)
    >>> out = make_image_normalizer(imgs)(imgs).numpy()
    >>> bool(abs(out.mean()) < 1e-3), bool(abs(out.std() - 1) < 1e-2)
    (True, True)
    """
    import keras

    arr = require_array("images", images, ndim=4, dtype_kind="fiu", finite=True)
    if arr.shape[0] == 0:
        raise ValueError("images must hold at least one image to adapt on, got 0")
    if not isinstance(scale, (int, float)) or not scale > 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    norm = keras.layers.Normalization(axis=-1, name="per_channel_normalization")
    norm.adapt(arr.astype(np.float32) * np.float32(scale))
    return keras.Sequential(
        [keras.Input(arr.shape[1:]), keras.layers.Rescaling(scale, name="pixel_scaling"), norm],
        name="image_normalizer",
    )


def make_image_augmenter(
    *,
    flip: bool = True,
    rotation: float = 0.05,
    translation: float = 0.1,
    zoom: float = 0.1,
    contrast: float = 0.2,
    fill_mode: str = "nearest",
    seed: int | None = None,
):
    """Keras preprocessing layers that augment image batches (active in training only,
    or when called with ``training=True``). ``rotation`` is a fraction of a full turn,
    ``translation`` and ``zoom`` fractions of the image size; 0 leaves that layer out.

    >>> aug = make_image_augmenter(seed=0)
    >>> aug(np.zeros((2, 32, 32, 3), dtype="float32"), training=True).shape
    TensorShape([2, 32, 32, 3])
    """
    import keras

    from .checks import require_choice

    require_bool("flip", flip)
    rotation, translation, zoom, contrast = (
        require_fraction(n, v) for n, v in
        (("rotation", rotation), ("translation", translation), ("zoom", zoom), ("contrast", contrast))
    )
    require_choice("fill_mode", fill_mode, ("nearest", "reflect", "wrap", "constant"))
    if seed is not None:
        seed = require_int("seed", seed, minimum=0)
    layers = []
    if flip:
        layers.append(keras.layers.RandomFlip("horizontal", seed=seed))
    if rotation:
        layers.append(keras.layers.RandomRotation(rotation, fill_mode=fill_mode, seed=seed))
    if translation:
        layers.append(keras.layers.RandomTranslation(translation, translation, fill_mode=fill_mode, seed=seed))
    if zoom:
        layers.append(keras.layers.RandomZoom(zoom, fill_mode=fill_mode, seed=seed))
    if contrast:
        layers.append(keras.layers.RandomContrast(contrast, seed=seed))
    return keras.Sequential(layers, name="image_augmenter")


def _affine_augment_layer_class():
    import keras
    import tensorflow as tf

    class FusedAffineAugmentation(keras.layers.Layer):
        """Random rotation, translation and horizontal flip composed into one affine matrix per
        image and applied in a single resampling (one interpolation instead of one per layer)."""

        def __init__(self, rotation=20 / 360, translation=0.2, flip=True, fill_mode="nearest", seed=None, **kwargs):
            super().__init__(**kwargs)
            self.rotation, self.translation, self.flip = float(rotation), float(translation), bool(flip)
            self.fill_mode, self.seed = fill_mode, seed

        def call(self, images, training=None):
            if not training:
                return images
            x = tf.convert_to_tensor(images)
            n = tf.shape(x)[0]
            h, w = tf.cast(tf.shape(x)[1], tf.float32), tf.cast(tf.shape(x)[2], tf.float32)
            u = tf.random.uniform([4, n], seed=self.seed)
            angle = (2 * u[0] - 1) * self.rotation * 2 * np.pi
            tx, ty = (2 * u[1] - 1) * self.translation * w, (2 * u[2] - 1) * self.translation * h
            mirror = tf.where(u[3] < 0.5, -1.0, 1.0) if self.flip else tf.ones([n])
            cos, sin = tf.cos(angle), tf.sin(angle)
            cx, cy = (w - 1) / 2, (h - 1) / 2
            # maps each output pixel to the input pixel it samples: mirror, rotate about the centre, shift
            a0, a1, b0, b1 = cos * mirror, -sin, sin * mirror, cos
            a2, b2 = cx - a0 * cx - a1 * cy - tx, cy - b0 * cx - b1 * cy - ty
            zeros = tf.zeros([n])
            transforms = tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)
            out = tf.raw_ops.ImageProjectiveTransformV3(
                images=tf.cast(x, tf.float32), transforms=transforms, output_shape=tf.shape(x)[1:3],
                interpolation="BILINEAR", fill_mode=self.fill_mode.upper(), fill_value=0.0,
            )
            return tf.cast(out, x.dtype)

        def compute_output_shape(self, input_shape):
            return input_shape

        def get_config(self):
            return {**super().get_config(), "rotation": self.rotation, "translation": self.translation,
                    "flip": self.flip, "fill_mode": self.fill_mode, "seed": self.seed}

    return FusedAffineAugmentation


def fused_affine_augmentation(
    *, rotation: float = 20 / 360, translation: float = 0.2, flip: bool = True, seed: int | None = None
):
    """One Keras layer doing what ``RandomRotation`` → ``RandomTranslation`` → ``RandomFlip``
    do, but composing the three into one affine matrix per image and resampling once: about
    half the work, and one interpolation blur instead of two. TensorFlow backend only.

    >>> layer = fused_affine_augmentation(seed=0)
    >>> x = np.random.default_rng(0).random((2, 8, 8, 3)).astype("float32")
    >>> layer(x, training=True).shape, bool(np.allclose(layer(x, training=False), x))
    (TensorShape([2, 8, 8, 3]), True)
    """
    rotation, translation = require_fraction("rotation", rotation), require_fraction("translation", translation)
    require_bool("flip", flip)
    if seed is not None:
        seed = require_int("seed", seed, minimum=0)
    return _affine_augment_layer_class()(rotation, translation, flip, seed=seed, name="fused_affine_augmentation")


def source_generator_layers(*, seed: int | None = None):
    """The source's ``ImageDataGenerator(rotation_range=20, width_shift_range=0.2,
    height_shift_range=0.2, horizontal_flip=True)`` as preprocessing layers: rotation by up to
    ±20° (a factor of 20/360 of a turn), shifts by up to ±20 % and a horizontal flip, filling
    with the nearest pixel as the generator does.

    >>> [layer.__class__.__name__ for layer in source_generator_layers().layers]
    ['RandomRotation', 'RandomTranslation', 'RandomFlip']
    """
    import keras

    if seed is not None:
        seed = require_int("seed", seed, minimum=0)
    return keras.Sequential(
        [
            keras.layers.RandomRotation(20 / 360, fill_mode="nearest", seed=seed),
            keras.layers.RandomTranslation(0.2, 0.2, fill_mode="nearest", seed=seed),
            keras.layers.RandomFlip("horizontal", seed=seed),
        ],
        name="source_augmentation",
    )


# --- audio ------------------------------------------------------------------------------


def normalize_waveform(waveforms, *, mode: str = "peak", eps: float = 1e-8):
    """Scale each clip (last axis) to peak amplitude 1 (``"peak"``) or RMS 1 (``"rms"``).
    Silent clips stay silent instead of dividing by zero.

    >>> normalize_waveform(np.array([[0.0, 0.5, -0.25]])).numpy().tolist()
    [[0.0, 1.0, -0.5]]
    """
    import tensorflow as tf

    from .checks import require_choice

    require_choice("mode", mode, ("peak", "rms"))
    x = _tensor("waveforms", waveforms, ndim=(1, 2), kind="f")
    if mode == "peak":
        level = tf.reduce_max(tf.abs(x), axis=-1, keepdims=True)
    else:
        level = tf.sqrt(tf.reduce_mean(tf.square(x), axis=-1, keepdims=True))
    return tf.where(level > eps, x / tf.maximum(level, eps), tf.zeros_like(x))


def stft_magnitude(waveforms, *, frame_length: int = 256, frame_step: int = 128, fft_length: int = 256):
    """Magnitude of the short-time Fourier transform: (..., samples) → (..., frames, fft_length // 2 + 1).

    >>> stft_magnitude(np.zeros((2, 2048), dtype="float32")).shape
    TensorShape([2, 15, 129])
    """
    import tensorflow as tf

    frame_length = require_int("frame_length", frame_length, minimum=2)
    frame_step = require_int("frame_step", frame_step, minimum=1)
    fft_length = require_int("fft_length", fft_length, minimum=frame_length)
    x = _tensor("waveforms", waveforms, ndim=(1, 2), kind="f")
    if x.shape[-1] is not None and x.shape[-1] < frame_length:
        raise ValueError(f"waveforms must have at least frame_length={frame_length} samples, got {x.shape[-1]}")
    return tf.abs(tf.signal.stft(tf.cast(x, tf.float32), frame_length, frame_step, fft_length))


def log_mel_spectrogram(
    waveforms,
    *,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    n_mels: int = 32,
    frame_length: int = 256,
    frame_step: int = 128,
    fmin: float = 20.0,
    fmax: float | None = None,
    eps: float = 1e-6,
):
    """log(mel-weighted |STFT|² + eps): (..., samples) → (..., frames, n_mels).

    The mel matrix comes from ``tf.signal.linear_to_mel_weight_matrix``; ``fmax`` defaults
    to the Nyquist frequency ``sample_rate / 2``.

    >>> log_mel_spectrogram(np.zeros((1, 2048), dtype="float32"), n_mels=16).shape
    TensorShape([1, 15, 16])
    """
    import tensorflow as tf

    sample_rate = require_int("sample_rate", sample_rate, minimum=2)
    n_mels = require_int("n_mels", n_mels, minimum=1)
    fmax = sample_rate / 2 if fmax is None else fmax
    if not (isinstance(fmin, (int, float)) and isinstance(fmax, (int, float)) and 0 <= fmin < fmax <= sample_rate / 2):
        raise ValueError(f"fmin and fmax must satisfy 0 <= fmin < fmax <= {sample_rate / 2}, got {fmin}, {fmax}")
    power = tf.square(stft_magnitude(waveforms, frame_length=frame_length, frame_step=frame_step))
    weights = tf.signal.linear_to_mel_weight_matrix(
        num_mel_bins=n_mels,
        num_spectrogram_bins=power.shape[-1],
        sample_rate=sample_rate,
        lower_edge_hertz=float(fmin),
        upper_edge_hertz=float(fmax),
    )
    mel = tf.tensordot(power, weights, axes=1)
    return tf.math.log(mel + eps)


def mfcc(waveforms, *, n_mfcc: int = 13, **mel_kwargs):
    """Mel-frequency cepstral coefficients: the DCT of the log-mel spectrogram, keeping the
    first ``n_mfcc`` coefficients: (..., samples) → (..., frames, n_mfcc). ``mel_kwargs`` go to
    :func:`log_mel_spectrogram`.

    >>> mfcc(np.zeros((3, 2048), dtype="float32"), n_mfcc=10).shape
    TensorShape([3, 15, 10])
    """
    import tensorflow as tf

    n_mels = mel_kwargs.get("n_mels", 32)
    n_mfcc = require_int("n_mfcc", n_mfcc, minimum=1, maximum=n_mels)
    log_mel = log_mel_spectrogram(waveforms, **mel_kwargs)
    return tf.signal.mfccs_from_log_mel_spectrograms(log_mel)[..., :n_mfcc]


def _masks(n_rows, length, n_masks, max_width, seed, salt):
    """(n_rows, length) boolean: True inside ``n_masks`` random bands of width < ``max_width``."""
    import tensorflow as tf

    positions = tf.range(length)[None, :]
    masked = tf.zeros((n_rows, length), dtype=tf.bool)
    for k in range(n_masks):
        s1 = None if seed is None else [seed[0], 2 * (salt + 7 * k) + 1]
        s2 = None if seed is None else [seed[0], 2 * (salt + 7 * k) + 2]
        width = tf.minimum(_uniform((n_rows, 1), s1, 0, max_width + 1, dtype=tf.int32), length)
        room = tf.cast(length - width + 1, tf.float32)
        start = tf.cast(tf.floor(_uniform((n_rows, 1), s2) * room), tf.int32)
        masked = masked | ((positions >= start) & (positions < start + width))
    return masked


def spec_augment(
    spectrograms,
    *,
    time_masks: int = 2,
    max_time_width: int = 3,
    freq_masks: int = 2,
    max_freq_width: int = 4,
    mask_value: float | None = None,
    seed: int | None = None,
):
    """SpecAugment (Park et al., 2019) without time warping: blank out ``time_masks`` bands of
    up to ``max_time_width`` frames and ``freq_masks`` bands of up to ``max_freq_width`` bins in
    each (frames, bins) spectrogram, filling with ``mask_value`` (default: that spectrogram's mean).

    >>> spec = np.ones((2, 15, 32), dtype="float32")
    >>> out = spec_augment(spec, mask_value=0.0, seed=1).numpy()
    >>> out.shape, bool((out == 0).any()), bool((out == 1).any())
    ((2, 15, 32), True, True)
    """
    import tensorflow as tf

    for name, v in (("time_masks", time_masks), ("max_time_width", max_time_width),
                    ("freq_masks", freq_masks), ("max_freq_width", max_freq_width)):
        require_int(name, v, minimum=0)
    if mask_value is not None and not isinstance(mask_value, (int, float)):
        raise ValueError(f"mask_value must be a number or None, got {mask_value!r}")
    x = _tensor("spectrograms", spectrograms, ndim=(2, 3), kind="f")
    single = x.shape.rank == 2
    if single:
        x = x[None]
    seed = _seed_pair(seed)
    shape = tf.shape(x)
    n, frames, bins = shape[0], shape[1], shape[2]
    t_mask = _masks(n, frames, time_masks, max_time_width, seed, salt=0)  # (n, frames)
    f_mask = _masks(n, bins, freq_masks, max_freq_width, seed, salt=1)  # (n, bins)
    mask = t_mask[:, :, None] | f_mask[:, None, :]
    fill = tf.reduce_mean(x, axis=(1, 2), keepdims=True) if mask_value is None else tf.cast(mask_value, x.dtype)
    out = tf.where(mask, fill * tf.ones_like(x), x)
    return out[0] if single else out


def add_noise(waveforms, *, snr_db: float = 20.0, seed: int | None = None):
    """Add white Gaussian noise at a signal-to-noise ratio of ``snr_db`` decibels per clip.

    >>> clean = np.sin(np.linspace(0, 100, 2048, dtype="float32"))[None]
    >>> noisy = add_noise(clean, snr_db=10.0, seed=0).numpy()
    >>> snr = 10 * np.log10((clean ** 2).mean() / ((noisy - clean) ** 2).mean())
    >>> bool(abs(snr - 10) < 0.5)
    True
    """
    import tensorflow as tf

    if isinstance(snr_db, bool) or not isinstance(snr_db, (int, float)) or not np.isfinite(snr_db):
        raise ValueError(f"snr_db must be a finite number of decibels, got {snr_db!r}")
    x = _tensor("waveforms", waveforms, ndim=(1, 2), kind="f")
    seed = _seed_pair(seed)
    power = tf.reduce_mean(tf.square(x), axis=-1, keepdims=True)
    noise_power = power / (10.0 ** (snr_db / 10.0))
    if seed is None:
        noise = tf.random.normal(tf.shape(x), dtype=x.dtype)
    else:
        noise = tf.random.stateless_normal(tf.shape(x), seed=seed, dtype=x.dtype)
    return x + noise * tf.sqrt(noise_power)


def time_shift(waveforms, *, max_shift: int = 400, seed: int | None = None):
    """Roll each clip by a random number of samples in [-max_shift, max_shift] (circularly).

    >>> time_shift(np.arange(8, dtype="float32")[None], max_shift=3, seed=0).numpy().shape
    (1, 8)
    """
    import tensorflow as tf

    max_shift = require_int("max_shift", max_shift, minimum=0)
    x = _tensor("waveforms", waveforms, ndim=(1, 2), kind="f")
    single = x.shape.rank == 1
    if single:
        x = x[None]
    n, length = tf.shape(x)[0], tf.shape(x)[1]
    shift = _uniform((n, 1), _seed_pair(seed), -max_shift, max_shift + 1, dtype=tf.int32)
    idx = tf.math.floormod(tf.range(length)[None, :] - shift, length)
    out = tf.gather(x, idx, batch_dims=1)
    return out[0] if single else out


# --- text -------------------------------------------------------------------------------


def make_text_vectorizer(texts, *, max_tokens: int = 200, sequence_length: int = 24):
    """A ``keras.layers.TextVectorization`` adapted on ``texts``: lower-cased, punctuation
    stripped, padded with 0 and with unknown words mapped to 1 (``[UNK]``).

    >>> vec = make_text_vectorizer(["one low beep"], sequence_length=5)
    >>> vec.get_vocabulary()[:2]
    ['', '[UNK]']
    """
    import keras

    arr = require_array("texts", texts, ndim=1)
    if arr.size == 0:
        raise ValueError("texts must contain at least one string to adapt the vocabulary on")
    arr = require_array("texts", arr, dtype_kind="UO")
    if not all(isinstance(t, str) for t in arr.tolist()):
        raise ValueError("texts must contain only str values")
    if not any(t.strip() for t in arr.tolist()):
        raise ValueError("texts must contain at least one word; every string given is empty or blank")
    max_tokens = require_int("max_tokens", max_tokens, minimum=3)
    sequence_length = require_int("sequence_length", sequence_length, minimum=1)
    vectorizer = keras.layers.TextVectorization(
        max_tokens=max_tokens, output_mode="int", output_sequence_length=sequence_length
    )
    vectorizer.adapt(np.asarray(arr, dtype=str))
    return vectorizer


def _token_ids(name, token_ids):
    x = _tensor(name, token_ids, ndim=(1, 2), kind="i")
    if not _is_symbolic(x) and bool((x.numpy() < 0).any()):
        raise ValueError(f"{name} must hold non-negative token ids (0 = padding), found negative values")
    return x


def token_dropout(token_ids, *, rate: float = 0.1, seed: int | None = None):
    """Drop each non-padding token with probability ``rate`` and close the gaps, so the
    sequence stays left-aligned and padded with 0 to the same length.

    >>> token_dropout(np.array([[5, 6, 7, 0]]), rate=0.0).numpy().tolist()
    [[5, 6, 7, 0]]
    >>> token_dropout(np.array([[5, 6, 7, 0]]), rate=1.0).numpy().tolist()
    [[0, 0, 0, 0]]
    """
    import tensorflow as tf

    rate = require_fraction("rate", rate)
    x = _token_ids("token_ids", token_ids)
    single = x.shape.rank == 1
    if single:
        x = x[None]
    keep = (x != 0) & (_uniform(tf.shape(x), _seed_pair(seed)) >= rate)
    out = tf.ragged.boolean_mask(x, keep).to_tensor(default_value=0, shape=tf.shape(x))
    return out[0] if single else out


def token_swap(token_ids, *, rate: float = 0.1, seed: int | None = None):
    """Swap neighbouring non-padding tokens: each position starts a swap with its right
    neighbour with probability ``rate`` (overlapping swaps are skipped). Same tokens, new order.

    >>> token_swap(np.array([[5, 6, 7, 0]]), rate=0.0).numpy().tolist()
    [[5, 6, 7, 0]]
    >>> sorted(token_swap(np.array([5, 6, 7, 8]), rate=0.5, seed=0).numpy().tolist())
    [5, 6, 7, 8]
    """
    import tensorflow as tf

    rate = require_fraction("rate", rate)
    x = _token_ids("token_ids", token_ids)
    single = x.shape.rank == 1
    if single:
        x = x[None]
    n, length = tf.shape(x)[0], tf.shape(x)[1]
    valid = x != 0
    both = valid & tf.concat([valid[:, 1:], tf.zeros((n, 1), tf.bool)], axis=1)  # i and i+1 are tokens
    cand = both & (_uniform(tf.shape(x), _seed_pair(seed)) < rate)
    prev = tf.concat([tf.zeros((n, 1), tf.bool), cand[:, :-1]], axis=1)
    start = cand & ~prev  # no two swaps share a token
    start_prev = tf.concat([tf.zeros((n, 1), tf.bool), start[:, :-1]], axis=1)
    pos = tf.broadcast_to(tf.range(length)[None, :], tf.shape(x))
    idx = tf.where(start, pos + 1, tf.where(start_prev, pos - 1, pos))
    out = tf.gather(x, idx, batch_dims=1)
    return out[0] if single else out


# --- tf.data ----------------------------------------------------------------------------


def build_pipeline(
    inputs,
    targets=None,
    *,
    batch_size: int = 64,
    map_fn=None,
    shuffle: bool = True,
    cache: bool = True,
    prefetch: bool = True,
    drop_remainder: bool = False,
    seed: int = 0,
):
    """A ``tf.data`` input pipeline: from tensors → cache → shuffle → batch → ``map_fn``
    on whole batches with parallel calls (vectorized augmentation, applied anew every
    epoch because it comes after the cache) → prefetch.

    ``inputs`` is an array or a dict of arrays (one per modality) with equal first
    dimensions; ``map_fn(x, y)`` (or ``map_fn(x)`` without targets) returns the new element.

    >>> ds = build_pipeline(np.zeros((10, 4), dtype="float32"), np.arange(10), batch_size=4)
    >>> [int(x.shape[0]) for x, _ in ds]
    [4, 4, 2]
    """
    import tensorflow as tf

    batch_size = require_int("batch_size", batch_size, minimum=1)
    seed = require_int("seed", seed, minimum=0)
    for name, flag in (("shuffle", shuffle), ("cache", cache), ("prefetch", prefetch),
                       ("drop_remainder", drop_remainder)):
        require_bool(name, flag)
    if map_fn is not None and not callable(map_fn):
        raise ValueError(f"map_fn must be callable or None, got {type(map_fn).__name__}")
    arrays = inputs if isinstance(inputs, dict) else {"": inputs}
    if not arrays:
        raise ValueError("inputs must hold at least one array")
    lengths = {}
    for key, value in arrays.items():
        arr = np.asarray(value)
        if arr.ndim == 0:
            raise ValueError(f"inputs{'[' + repr(key) + ']' if key else ''} must be an array of samples, got a scalar")
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            raise ValueError(f"inputs{'[' + repr(key) + ']' if key else ''} must be finite: clean NaN/Inf first")
        lengths[key] = arr.shape[0]
    if targets is not None:
        lengths["targets"] = np.asarray(targets).shape[0] if np.ndim(targets) else -1
    if len(set(lengths.values())) != 1 or min(lengths.values()) < 1:
        raise ValueError(f"inputs and targets must have the same number (>= 1) of samples, got {lengths}")
    n = next(iter(lengths.values()))
    data = inputs if targets is None else (inputs, np.asarray(targets))
    ds = tf.data.Dataset.from_tensor_slices(data)
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(min(n, 10_000), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    if map_fn is not None:
        ds = ds.map(map_fn, num_parallel_calls=tf.data.AUTOTUNE)
    if prefetch:
        ds = ds.prefetch(tf.data.AUTOTUNE)
    return ds
