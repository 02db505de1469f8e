"""plotting: each figure draws what it is given and rejects what it cannot draw."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from mmbm_utils import plotting
from mmbm_utils.data import make_multimodal_dataset


def test_plot_history_draws_train_and_validation_per_run():
    runs = {"a": {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.8, 0.7]}, "b": {"loss": [0.9, 0.4, 0.2]}}
    fig = plotting.plot_history(runs, metrics=("loss", "accuracy"))
    (ax,) = fig.axes  # accuracy is absent, so one panel
    labels = [line.get_label() for line in ax.lines]
    assert labels == ["a train", "a validation", "b train"]
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [1.1, 0.8, 0.7])
    with pytest.raises(ValueError, match="metrics must name at least one metric"):
        plotting.plot_history(runs, metrics=("recall",))
    with pytest.raises(ValueError, match="history must be"):
        plotting.plot_history([1, 2])


def test_confusion_matrix_rows_are_true_classes():
    fig = plotting.plot_confusion_matrix([0, 0, 1, 1], [0, 1, 1, 1], ["a", "b"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["0.50", "0.50", "0.00", "1.00"]
    with pytest.raises(ValueError, match="labels must lie in"):
        plotting.plot_confusion_matrix([0, 2], [0, 1], ["a", "b"])
    with pytest.raises(ValueError, match="same length"):
        plotting.plot_confusion_matrix([0, 1], [0], ["a", "b"])
    with pytest.raises(ValueError, match="y_true must have a signed int or unsigned int dtype"):
        plotting.plot_confusion_matrix([0.0, 1.0], [0, 1], ["a", "b"])


def test_show_sample_has_image_spectrogram_and_caption():
    ds = make_multimodal_dataset(5, seed=0)
    fig = plotting.show_sample(ds, 2)
    ax_img, ax_spec = fig.axes[:2]
    np.testing.assert_array_equal(ax_img.images[0].get_array(), ds.images[2])
    assert ax_spec.images, "the spectrogram is drawn as an image"
    assert any(ds.captions[2] in t.get_text() for t in fig.texts)
    with pytest.raises(ValueError, match="index must be <= 4"):
        plotting.show_sample(ds, 5)


def test_show_images_grid_and_titles():
    fig = plotting.show_images(np.zeros((5, 8, 8, 3), np.uint8), list("abcde"), ncols=3)
    assert len(fig.axes) == 6 and [a.get_title() for a in fig.axes[:5]] == list("abcde")
    with pytest.raises(ValueError, match="titles must have one entry per image"):
        plotting.show_images(np.zeros((2, 8, 8)), ["a"])
    with pytest.raises(ValueError, match="images must have rank 3 or 4"):
        plotting.show_images(np.zeros(8))
