"""The embedded multimodal dataset: shapes, determinism, knobs, splits, tf.data, fusion."""

import numpy as np
import pytest

from mmbm_utils import data
from mmbm_utils.data import make_multimodal_dataset


@pytest.fixture(scope="module")
def big():
    return make_multimodal_dataset(10_000, seed=0)


def test_shapes_and_dtypes(big):
    assert big.images.shape == (10_000, 32, 32, 3) and big.images.dtype == np.uint8
    assert big.audio.shape == (10_000, data.AUDIO_LENGTH) and big.audio.dtype == np.float32
    assert big.sample_rate == 8000
    assert len(big.captions) == 10_000 and all(isinstance(c, str) and c for c in big.captions[:100])
    assert big.labels.shape == (10_000,) and big.labels.dtype.kind == "i"
    assert len(big.class_names) == 10
    assert set(big.attributes) >= {"shape", "colour", "size", "position", "pitch", "beeps", "timbre", "pitch_cue"}
    assert np.all(np.isfinite(big.audio)) and np.abs(big.audio).max() <= 1.0
    for mask in (big.corrupted_mask, big.missing_mask, big.noisy_label_mask):
        assert mask.dtype == bool and not mask.any()


def test_all_classes_present_and_balanced(big):
    counts = np.bincount(big.labels, minlength=10)
    assert counts.min() == counts.max() == 1000


def test_label_is_shape_times_pitch(big):
    np.testing.assert_array_equal(big.labels, 2 * big.attributes["shape"] + big.attributes["pitch"])


def test_captions_never_name_the_shape_and_name_the_pitch_only_when_told(big):
    words = {w for c in big.captions for w in c.replace(",", " ").split()}
    assert not words & set(data.SHAPES)
    pitch_words = {w for ws in data.PITCH_WORDS.values() for w in ws}
    says = np.array([bool(set(c.replace(",", " ").split()) & pitch_words) for c in big.captions])
    np.testing.assert_array_equal(says, big.attributes["pitch_cue"] != 0)


def test_muffled_clips_have_no_pitch_peak(big):
    spectrum = np.abs(np.fft.rfft(big.audio[:400], axis=1))
    peakiness = spectrum.max(axis=1) / spectrum.mean(axis=1)
    audible = big.attributes["pitch_cue"][:400] != 1
    assert peakiness[audible].min() > peakiness[~audible].max()


def test_deterministic_for_a_seed():
    a, b = make_multimodal_dataset(300, seed=3), make_multimodal_dataset(300, seed=3)
    c = make_multimodal_dataset(300, seed=4)
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.audio, b.audio)
    assert list(a.captions) == list(b.captions)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert not np.array_equal(a.images, c.images)


@pytest.mark.parametrize("fraction", [0.0, 0.05, 0.3])
def test_label_noise_fraction_and_mask(fraction):
    ds = make_multimodal_dataset(2000, seed=1, label_noise=fraction)
    assert ds.noisy_label_mask.sum() == round(fraction * 2000)
    np.testing.assert_array_equal(ds.labels != ds.clean_labels, ds.noisy_label_mask)


def test_corruption_fraction_kinds_and_effects():
    ds = make_multimodal_dataset(2100, seed=2, corrupt_fraction=0.1)
    assert ds.corrupted_mask.sum() == 210
    kinds = ds.corruption_kind[ds.corrupted_mask]
    assert set(kinds) == set(data.CORRUPTION_KINDS)
    assert set(ds.corruption_kind[~ds.corrupted_mask]) == {""}
    k = ds.corruption_kind
    assert np.isnan(ds.audio[k == "nan_audio"]).any(axis=1).all()
    assert not np.isnan(ds.audio[k != "nan_audio"]).any()
    assert (ds.audio[k == "silent_audio"] == 0).all()
    assert (ds.images[k == "saturated_image"] == 255).all()
    blank = ds.images[k == "blank_image"].reshape(30, -1)
    assert (blank.min(axis=1) == blank.max(axis=1)).all()
    assert all(not c.strip() for c in ds.captions[k == "empty_caption"])
    # every duplicate is an exact copy of some clean sample
    clean = {ds.images[i].tobytes() for i in np.flatnonzero(~ds.corrupted_mask)}
    assert all(ds.images[i].tobytes() in clean for i in np.flatnonzero(k == "duplicate"))


def test_missing_fraction_is_disjoint_from_corruption_and_blanks_the_modality():
    ds = make_multimodal_dataset(2000, seed=3, corrupt_fraction=0.1, missing_fraction=0.15)
    assert ds.missing_mask.sum() == 300
    assert not (ds.missing_mask & ds.corrupted_mask).any()
    mm = ds.missing_modality
    assert set(mm[ds.missing_mask]) == set(data.MODALITIES)
    assert (ds.images[mm == "image"] == 0).all()
    assert (ds.audio[mm == "audio"] == 0).all()
    assert all(c == "" for c in ds.captions[mm == "text"])


