"""The embedded multimodal dataset, splits, ``tf.data`` input pipelines and CIFAR-10.

Every sample is a small scene seen, heard and described:

* **image** (32×32 RGB): a coloured *shape* (circle, square, triangle, cross, ring),
  small or large, in one of five positions, on a noisy background;
* **audio** (0.256 s at 8 kHz): one to three *beeps* whose *pitch* is low or high, with
  a pure or buzzy timbre, a random onset and background noise. In 40 % of the clips the
  beeps are muffled into pitchless noise bursts: you hear them but not their pitch;
* **caption** (text): describes the colour, size and position of the shape and how many
  beeps there are. It never names the shape; it names the pitch in 60 % of the captions
  (always truthfully), including every sample whose audio is muffled.

The label (10 classes) is ``shape × pitch`` ("circle/low", "circle/high", ...).
The image alone tells the shape but never the pitch: at most 50 % accuracy. The audio
or the caption alone tells the pitch of 60 % of the samples but never the shape: at most
20 %. Image and audio together reach 80 %, image and caption 80 %, and only a model
that uses all three modalities, taking the pitch from whichever one carries it, reaches
100 %.

>>> ds = make_multimodal_dataset(100, seed=0)
>>> ds.images.shape, ds.audio.shape, len(ds.captions), ds.labels.shape
((100, 32, 32, 3), (100, 2048), 100, (100,))
>>> ds.class_names[:2]
('circle/low', 'circle/high')
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import pickle
import socket
import tarfile
import time
from pathlib import Path

import numpy as np

from .checks import require_bool, require_choice, require_fraction, require_int

IMAGE_SIZE = 32
SAMPLE_RATE = 8000
AUDIO_LENGTH = 2048
MODALITIES = ("image", "audio", "text")

SHAPES = ("circle", "square", "triangle", "cross", "ring")
COLOURS = ("red", "green", "blue", "yellow", "purple", "white")
COLOUR_RGB = np.array(
    [[220, 45, 45], [45, 175, 70], [60, 90, 230], [230, 205, 40], [160, 70, 205], [235, 235, 235]],
    dtype=np.float32,
)
SIZES = ("small", "large")
POSITIONS = ("top left", "top right", "bottom left", "bottom right", "centre")
POSITION_XY = np.array([[9, 9], [23, 9], [9, 23], [23, 23], [16, 16]], dtype=np.float32)
PITCHES = ("low", "high")
TIMBRES = ("pure", "buzzy")
PITCH_WORDS = {0: ("low", "deep", "low-pitched"), 1: ("high", "shrill", "high-pitched")}
PITCH_CUES = ("audio only", "caption only", "both")
PITCH_CUE_PROBS = (0.4, 0.4, 0.2)
NUMBER_WORDS = ("one", "two", "three")
CLASS_NAMES = tuple(f"{s}/{p}" for s in SHAPES for p in PITCHES)
CORRUPTION_KINDS = (
    "nan_audio",
    "silent_audio",
    "blank_image",
    "saturated_image",
    "empty_caption",
    "garbled_caption",
    "duplicate",
)
ATTRIBUTE_VALUES = {
    "shape": SHAPES,
    "colour": COLOURS,
    "size": SIZES,
    "position": POSITIONS,
    "pitch": PITCHES,
    "beeps": ("1", "2", "3"),
    "timbre": TIMBRES,
    "pitch_cue": PITCH_CUES,
}


@dataclasses.dataclass
class MultimodalDataset:
    """Arrays of one embedded multimodal dataset; index it with :meth:`subset`.

    Attributes: ``images`` (n, 32, 32, 3) uint8, ``audio`` (n, 2048) float32 at
    ``sample_rate`` Hz, ``captions`` (n,) str, ``labels`` (n,) int64 (possibly noisy),
    ``clean_labels`` (the labels before noise), ``class_names``, ``attributes`` (dict of
    (n,) int arrays; ``ATTRIBUTE_VALUES`` names each code), and the masks
    ``corrupted_mask``, ``missing_mask``, ``noisy_label_mask`` with ``corruption_kind``
    and ``missing_modality`` (``""`` where none).

    >>> ds = make_multimodal_dataset(10, seed=1)
    >>> len(ds.subset([0, 1, 2]))
    3
    """

    images: np.ndarray
    audio: np.ndarray
    captions: np.ndarray
    labels: np.ndarray
    clean_labels: np.ndarray
    attributes: dict
    corrupted_mask: np.ndarray
    corruption_kind: np.ndarray
    missing_mask: np.ndarray
    missing_modality: np.ndarray
    noisy_label_mask: np.ndarray
    sample_rate: int = SAMPLE_RATE
    class_names: tuple = CLASS_NAMES
    seed: int = 0

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def subset(self, indices) -> MultimodalDataset:
        """A new dataset with the samples at ``indices`` (ints or a boolean mask)."""
        idx = np.asarray(indices)
        if idx.dtype == bool:
            if idx.shape != (len(self),):
                raise ValueError(f"indices as a mask must have shape ({len(self)},), got {idx.shape}")
            idx = np.flatnonzero(idx)
        elif idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise ValueError(f"indices must be a 1-D array of ints or a boolean mask, got {idx.dtype} {idx.shape}")
        if idx.size and (idx.min() < -len(self) or idx.max() >= len(self)):
            raise ValueError(f"indices must lie in [0, {len(self)}), got values from {idx.min()} to {idx.max()}")
        fields = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                value = value[idx]
            elif f.name == "attributes":
                value = {k: v[idx] for k, v in value.items()}
            fields[f.name] = value
        return MultimodalDataset(**fields)

    def sample(self, i: int) -> dict:
        """One sample as a dict of its modalities, label and attribute names."""
        i = require_int("i", i, minimum=0, maximum=len(self) - 1)
        return {
            "image": self.images[i],
            "audio": self.audio[i],
            "caption": str(self.captions[i]),
            "label": int(self.labels[i]),
            "class_name": self.class_names[int(self.labels[i])],
            "attributes": {k: ATTRIBUTE_VALUES[k][int(v[i])] for k, v in self.attributes.items()},
        }

    def inputs(self, modalities=MODALITIES) -> dict:
        """The model inputs as a dict ``{"image": ..., "audio": ..., "text": ...}``."""
        modalities = _check_modalities(modalities)
        arrays = {"image": self.images, "audio": self.audio, "text": self.captions}
        return {m: arrays[m] for m in modalities}

    def summary(self) -> str:
        """A short text report: size, class counts and the masks."""
        counts = np.bincount(self.labels, minlength=len(self.class_names))
        lines = [
            f"MultimodalDataset: {len(self)} samples, {len(self.class_names)} classes, seed {self.seed}",
            f"  image {self.images.shape[1:]} {self.images.dtype} · audio {self.audio.shape[1]} samples "
            f"@ {self.sample_rate} Hz · captions {len(self.captions)}",
            f"  class counts: min {counts.min()}, max {counts.max()}",
            f"  corrupted {int(self.corrupted_mask.sum())} · missing a modality {int(self.missing_mask.sum())}"
            f" · noisy labels {int(self.noisy_label_mask.sum())}",
        ]
        return "\n".join(lines)


def _check_modalities(modalities) -> tuple:
    if isinstance(modalities, str):
        modalities = (modalities,)
    modalities = tuple(modalities)
    if not modalities:
        raise ValueError(f"modalities must name at least one of {MODALITIES}, got an empty sequence")
    for m in modalities:
        require_choice("modalities", m, MODALITIES)
    return modalities


def _class_counts(n: int, imbalance: float, n_classes: int) -> np.ndarray:
    """Counts per class: geometric, the rarest class (1 - 0.99·imbalance) times the commonest."""
    ratio = 1.0 - 0.99 * imbalance
    weights = ratio ** (np.arange(n_classes) / (n_classes - 1))
    raw = n * weights / weights.sum()
    counts = np.floor(raw).astype(int)
    counts[np.argsort(raw - counts)[::-1][: n - counts.sum()]] += 1
    return counts


def _pick(rng: np.random.Generator, n: int, fraction: float, pool: np.ndarray | None = None) -> np.ndarray:
    """Exactly round(fraction·n) distinct indices, drawn from ``pool`` (default all)."""
    pool = np.arange(n) if pool is None else pool
    k = min(int(round(fraction * n)), len(pool))
    return np.sort(rng.choice(pool, size=k, replace=False)) if k else np.zeros(0, dtype=int)


def render_images(shape, colour, size, position, rng: np.random.Generator, chunk: int = 2048) -> np.ndarray:
    """Draw shapes as (n, 32, 32, 3) uint8 images from integer attribute codes.

    >>> rng = np.random.default_rng(0)
    >>> render_images([0], [0], [1], [4], rng).shape
    (1, 32, 32, 3)
    """
    shape, colour, size, position = (np.asarray(a) for a in (shape, colour, size, position))
    n = shape.shape[0]
    out = np.empty((n, IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
    grid = np.arange(IMAGE_SIZE, dtype=np.float32) + 0.5
    for start in range(0, n, chunk):
        sl = slice(start, min(n, start + chunk))
        m = sl.stop - sl.start
        centre = POSITION_XY[position[sl]] + rng.uniform(-2.0, 2.0, size=(m, 2)).astype(np.float32)
        radius = np.where(size[sl] == 1, 8.5, 5.0).astype(np.float32) + rng.uniform(-0.7, 0.7, m).astype(np.float32)
        dx = grid[None, None, :] - centre[:, 0, None, None]
        dy = grid[None, :, None] - centre[:, 1, None, None]
        r = radius[:, None, None]
        dist2 = dx * dx + dy * dy
        ax, ay = np.abs(dx), np.abs(dy)
        masks = np.stack(
            [
                dist2 <= r * r,  # circle
                np.maximum(ax, ay) <= 0.8 * r,  # square
                (dy <= 0.8 * r) & (2.0 * ax <= dy + r),  # triangle, apex up
                ((ax <= 0.3 * r) & (ay <= r)) | ((ay <= 0.3 * r) & (ax <= r)),  # cross
                (dist2 <= r * r) & (dist2 >= (0.55 * r) ** 2),  # ring
            ]
        )
        mask = masks[shape[sl], np.arange(m)]
        background = rng.uniform(20, 90, size=(m, 1, 1, 3)).astype(np.float32)
        img = background + rng.standard_normal((m, IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.float32) * 12.0
        fg = COLOUR_RGB[colour[sl]][:, None, None, :] * rng.uniform(0.85, 1.1, size=(m, 1, 1, 1)).astype(np.float32)
        img = np.where(mask[..., None], fg + img * 0.2, img)
        out[sl] = np.clip(img, 0, 255).astype(np.uint8)
    return out


def synthesize_audio(pitch, beeps, timbre, audible, rng: np.random.Generator, chunk: int = 4096) -> np.ndarray:
    """Beeps as (n, 2048) float32 waveforms in [-1, 1] from integer attribute codes.

    ``pitch`` 0 is low (250–450 Hz), 1 is high (1000–1600 Hz); ``beeps`` 0, 1, 2 mean one,
    two or three beeps; ``timbre`` 1 adds harmonics; where ``audible`` is 0 the beeps are
    noise bursts with no pitch at all.

    >>> synthesize_audio([1], [2], [0], [1], np.random.default_rng(0)).shape
    (1, 2048)
    """
    pitch, beeps, timbre, audible = (np.asarray(a) for a in (pitch, beeps, timbre, audible))
    n = pitch.shape[0]
    t = np.arange(AUDIO_LENGTH, dtype=np.float32) / SAMPLE_RATE
    envelopes = np.zeros((3, AUDIO_LENGTH), dtype=np.float32)
    for b in range(3):
        count, beep_len, gap = b + 1, 380, 200
        for k in range(count):
            start = k * (beep_len + gap)
            ramp = np.sin(np.linspace(0, np.pi, beep_len, dtype=np.float32))
            envelopes[b, start : start + beep_len] = ramp
    out = np.empty((n, AUDIO_LENGTH), dtype=np.float32)
    idx = np.arange(AUDIO_LENGTH)
    for start in range(0, n, chunk):
        sl = slice(start, min(n, start + chunk))
        m = sl.stop - sl.start
        f0 = np.where(pitch[sl] == 1, rng.uniform(1000, 1600, m), rng.uniform(250, 450, m)).astype(np.float32)
        phase = 2 * np.pi * f0[:, None] * t[None, :] + rng.uniform(0, 2 * np.pi, (m, 1)).astype(np.float32)
        wave = np.sin(phase)
        buzzy = np.flatnonzero(timbre[sl] == 1)
        wave[buzzy] = 0.6 * wave[buzzy] + 0.3 * np.sin(2 * phase[buzzy]) + 0.2 * np.sin(3 * phase[buzzy])
        muffled = np.flatnonzero(audible[sl] == 0)
        wave[muffled] = rng.uniform(-1.0, 1.0, (len(muffled), AUDIO_LENGTH)).astype(np.float32)
        shift = rng.integers(0, 2048 - 3 * 380 - 2 * 200 + 1, size=m)
        env = envelopes[beeps[sl]][np.arange(m)[:, None], (idx[None, :] - shift[:, None]) % AUDIO_LENGTH]
        amp = rng.uniform(0.4, 0.9, (m, 1)).astype(np.float32)
        noise = rng.standard_normal((m, AUDIO_LENGTH), dtype=np.float32) * 0.05
        out[sl] = np.clip(amp * wave * env + noise, -1.0, 1.0)
    return out


def write_captions(colour, size, position, beeps, pitch, says_pitch, rng: np.random.Generator) -> np.ndarray:
    """Captions from integer attribute codes; they never name the shape and name the pitch
    only where ``says_pitch`` is 1.

    >>> write_captions([0], [1], [4], [1], [1], [1], np.random.default_rng(0))[0].count("beep")
    1
    """
    templates = (
        "a {size} {colour} shape in the {position} with {n} {pitch} {beep}",
        "{n} {pitch} {beep} and a {size} {colour} shape at the {position}",
        "we hear {n} {pitch} {beep} while a {colour} shape sits in the {position}, {size}",
        "there is a {size} {colour} figure in the {position} and {n} {pitch} {beep}",
    )
    choice_t = rng.integers(0, len(templates), size=len(colour))
    choice_w = rng.integers(0, 3, size=len(colour))
    captions = []
    for i in range(len(colour)):
        b = int(beeps[i])
        captions.append(
            templates[choice_t[i]].format(
                size=SIZES[size[i]],
                colour=COLOURS[colour[i]],
                position=POSITIONS[position[i]],
                n=NUMBER_WORDS[b],
                pitch=PITCH_WORDS[int(pitch[i])][choice_w[i]] if says_pitch[i] else "",
                beep="beep" if b == 0 else "beeps",
            ).replace("  ", " ")
        )
    return np.array(captions)


def make_multimodal_dataset(
    n: int,
    seed: int = 0,
    *,
    label_noise: float = 0.0,
    corrupt_fraction: float = 0.0,
    missing_fraction: float = 0.0,
    imbalance: float = 0.0,
) -> MultimodalDataset:
    """Generate ``n`` samples of the embedded multimodal dataset, deterministically from ``seed``.

    Knobs (each a fraction in [0, 1]; each produces exactly ``round(fraction·n)`` samples
    and a mask that marks them):

    * ``label_noise``: labels replaced by a different random class (``noisy_label_mask``,
      the originals stay in ``clean_labels``);
    * ``corrupt_fraction``: samples damaged in one of ``CORRUPTION_KINDS`` (NaN or silent
      audio, blank or saturated image, empty or garbled caption, exact duplicate of another
      sample), marked by ``corrupted_mask`` and ``corruption_kind``;
    * ``missing_fraction``: samples with one modality absent (zeros for image or audio, an
      empty caption), marked by ``missing_mask`` and ``missing_modality``; disjoint from the
      corrupted samples;
    * ``imbalance``: 0 gives balanced classes; otherwise class sizes fall geometrically so
      that the rarest class has ``1 - 0.99·imbalance`` times the samples of the commonest.

    >>> ds = make_multimodal_dataset(1000, seed=0, label_noise=0.1)
    >>> int(ds.noisy_label_mask.sum()), bool((ds.labels != ds.clean_labels).sum() == 100)
    (100, True)
    """
    n = require_int("n", n, minimum=1)
    seed = require_int("seed", seed, minimum=0)
    label_noise = require_fraction("label_noise", label_noise)
    corrupt_fraction = require_fraction("corrupt_fraction", corrupt_fraction)
    missing_fraction = require_fraction("missing_fraction", missing_fraction)
    imbalance = require_fraction("imbalance", imbalance)
    if corrupt_fraction + missing_fraction > 1.0:
        raise ValueError(
            "corrupt_fraction + missing_fraction must be <= 1 (the two sets are disjoint), "
            f"got {corrupt_fraction} + {missing_fraction}"
        )
    rng = np.random.default_rng(seed)
    n_classes = len(CLASS_NAMES)

    labels = rng.permutation(np.repeat(np.arange(n_classes), _class_counts(n, imbalance, n_classes)))
    attrs = {
        "shape": labels // 2,
        "colour": rng.integers(0, len(COLOURS), n),
        "size": rng.integers(0, 2, n),
        "position": rng.integers(0, len(POSITIONS), n),
        "pitch": labels % 2,
        "beeps": rng.integers(0, 3, n),
        "timbre": rng.integers(0, 2, n),
        "pitch_cue": rng.choice(len(PITCH_CUES), size=n, p=PITCH_CUE_PROBS),
    }
    attrs = {k: v.astype(np.int64) for k, v in attrs.items()}
    audible = (attrs["pitch_cue"] != 1).astype(np.int64)  # 0 "audio only", 2 "both"
    in_caption = (attrs["pitch_cue"] != 0).astype(np.int64)  # 1 "caption only", 2 "both"

    images = render_images(attrs["shape"], attrs["colour"], attrs["size"], attrs["position"], rng)
    audio = synthesize_audio(attrs["pitch"], attrs["beeps"], attrs["timbre"], audible, rng)
    captions = write_captions(
        attrs["colour"], attrs["size"], attrs["position"], attrs["beeps"], attrs["pitch"], in_caption, rng
    ).astype(object)

    labels = labels.astype(np.int64)

    corrupted = np.zeros(n, dtype=bool)
    kind = np.full(n, "", dtype=object)
    bad = _pick(rng, n, corrupt_fraction)
    corrupted[bad] = True
    clean_pool = np.flatnonzero(~corrupted)
    for j, i in enumerate(bad):
        k = CORRUPTION_KINDS[j % len(CORRUPTION_KINDS)]
        if k == "duplicate" and len(clean_pool) == 0:
            k = "nan_audio"
        kind[i] = k
        if k == "nan_audio":
            audio[i, rng.integers(0, AUDIO_LENGTH, 64)] = np.nan
        elif k == "silent_audio":
            audio[i] = 0.0
        elif k == "blank_image":
            images[i] = rng.integers(0, 256)
        elif k == "saturated_image":
            images[i] = 255
        elif k == "empty_caption":
            captions[i] = rng.choice(["", " ", "   "])
        elif k == "garbled_caption":
            letters = np.array(list("qxzjkvwpfgh#@%&"))
            captions[i] = "".join(rng.choice(letters, size=int(rng.integers(15, 40))))
        else:  # duplicate: an exact copy of a clean sample, label included
            src = rng.choice(clean_pool)
            images[i], audio[i], captions[i] = images[src], audio[src], captions[src]
            labels[i] = labels[src]
            for v in attrs.values():
                v[i] = v[src]

    missing = np.zeros(n, dtype=bool)
    missing_modality = np.full(n, "", dtype=object)
    gone = _pick(rng, n, missing_fraction, pool=np.flatnonzero(~corrupted))
    missing[gone] = True
    which = rng.integers(0, 3, size=len(gone))
    for i, w in zip(gone, which):
        missing_modality[i] = MODALITIES[w]
        if w == 0:
            images[i] = 0
        elif w == 1:
            audio[i] = 0.0
        else:
            captions[i] = ""

    # label noise last, so that a duplicate may carry a label that disagrees with its twin
    clean_labels = labels.copy()
    noisy = np.zeros(n, dtype=bool)
    flip = _pick(rng, n, label_noise)
    noisy[flip] = True
    labels[flip] = (labels[flip] + rng.integers(1, n_classes, size=len(flip))) % n_classes

    return MultimodalDataset(
        images=images,
        audio=audio,
        captions=captions.astype(str),
        labels=labels,
        clean_labels=clean_labels,
        attributes=attrs,
        corrupted_mask=corrupted,
        corruption_kind=kind.astype(str),
        missing_mask=missing,
        missing_modality=missing_modality.astype(str),
        noisy_label_mask=noisy,
        seed=seed,
    )


def accuracy_ceiling(dataset: MultimodalDataset, modalities=MODALITIES) -> float:
    """The best accuracy any model could reach on ``dataset``'s clean labels from ``modalities``.

    A model that perceives its modalities perfectly knows the shape when it sees the image,
    and the pitch when it hears an audible clip or reads a caption that names it; it must
    guess the rest uniformly. The ceiling is the mean over samples of 1 / (classes left).

    >>> ds = make_multimodal_dataset(1000)
    >>> accuracy_ceiling(ds, ("image",)), accuracy_ceiling(ds)
    (0.5, 1.0)
    """
    if not isinstance(dataset, MultimodalDataset):
        raise ValueError(f"dataset must be a MultimodalDataset, got {type(dataset).__name__}")
    modalities = _check_modalities(modalities)
    cue = dataset.attributes["pitch_cue"]
    knows_shape = "image" in modalities
    knows_pitch = np.zeros(len(dataset), dtype=bool)
    if "audio" in modalities:
        knows_pitch |= cue != 1
    if "text" in modalities:
        knows_pitch |= cue != 0
    candidates = (1 if knows_shape else len(SHAPES)) * np.where(knows_pitch, 1, len(PITCHES))
    return float(np.mean(1.0 / candidates))


def train_val_test_split(
    dataset: MultimodalDataset, val: float = 0.15, test: float = 0.15, *, seed: int = 0, stratify: bool = True
):
    """Split a dataset into (train, val, test) datasets, stratified by label by default.

    >>> tr, va, te = train_val_test_split(make_multimodal_dataset(200), val=0.1, test=0.2)
    >>> len(tr), len(va), len(te)
    (140, 20, 40)
    """
    if not isinstance(dataset, MultimodalDataset):
        raise ValueError(f"dataset must be a MultimodalDataset, got {type(dataset).__name__}")
    val = require_fraction("val", val)
    test = require_fraction("test", test)
    seed = require_int("seed", seed, minimum=0)
    if val + test >= 1.0:
        raise ValueError(f"val + test must be < 1 so that training data remains, got {val} + {test}")
    n = len(dataset)
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    if stratify:  # interleave classes so that every prefix holds each class in proportion
        labels = dataset.labels[order]
        rank = np.empty(n)
        for c in np.unique(labels):
            members = np.flatnonzero(labels == c)
            rank[members] = (np.arange(len(members)) + 0.5) / len(members)
        order = order[np.argsort(rank, kind="stable")]
    n_test, n_val = int(round(test * n)), int(round(val * n))
    test_idx, val_idx, train_idx = order[:n_test], order[n_test : n_test + n_val], order[n_test + n_val :]
    return dataset.subset(np.sort(train_idx)), dataset.subset(np.sort(val_idx)), dataset.subset(np.sort(test_idx))


def make_tf_dataset(
    dataset: MultimodalDataset,
    modalities=MODALITIES,
    *,
    batch_size: int = 64,
    shuffle: bool = True,
    cache: bool = True,
    prefetch: bool = True,
    seed: int = 0,
    target: str = "labels",
    text_vectorizer=None,
):
    """A batched ``tf.data.Dataset`` of ``(inputs_dict, target)`` pairs.

    ``target`` is ``"labels"`` or the name of an attribute (e.g. ``"pitch"``). Inputs are
    ``image`` uint8, ``audio`` float32 and ``text`` string tensors; with a
    ``text_vectorizer`` (e.g. ``preprocess.make_text_vectorizer``) the text becomes token
    ids inside the pipeline, as the encoders in ``mmbm_utils.models`` expect.

    >>> tfds = make_tf_dataset(make_multimodal_dataset(50), ("image",), batch_size=16)
    >>> inputs, y = next(iter(tfds))
    >>> tuple(inputs["image"].shape), tuple(y.shape)
    ((16, 32, 32, 3), (16,))
    """
    import tensorflow as tf

    if not isinstance(dataset, MultimodalDataset):
        raise ValueError(f"dataset must be a MultimodalDataset, got {type(dataset).__name__}")
    modalities = _check_modalities(modalities)
    batch_size = require_int("batch_size", batch_size, minimum=1)
    seed = require_int("seed", seed, minimum=0)
    if target == "labels":
        y = dataset.labels
    else:
        require_choice("target", target, ("labels",) + tuple(dataset.attributes))
        y = dataset.attributes[target]
    inputs = dataset.inputs(modalities)
    ds = tf.data.Dataset.from_tensor_slices((inputs, y.astype(np.int32)))
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(min(len(dataset), 10_000), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    if text_vectorizer is not None and "text" in modalities:

        def vectorize(x, y):
            return {**x, "text": text_vectorizer(x["text"])}, y

        ds = ds.map(vectorize, num_parallel_calls=tf.data.AUTOTUNE)
    if prefetch:
        ds = ds.prefetch(tf.data.AUTOTUNE)
    return ds


# --- CIFAR-10 ------------------------------------------------------------------------

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
STANDIN_CLASSES = tuple(f"{s} ({z})" for s in SHAPES for z in SIZES)


@dataclasses.dataclass
class ImageClassificationData:
    """Train and test arrays of an image classification set, with where they came from.

    ``is_standin`` is True when the embedded stand-in replaced the real CIFAR-10.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple
    is_standin: bool
    source: str


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles CIFAR's batch files, refusing every class but NumPy's array rebuilders."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
    }

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"CIFAR batch files hold no {module}.{name}; refusing to load it")


