"""Unit tests for mmbm_utils.models: output shapes, masking, trainability and bad arguments."""

import keras
import numpy as np
import pytest

from mmbm_utils import models
from mmbm_utils.data import AUDIO_LENGTH, make_multimodal_dataset
from mmbm_utils.preprocess import make_text_vectorizer


@pytest.fixture(scope="module")
def data():
    return make_multimodal_dataset(16, seed=3)


@pytest.mark.parametrize("dim", [1, 5, 16])
def test_image_encoder_feature_and_sequence_shapes(data, dim):
    vec = models.image_encoder(dim, filters=(4, 8))
    seq = models.image_encoder(dim, filters=(4, 8, 8), return_sequence=True)
    assert vec(data.images[:3]).shape == (3, dim)
    assert seq(data.images[:3]).shape == (3, 4 * 4, dim)  # 32 → 16 → 8 → 4


def test_audio_frontend_and_encoder_shapes(data):
    front = models.audio_frontend(16, frame_step=64)
    frames = front(data.audio[:2]).numpy()
    assert frames.shape == (2, 1 + AUDIO_LENGTH // 64, 16)
    assert np.all(np.isfinite(frames))
    assert models.audio_encoder(7, n_mels=16, filters=(4,))(data.audio[:2]).shape == (2, 7)
    seq = models.audio_encoder(7, n_mels=16, filters=(4,), frame_step=128, return_sequence=True)
    assert seq(data.audio[:2]).shape == (2, 1 + AUDIO_LENGTH // 128, 7)


def test_text_encoder_sequence_carries_padding_mask(data):
    vec = make_text_vectorizer(data.captions, sequence_length=20)
    tokens = vec(data.captions[:4]).numpy()
    enc = models.text_encoder(len(vec.get_vocabulary()), 6, sequence_length=20, return_sequence=True)
    out = enc(tokens)
    assert out.shape == (4, 20, 6)
    mask = enc.layers[1].compute_mask(tokens)
    assert np.array_equal(np.asarray(mask), tokens != 0)
    assert models.text_encoder(50, 6, sequence_length=20)(tokens).shape == (4, 6)


@pytest.mark.parametrize("cell", models.RNN_CELLS)
def test_recurrent_encoder_shapes_for_every_cell(cell):
    x = np.random.default_rng(0).normal(size=(3, 9, 5)).astype("float32")
    assert models.recurrent_encoder((9, 5), cell=cell, units=4)(x).shape == (3, 4)
    assert models.recurrent_encoder((9, 5), cell=cell, units=4, return_sequences=True)(x).shape == (3, 9, 4)
    if cell != "conv1d":
        assert models.recurrent_encoder((9, 5), cell=cell, units=4, bidirectional=True)(x).shape == (3, 8)


def test_recurrent_encoder_ignores_padding_of_tokens():
    enc = models.recurrent_encoder((6,), vocab_size=20, cell="gru", units=5)
    short = np.array([[3, 4, 5, 0, 0, 0]])
    other = np.array([[3, 4, 5, 0, 0, 0]])
    padded_longer = np.array([[3, 4, 5, 0, 0, 0, 0, 0]])
    longer = models.recurrent_encoder((8,), vocab_size=20, cell="gru", units=5)
    longer.set_weights(enc.get_weights())
    np.testing.assert_allclose(enc(short), enc(other))
    np.testing.assert_allclose(enc(short), longer(padded_longer), atol=1e-6)
    assert not np.allclose(enc(short), enc(np.array([[3, 4, 5, 6, 0, 0]])))


def test_source_cnn_matches_the_source_architecture():
    model = models.source_cnn()
    shapes = [tuple(layer.output.shape[1:]) for layer in model.layers]
    assert shapes == [(32, 32, 3), (30, 30, 32), (15, 15, 32), (13, 13, 64), (6, 6, 64), (4, 4, 128),
                      (2, 2, 128), (512,), (128,), (10,)]
    conv_params = [layer.count_params() for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert conv_params == [(3 * 3 * c_in + 1) * c_out for c_in, c_out in ((3, 32), (32, 64), (64, 128))]
    assert models.source_cnn(rescale=False).count_params() == model.count_params()


def test_encoders_are_trainable_and_learn():
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 12, 3)).astype("float32")
    y = (x[:, :, 0].sum(axis=1) > 0).astype("int32")
    enc = models.recurrent_encoder((12, 3), cell="lstm", units=8)
    assert enc.trainable_weights and len(enc.trainable_weights) == len(enc.weights)
    model = keras.Sequential([enc, keras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    before = [w.numpy().copy() for w in enc.trainable_weights]
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert all(not np.allclose(b, w.numpy()) for b, w in zip(before, enc.trainable_weights, strict=True))


def test_frozen_encoder_has_no_trainable_weights():
    enc = models.image_encoder(4, filters=(4,))
    enc.trainable = False
    assert enc.trainable_weights == [] and enc.count_params() > 0


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: models.image_encoder(0), "output_dim"),
        (lambda: models.image_encoder(8, filters=()), "filters"),
        (lambda: models.image_encoder(8, filters=(4, -1)), "filters"),
        (lambda: models.image_encoder(8, filters=(2,) * 6), "filters"),
        (lambda: models.image_encoder(8, return_sequence="yes"), "return_sequence"),
        (lambda: models.audio_frontend(2), "n_mels"),
        (lambda: models.audio_frontend(16, frame_step=0), "frame_step"),
        (lambda: models.audio_encoder(8, n_mels=500), "n_mels"),
        (lambda: models.text_encoder(1), "vocab_size"),
        (lambda: models.text_encoder(50, 8, sequence_length=0), "sequence_length"),
        (lambda: models.recurrent_encoder((10, 4), cell="transformer"), "cell"),
        (lambda: models.recurrent_encoder((10,)), "vocab_size"),
        (lambda: models.recurrent_encoder((10, 4), vocab_size=30), "vocab_size"),
        (lambda: models.recurrent_encoder((10, 4, 2)), "input_shape"),
        (lambda: models.recurrent_encoder((10, 4), units=0), "units"),
        (lambda: models.recurrent_encoder((10, 4), cell="conv1d", bidirectional=True), "bidirectional"),
        (lambda: models.source_cnn((16, 16, 3)), "input_shape"),
        (lambda: models.source_cnn(n_classes=1), "n_classes"),
        (lambda: models.build_classifier(()), "modalities"),
        (lambda: models.build_classifier(("video",)), "modalities"),
    ],
)
def test_bad_arguments_raise_value_error_naming_the_argument(build, match):
    with pytest.raises(ValueError, match=match):
        build()
