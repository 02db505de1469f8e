"""One figure style for the course: training curves, confusion matrices, sample viewers.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from mmbm_utils.data import make_multimodal_dataset
>>> fig = show_sample(make_multimodal_dataset(3), 0)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .checks import require_array, require_int

PALETTE = ["#2f6fb0", "#e07b39", "#3a9d5d", "#c2404a", "#7b5ea7", "#8c6d31", "#d16fa8", "#6b6b6b"]


def set_style() -> None:
    """The course's matplotlib/seaborn style: white grid, readable fonts, one palette."""
    import seaborn as sns

    sns.set_theme(style="whitegrid", palette=PALETTE, rc={"figure.dpi": 90, "axes.titlesize": 11})


def _history_dict(history) -> dict:
    h = getattr(history, "history", history)
    if not isinstance(h, dict) or not h:
        raise ValueError("history must be a keras History or a non-empty dict of metric lists")
    return h


def plot_history(histories, metrics=("loss", "accuracy"), *, title: str | None = None):
    """Training and validation curves, one panel per metric; ``histories`` is a History,
    a dict of metric lists, or ``{"label": history, ...}`` to compare runs.

    >>> fig = plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}, metrics=("loss",))
    """
    if isinstance(histories, dict) and histories and all(
        hasattr(v, "history") or isinstance(v, dict) for v in histories.values()
    ):
        runs = {k: _history_dict(v) for k, v in histories.items()}
    else:
        runs = {"": _history_dict(histories)}
    if isinstance(metrics, str):
        metrics = (metrics,)
    metrics = [m for m in metrics if any(m in h for h in runs.values())]
    if not metrics:
        raise ValueError("metrics must name at least one metric present in the history")
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.6 * len(metrics), 3.3), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for i, (label, h) in enumerate(runs.items()):
            colour = PALETTE[i % len(PALETTE)]
            if metric in h:
                epochs = np.arange(1, len(h[metric]) + 1)
                ax.plot(epochs, h[metric], color=colour, label=f"{label} train".strip())
            if "val_" + metric in h:
                epochs = np.arange(1, len(h["val_" + metric]) + 1)
                ax.plot(epochs, h["val_" + metric], "--", color=colour, label=f"{label} validation".strip())
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(y_true, y_pred, class_names, *, normalize: bool = True, ax=None):
    """A seaborn heatmap of the confusion matrix (rows: true class, columns: predicted).

    >>> fig = plot_confusion_matrix([0, 1, 1], [0, 1, 0], ["a", "b"])
    """
    import seaborn as sns

    y_true = require_array("y_true", y_true, ndim=1, dtype_kind="iu")
    y_pred = require_array("y_pred", y_pred, ndim=1, dtype_kind="iu")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same length, got {len(y_true)} and {len(y_pred)}")
    k = len(class_names)
    if y_true.size and (max(y_true.max(), y_pred.max()) >= k or min(y_true.min(), y_pred.min()) < 0):
        raise ValueError(f"labels must lie in [0, {k}) to match class_names")
    cm = np.zeros((k, k), dtype=float)
    np.add.at(cm, (y_true, y_pred), 1)
    if normalize:
        cm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    if ax is None:
        _, ax = plt.subplots(figsize=(0.55 * k + 2.5, 0.5 * k + 1.8))
    sns.heatmap(cm, annot=k <= 12, fmt=".2f" if normalize else ".0f", cmap="Blues", cbar=False,
                xticklabels=class_names, yticklabels=class_names, ax=ax, annot_kws={"fontsize": 7})
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.tick_params(axis="x", rotation=60, labelsize=8)
    ax.tick_params(axis="y", rotation=0, labelsize=8)
    ax.figure.tight_layout()
    return ax.figure


def show_sample(dataset, index: int, *, axes=None):
    """Image, spectrogram and caption of one sample of a ``MultimodalDataset``, side by side."""
    index = require_int("index", index, minimum=0, maximum=len(dataset) - 1)
    s = dataset.sample(index)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(7.5, 2.9), gridspec_kw={"width_ratios": [1, 1.6]})
    ax_img, ax_spec = axes
    ax_img.imshow(s["image"])
    ax_img.set_title(f"#{index}: {s['class_name']}")
    ax_img.axis("off")
    audio = np.nan_to_num(s["audio"])
    if np.any(audio):
        ax_spec.specgram(audio, Fs=dataset.sample_rate, NFFT=256, noverlap=192, cmap="magma")
    ax_spec.set_xlabel("time (s)")
    ax_spec.set_ylabel("frequency (Hz)")
    ax_spec.set_title("audio spectrogram", fontsize=9)
    ax_spec.grid(False)
    fig = ax_img.figure
    fig.text(0.5, 0.01, f"“{s['caption']}”", ha="center", fontsize=9, style="italic")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def show_images(images, titles=None, *, ncols: int = 8, size: float = 1.3):
    """A grid of images (n, H, W, C) with optional titles.

    >>> fig = show_images(np.zeros((3, 8, 8, 3), dtype=np.uint8), ["a", "b", "c"])
    """
    images = require_array("images", images, ndim=(3, 4))
    ncols = require_int("ncols", ncols, minimum=1)
    n = len(images)
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles must have one entry per image ({n}), got {len(titles)}")
    nrows = max(1, -(-n // ncols))
    fig, axes = plt.subplots(nrows, min(ncols, n), figsize=(size * min(ncols, n), size * nrows + 0.3), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i], cmap="gray" if images.ndim == 3 else None)
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=7)
    fig.tight_layout()
    return fig
