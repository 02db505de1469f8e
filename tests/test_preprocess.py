"""Unit tests for mmbm_utils.preprocess: behaviour on good inputs and clear errors on bad ones."""

import numpy as np
import pytest
import tensorflow as tf

from mmbm_utils import preprocess as pp
from mmbm_utils.data import make_multimodal_dataset


@pytest.fixture(scope="module")
def data():
    return make_multimodal_dataset(64, seed=3)


# --- images ---------------------------------------------------------------------------


def test_image_normalizer_gives_zero_mean_unit_std_per_channel(data):
    out = pp.make_image_normalizer(data.images)(data.images).numpy()
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0.0, atol=1e-3)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1.0, atol=1e-2)


def test_image_normalizer_matches_channel_stats(data):
    mean, std = pp.channel_stats(data.images)
    expected = (data.images / 255.0 - mean) / std
    got = pp.make_image_normalizer(data.images)(data.images).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-3)


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.zeros((4, 32, 32)), "rank 4"),
        (np.full((2, 4, 4, 3), np.nan), "finite"),
        (np.full((2, 4, 4, 3), "x"), "dtype"),
        (np.zeros((0, 4, 4, 3)), "at least one"),
    ],
)
def test_image_normalizer_rejects_bad_images(bad, match):
    with pytest.raises(ValueError, match=match):
        pp.make_image_normalizer(bad)


def test_image_augmenter_keeps_shape_and_changes_pixels(data):
    x = data.images[:8].astype("float32")
    aug = pp.make_image_augmenter(seed=1)
    out = aug(x, training=True).numpy()
    assert out.shape == x.shape
    assert not np.allclose(out, x)
    np.testing.assert_allclose(aug(x, training=False).numpy(), x)


def test_image_augmenter_rejects_bad_strengths():
    with pytest.raises(ValueError, match="rotation"):
        pp.make_image_augmenter(rotation=2.0)
    with pytest.raises(ValueError, match="fill_mode"):
        pp.make_image_augmenter(fill_mode="smear")


def test_source_generator_layers_follow_the_source_settings():
    rot, shift, flip = pp.source_generator_layers().layers
    assert rot.factor == (-20 / 360, 20 / 360)
    assert (shift.height_lower, shift.height_upper, shift.width_lower, shift.width_upper) == (-0.2, 0.2, -0.2, 0.2)
    assert flip.mode == "horizontal"


# --- audio ----------------------------------------------------------------------------


def test_spectrogram_shapes_chain(data):
    mag = pp.stft_magnitude(data.audio[:4])
    mel = pp.log_mel_spectrogram(data.audio[:4], n_mels=24)
    mf = pp.mfcc(data.audio[:4], n_mfcc=12, n_mels=24)
    assert mag.shape == (4, 15, 129) and mel.shape == (4, 15, 24) and mf.shape == (4, 15, 12)
    assert np.all(np.isfinite(mel.numpy()))


def test_log_mel_puts_a_high_tone_in_higher_bins():
    t = np.arange(2048) / 8000
    low = np.sin(2 * np.pi * 300 * t).astype("float32")
    high = np.sin(2 * np.pi * 1500 * t).astype("float32")
    mel = pp.log_mel_spectrogram(np.stack([low, high])).numpy().mean(axis=1)
    assert mel[1].argmax() > mel[0].argmax()


def test_mfcc_first_coefficient_tracks_loudness():
    t = np.arange(2048) / 8000
    tone = np.sin(2 * np.pi * 440 * t).astype("float32")
    mf = pp.mfcc(np.stack([0.1 * tone, tone])).numpy()
    assert mf[1, :, 0].mean() > mf[0, :, 0].mean()


@pytest.mark.parametrize(
    "fn", [pp.stft_magnitude, pp.log_mel_spectrogram, pp.mfcc, pp.normalize_waveform, pp.time_shift]
)
def test_audio_functions_reject_bad_waveforms(fn):
    with pytest.raises(ValueError, match="rank"):
        fn(np.zeros((2, 3, 2048), dtype="float32"))
    with pytest.raises(ValueError, match="finite"):
        fn(np.array([[0.0, np.nan] * 1024], dtype="float32"))
    with pytest.raises(ValueError, match="dtype"):
        fn(np.array([["a"] * 2048]))