def sha256_of(path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def parse_cifar10_archive(archive) -> tuple:
    """Read ``((x_train, y_train), (x_test, y_test))`` from a ``cifar-10-python.tar.gz``.

    Images come back as (n, 32, 32, 3) uint8 and labels as (n,) int64.
    """
    archive = Path(archive)
    if not archive.is_file():
        raise ValueError(f"archive must be an existing file, got {str(archive)!r}")
    batches = {}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            name = os.path.basename(member.name)
            if member.isfile() and (name.startswith("data_batch_") or name == "test_batch"):
                raw = tar.extractfile(member).read()
                batch = _ArrayUnpickler(io.BytesIO(raw), encoding="bytes").load()
                data = np.asarray(batch[b"data"], dtype=np.uint8)
                if data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
                    raise ValueError(f"{name} in {archive.name} holds data of shape {data.shape}, expected (n, 3072)")
                images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
                batches[name] = (images, np.asarray(batch[b"labels"], dtype=np.int64))
    train_names = sorted(k for k in batches if k.startswith("data_batch_"))
    if not train_names or "test_batch" not in batches:
        raise ValueError(f"archive {archive.name} lacks data_batch_* or test_batch files")
    x_train = np.concatenate([batches[k][0] for k in train_names])
    y_train = np.concatenate([batches[k][1] for k in train_names])
    return (x_train, y_train), batches["test_batch"]


def make_cifar10_standin(n_train: int = 50_000, n_test: int = 10_000, seed: int = 0) -> ImageClassificationData:
    """A CIFAR-10-shaped set drawn from the embedded images: 10 classes = shape × size.

    >>> standin = make_cifar10_standin(100, 20)
    >>> standin.x_train.shape, standin.is_standin
    ((100, 32, 32, 3), True)
    """
    n_train = require_int("n_train", n_train, minimum=1)
    n_test = require_int("n_test", n_test, minimum=1)
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    y = rng.permutation(np.arange(n) % 10)
    images = render_images(
        y // 2, rng.integers(0, len(COLOURS), n), y % 2, rng.integers(0, len(POSITIONS), n), rng
    )
    return ImageClassificationData(
        images[:n_train], y[:n_train], images[n_train:], y[n_train:], STANDIN_CLASSES, True,
        "embedded stand-in (shape × size)",
    )


def _reachable(url: str, timeout: float) -> bool:
    host = url.split("/")[2]
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def load_cifar10(
    offline_fallback: bool = True,
    *,
    archive=None,
    sha256: str = CIFAR10_SHA256,
    timeout: float = 3.0,
    standin_size: tuple = (50_000, 10_000),
) -> ImageClassificationData:
    """The real CIFAR-10, verified by its published SHA-256, or an announced stand-in.

    Looks for ``archive`` (default: ``cifar-10-python.tar.gz`` in Keras' cache
    ``~/.keras/datasets``), downloads it through ``keras.utils.get_file`` when the host
    answers within ``timeout`` seconds, and checks the checksum before parsing. Without
    network and with ``offline_fallback`` it prints one line saying so and returns
    :func:`make_cifar10_standin` data (``is_standin=True``); otherwise it raises.
    """
    require_bool("offline_fallback", offline_fallback)
    if not (isinstance(sha256, str) and len(sha256) == 64):
        raise ValueError(f"sha256 must be a 64-character hex string, got {sha256!r}")
    if not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    cache = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"
    path = Path(archive) if archive is not None else cache / "cifar-10-python.tar.gz"
    started = time.perf_counter()
    if not path.is_file():
        if archive is None and _reachable(CIFAR10_URL, timeout):
            import keras

            path = Path(keras.utils.get_file("cifar-10-python.tar.gz", CIFAR10_URL, file_hash=sha256))
        else:
            waited = time.perf_counter() - started
            reason = f"no CIFAR-10 archive at {path}"
            if archive is None:
                reason += f" and its download host did not answer (checked in {waited:.1f} s)"
            if not offline_fallback:
                raise RuntimeError(reason)
            print(f"CIFAR-10 offline: {reason}; using the embedded stand-in of the same shape.")
            return make_cifar10_standin(*standin_size)
    digest = sha256_of(path)
    if digest != sha256:
        raise ValueError(f"archive {path} has SHA-256 {digest}, expected {sha256}: delete it and download again")
    (x_train, y_train), (x_test, y_test) = parse_cifar10_archive(path)
    return ImageClassificationData(x_train, y_train, x_test, y_test, CIFAR10_CLASSES, False, f"CIFAR-10 ({path})")

