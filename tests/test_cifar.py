"""CIFAR-10 loading: the real parsing path on a small archive in CIFAR-10's own format."""

import io
import pickle
import tarfile

import numpy as np
import pytest

from mmbm_utils import data


def _write_cifar_archive(path, n_per_batch=6, seed=0):
    """A tiny cifar-10-python.tar.gz: five data batches and a test batch, pickled like the original."""
    rng = np.random.default_rng(seed)
    expected = {}
    with tarfile.open(path, "w:gz") as tar:
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            pixels = rng.integers(0, 256, size=(n_per_batch, 3072), dtype=np.uint8)
            labels = [int(v) for v in rng.integers(0, 10, size=n_per_batch)]
            blob = pickle.dumps({b"batch_label": name.encode(), b"data": pixels, b"labels": labels, b"filenames": []})
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
            expected[name] = (pixels, labels)
    return expected


def test_parses_the_archive_into_channels_last_images(tmp_path):
    archive = tmp_path / "cifar-10-python.tar.gz"
    expected = _write_cifar_archive(archive)
    result = data.load_cifar10(archive=archive, sha256=data.sha256_of(archive))
    assert not result.is_standin and result.class_names == data.CIFAR10_CLASSES
    assert result.x_train.shape == (30, 32, 32, 3) and result.x_train.dtype == np.uint8
    assert result.x_test.shape == (6, 32, 32, 3)
    pixels, labels = expected["data_batch_1"]
    # CIFAR stores 1024 red, then 1024 green, then 1024 blue values per image
    np.testing.assert_array_equal(result.x_train[0, :, :, 0].ravel(), pixels[0, :1024])
    np.testing.assert_array_equal(result.x_train[0, :, :, 2].ravel(), pixels[0, 2048:])
    assert list(result.y_train[:6]) == labels
    assert list(result.y_test) == expected["test_batch"][1]


def test_rejects_an_archive_with_the_wrong_checksum(tmp_path):
    archive = tmp_path / "cifar-10-python.tar.gz"
    _write_cifar_archive(archive)
    with pytest.raises(ValueError, match="SHA-256"):
        data.load_cifar10(archive=archive)  # the published checksum cannot match a test archive


def test_refuses_pickles_with_foreign_classes(tmp_path):
    archive = tmp_path / "evil.tar.gz"
    blob = pickle.dumps({b"data": np.zeros((1, 3072), np.uint8), b"labels": [0], b"x": io.BytesIO()})
    with tarfile.open(archive, "w:gz") as tar:
        for name in ("data_batch_1", "test_batch"):
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        data.load_cifar10(archive=archive, sha256=data.sha256_of(archive))


def test_offline_fallback_announces_a_standin(tmp_path, capsys):
    result = data.load_cifar10(archive=tmp_path / "absent.tar.gz", standin_size=(50, 10))
    line = capsys.readouterr().out
    assert line.startswith("CIFAR-10 offline:") and line.count("\n") == 1
    assert result.is_standin and result.x_train.shape == (50, 32, 32, 3) and result.x_test.shape == (10, 32, 32, 3)
    assert set(np.unique(result.y_train)) <= set(range(10)) and len(result.class_names) == 10
    with pytest.raises(RuntimeError, match="no CIFAR-10 archive"):
        data.load_cifar10(offline_fallback=False, archive=tmp_path / "absent.tar.gz")


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [({"offline_fallback": "yes"}, "offline_fallback"), ({"sha256": "abc"}, "sha256"), ({"timeout": 0}, "timeout")],
)
def test_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        data.load_cifar10(**kwargs)