def test_audio_rejects_bad_parameters():
    with pytest.raises(ValueError, match="frame_length"):
        pp.stft_magnitude(np.zeros((1, 100), dtype="float32"), frame_length=256)
    with pytest.raises(ValueError, match="fmin"):
        pp.log_mel_spectrogram(np.zeros((1, 2048), dtype="float32"), fmin=5000.0)
    with pytest.raises(ValueError, match="n_mfcc"):
        pp.mfcc(np.zeros((1, 2048), dtype="float32"), n_mfcc=40, n_mels=32)
    with pytest.raises(ValueError, match="snr_db"):
        pp.add_noise(np.zeros((1, 8), dtype="float32"), snr_db=float("nan"))


def test_normalize_waveform_peak_and_rms_and_silence():
    x = np.array([[0.0, 0.5, -0.25, 0.0], [0.0, 0.0, 0.0, 0.0]], dtype="float32")
    peak = pp.normalize_waveform(x).numpy()
    assert np.abs(peak[0]).max() == pytest.approx(1.0) and np.all(peak[1] == 0)
    rms = pp.normalize_waveform(x, mode="rms").numpy()
    assert np.sqrt((rms[0] ** 2).mean()) == pytest.approx(1.0, rel=1e-5)


def test_spec_augment_masks_bands_and_keeps_the_rest():
    spec = np.arange(2 * 15 * 32, dtype="float32").reshape(2, 15, 32) + 1
    out = pp.spec_augment(spec, time_masks=1, max_time_width=3, freq_masks=1, max_freq_width=4,
                          mask_value=0.0, seed=5).numpy()
    masked = out == 0
    # masked cells form whole rows (time) or whole columns (frequency) in each spectrogram
    for m in masked:
        rows, cols = m.all(axis=1), m.all(axis=0)
        assert np.array_equal(m, rows[:, None] | cols[None, :])
        assert rows.sum() <= 3 and cols.sum() <= 4
    np.testing.assert_array_equal(out[~masked], spec[~masked])


def test_spec_augment_is_reproducible_with_a_seed_and_single_example():
    spec = np.random.default_rng(0).normal(size=(15, 32)).astype("float32")
    a = pp.spec_augment(spec, seed=3).numpy()
    b = pp.spec_augment(spec, seed=3).numpy()
    assert a.shape == (15, 32) and np.array_equal(a, b)


def test_spec_augment_rejects_bad_inputs():
    with pytest.raises(ValueError, match="rank"):
        pp.spec_augment(np.zeros(10, dtype="float32"))
    with pytest.raises(ValueError, match="finite"):
        pp.spec_augment(np.full((4, 4), np.inf, dtype="float32"))
    with pytest.raises(ValueError, match="time_masks"):
        pp.spec_augment(np.zeros((4, 4), dtype="float32"), time_masks=-1)


def test_add_noise_reaches_the_requested_snr():
    clean = np.sin(np.linspace(0, 300, 2048)).astype("float32")[None].repeat(8, axis=0)
    noisy = pp.add_noise(clean, snr_db=5.0, seed=1).numpy()
    snr = 10 * np.log10((clean**2).mean() / ((noisy - clean) ** 2).mean())
    assert abs(snr - 5.0) < 0.3


def test_time_shift_is_a_circular_roll():
    x = np.arange(20, dtype="float32")[None].repeat(3, axis=0)
    out = pp.time_shift(x, max_shift=5, seed=2).numpy()
    for row in out:
        shift = int((row[0] - 0) % 20)  # x[i] = i, so the value at position 0 tells the shift
        np.testing.assert_array_equal(row, np.roll(x[0], -shift))


# --- text -----------------------------------------------------------------------------


def test_text_vectorizer_pads_and_maps_unknown_words_to_oov():
    vec = pp.make_text_vectorizer(["a red shape", "two high beeps"], sequence_length=6)
    ids = vec(["a purple shape"]).numpy()[0]
    vocab = vec.get_vocabulary()
    assert ids[1] == 1 and vocab[1] == "[UNK]"  # "purple" was never seen
    assert list(ids[3:]) == [0, 0, 0]


@pytest.mark.parametrize(
    "bad, match",
    [([], "at least one string"), (["", "  "], "at least one word"), ([["a"]], "rank 1"), ([1, 2], "dtype")],
)
def test_text_vectorizer_rejects_bad_texts(bad, match):
    with pytest.raises(ValueError, match=match):
        pp.make_text_vectorizer(np.array(bad) if bad else bad)


def test_token_dropout_removes_tokens_and_keeps_order():
    ids = np.array([[5, 6, 7, 8, 9, 0, 0, 0]] * 50)
    out = pp.token_dropout(ids, rate=0.4, seed=0).numpy()
    assert out.shape == ids.shape
    for row in out:
        kept = row[row != 0].tolist()
        assert kept == sorted(kept)  # order preserved, left-aligned
        assert np.all(row[len(kept):] == 0)
    share = (out != 0).sum() / (ids != 0).sum()
    assert 0.45 < share < 0.75