@pytest.mark.parametrize("imbalance", [0.0, 0.5, 0.9])
def test_imbalance_ratio(imbalance):
    counts = np.bincount(make_multimodal_dataset(5000, seed=0, imbalance=imbalance).labels, minlength=10)
    assert counts.sum() == 5000 and counts.min() > 0
    assert counts.min() / counts.max() == pytest.approx(1 - 0.99 * imbalance, abs=0.02)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"n": 0}, "n must be >= 1"),
        ({"n": -5}, "n must be >= 1"),
        ({"n": 10.0}, "n must be an integer"),
        ({"n": 10, "seed": -1}, "seed must be >= 0"),
        ({"n": 10, "label_noise": 1.5}, "label_noise must be a number in"),
        ({"n": 10, "corrupt_fraction": -0.1}, "corrupt_fraction must be a number in"),
        ({"n": 10, "missing_fraction": float("nan")}, "missing_fraction must be a number in"),
        ({"n": 10, "imbalance": "high"}, "imbalance must be a number in"),
        ({"n": 10, "corrupt_fraction": 0.6, "missing_fraction": 0.6}, "corrupt_fraction \\+ missing_fraction"),
    ],
)
def test_bad_arguments_are_named(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        make_multimodal_dataset(**kwargs)


def test_split_sizes_disjoint_and_stratified(big):
    train, val, test = data.train_val_test_split(big, val=0.1, test=0.2, seed=0)
    assert (len(train), len(val), len(test)) == (7000, 1000, 2000)
    for part, size in ((val, 100), (test, 200)):
        assert (np.bincount(part.labels, minlength=10) == size).all()
    keys = [set(map(bytes, p.images.reshape(len(p), -1)[:, :64])) for p in (train, val, test)]
    assert not (keys[0] & keys[1]) and not (keys[0] & keys[2])
    with pytest.raises(ValueError, match="val \\+ test must be < 1"):
        data.train_val_test_split(big, val=0.5, test=0.5)
    with pytest.raises(ValueError, match="dataset must be a MultimodalDataset"):
        data.train_val_test_split(big.images)


def test_subset_validates_indices(big):
    assert len(big.subset(np.arange(5))) == 5
    assert len(big.subset(big.labels == 0)) == 1000
    with pytest.raises(ValueError, match="indices must lie in"):
        big.subset([10_000])
    with pytest.raises(ValueError, match="indices must be a 1-D array"):
        big.subset([[0, 1]])


def test_tf_dataset_batches_inputs_and_targets():
    from mmbm_utils.preprocess import make_text_vectorizer

    ds = make_multimodal_dataset(100, seed=0)
    tfds = data.make_tf_dataset(ds, batch_size=32, shuffle=False)
    inputs, y = next(iter(tfds))
    assert set(inputs) == {"image", "audio", "text"}
    assert tuple(inputs["image"].shape) == (32, 32, 32, 3) and inputs["image"].dtype.name == "uint8"
    assert tuple(inputs["audio"].shape) == (32, 2048) and inputs["text"].dtype.name == "string"
    np.testing.assert_array_equal(y.numpy(), ds.labels[:32])
    vec = make_text_vectorizer(ds.captions, sequence_length=12)
    inputs, y = next(iter(data.make_tf_dataset(ds, "text", target="pitch", text_vectorizer=vec, shuffle=False)))
    assert tuple(inputs["text"].shape) == (64, 12) and inputs["text"].dtype.is_integer
    np.testing.assert_array_equal(y.numpy(), ds.attributes["pitch"][:64])
    with pytest.raises(ValueError, match="modalities must be one of"):
        data.make_tf_dataset(ds, ("smell",))
    with pytest.raises(ValueError, match="target must be one of"):
        data.make_tf_dataset(ds, target="weight")
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        data.make_tf_dataset(ds, batch_size=0)


def test_accuracy_ceilings(big):
    assert data.accuracy_ceiling(big, "image") == 0.5
    assert data.accuracy_ceiling(big, "audio") < 0.2 and data.accuracy_ceiling(big, "text") < 0.2
    assert data.accuracy_ceiling(big) == 1.0
    with pytest.raises(ValueError, match="modalities"):
        data.accuracy_ceiling(big, ())


def _train_and_test(train, val, test, modalities, epochs, vectorizer):
    import keras

    from mmbm_utils.models import build_classifier

    keras.utils.set_random_seed(0)
    model = build_classifier(modalities, vocab_size=vectorizer.vocabulary_size())
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])

    def pipe(d, shuffle):
        return data.make_tf_dataset(d, modalities, shuffle=shuffle, text_vectorizer=vectorizer)

    model.fit(pipe(train, True), validation_data=pipe(val, False), epochs=epochs, verbose=0)
    return model.evaluate(pipe(test, False), verbose=0)[1]


@pytest.mark.slow
def test_fusion_matters_single_modalities_capped_all_modalities_high():
    """Trained classifiers: each modality alone <= 60 % test accuracy, all three >= 95 %."""
    from mmbm_utils.preprocess import make_text_vectorizer

    ds = make_multimodal_dataset(6000, seed=0)
    train, val, test = data.train_val_test_split(ds, val=0.1, test=0.2, seed=0)
    vec = make_text_vectorizer(train.captions)
    acc = {m: _train_and_test(train, val, test, (m,), 8, vec) for m in data.MODALITIES}
    acc["all"] = _train_and_test(train, val, test, data.MODALITIES, 12, vec)
    print("test accuracy:", {k: round(v, 3) for k, v in acc.items()})
    for m in data.MODALITIES:
        assert acc[m] <= 0.60, f"{m} alone reached {acc[m]:.3f}"
    assert acc["all"] >= 0.95, f"all modalities reached only {acc['all']:.3f}"