def test_token_swap_keeps_the_multiset_and_padding():
    ids = np.array([[5, 6, 7, 8, 9, 0, 0]] * 40)
    out = pp.token_swap(ids, rate=0.5, seed=1).numpy()
    assert any(not np.array_equal(r, ids[0]) for r in out)
    for row in out:
        assert sorted(row.tolist()) == sorted(ids[0].tolist())
        assert np.all(row[5:] == 0)


@pytest.mark.parametrize("fn", [pp.token_dropout, pp.token_swap])
def test_text_augmentation_rejects_bad_ids(fn):
    with pytest.raises(ValueError, match="dtype"):
        fn(np.array([[0.5, 1.0]]))
    with pytest.raises(ValueError, match="rank"):
        fn(np.zeros((1, 2, 3), dtype="int64"))
    with pytest.raises(ValueError, match="non-negative"):
        fn(np.array([[3, -1]]))
    with pytest.raises(ValueError, match="rate"):
        fn(np.array([[3, 1]]), rate=1.5)


# --- tf.data --------------------------------------------------------------------------


def test_build_pipeline_batches_and_maps_inside_the_graph(data):
    def augment(x, y):
        ids = pp.token_dropout(x["text"], rate=0.2)
        spec = pp.spec_augment(pp.log_mel_spectrogram(x["audio"]))
        return {"text": ids, "spec": spec}, y

    vec = pp.make_text_vectorizer(data.captions)
    ds = pp.build_pipeline({"text": vec(data.captions).numpy(), "audio": data.audio}, data.labels,
                           batch_size=16, map_fn=augment)
    batches = list(ds)
    assert [int(y.shape[0]) for _, y in batches] == [16, 16, 16, 16]
    assert batches[0][0]["spec"].shape == (16, 15, 32)
    seen = np.sort(np.concatenate([y.numpy() for _, y in batches]))
    np.testing.assert_array_equal(seen, np.sort(data.labels))


def test_build_pipeline_rejects_bad_inputs():
    with pytest.raises(ValueError, match="same number"):
        pp.build_pipeline(np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="finite"):
        pp.build_pipeline({"audio": np.array([[np.nan, 0.0]])})
    with pytest.raises(ValueError, match="batch_size"):
        pp.build_pipeline(np.zeros((4, 2)), batch_size=0)
    with pytest.raises(ValueError, match="map_fn"):
        pp.build_pipeline(np.zeros((4, 2)), map_fn="flip")


def test_symbolic_tensors_are_checked_for_rank_and_dtype():
    @tf.function(input_signature=[tf.TensorSpec([None, None, None], tf.float32)])
    def wrong_rank(x):
        return pp.stft_magnitude(x)

    with pytest.raises(ValueError, match="rank"):
        wrong_rank.get_concrete_function()


def test_fused_affine_with_only_flip_mirrors_or_keeps_each_image(data):
    x = data.images[:16].astype("float32")
    out = pp.fused_affine_augmentation(rotation=0.0, translation=0.0, seed=4)(x, training=True).numpy()
    same = [np.allclose(o, i, atol=1e-3) for o, i in zip(out, x, strict=True)]
    mirrored = [np.allclose(o, i[:, ::-1], atol=1e-3) for o, i in zip(out, x, strict=True)]
    assert all(s or m for s, m in zip(same, mirrored, strict=True)) and any(mirrored) and any(same)


def test_fused_affine_rotates_by_at_most_the_range():
    # a bright pixel right of the centre rotated by up to 20 degrees stays within that arc
    x = np.zeros((64, 33, 33, 1), dtype="float32")
    x[:, 16, 28] = 1.0
    out = pp.fused_affine_augmentation(translation=0.0, flip=False, seed=1)(x, training=True).numpy()
    angles = []
    for img in out[..., 0]:
        r, c = np.unravel_index(img.argmax(), img.shape)
        angles.append(np.degrees(np.arctan2(r - 16, c - 16)))
    assert max(abs(a) for a in angles) <= 20 + 6  # one pixel of slack at radius 12
    assert np.std(angles) > 3


def test_fused_affine_rejects_bad_arguments():
    with pytest.raises(ValueError, match="rotation"):
        pp.fused_affine_augmentation(rotation=-0.1)
    with pytest.raises(ValueError, match="flip"):
        pp.fused_affine_augmentation(flip="yes")
