"""device: the mixed-precision and strategy choices, and the mirrored path on virtual CPUs."""

import subprocess
import sys
import textwrap

import pytest

from mmbm_utils import device


@pytest.mark.parametrize(
    ("mode", "caps", "policy"),
    [
        ("auto", [], "float32"),
        ("auto", [(8, 6)], "mixed_float16"),
        ("auto", [(7, 0), (8, 0)], "mixed_float16"),
        ("auto", [(6, 1)], "float32"),
        ("auto", [(8, 0), (6, 1)], "float32"),
        ("off", [(9, 0)], "float32"),
        ("on", [], "mixed_bfloat16"),
        ("on", [(6, 1)], "mixed_float16"),
    ],
)
def test_choose_policy(mode, caps, policy):
    assert device.choose_policy(mode, caps)[0] == policy


def test_choose_policy_explains_a_weak_gpu():
    policy, note = device.choose_policy("auto", [(6, 1)])
    assert policy == "float32" and "7.0" in note


def test_setup_on_cpu_reports_and_uses_the_default_strategy():
    import keras

    report = device.setup()
    text = str(report)
    assert "GPUs: none" in text and "float32" in text
    assert report.strategy.num_replicas_in_sync == 1
    assert keras.mixed_precision.global_policy().name == "float32"


def test_setup_rejects_unknown_options():
    with pytest.raises(ValueError, match="mixed_precision must be one of"):
        device.setup(mixed_precision="maybe")
    with pytest.raises(ValueError, match="memory_growth"):
        device.setup(memory_growth="yes")


def test_mirrored_strategy_over_two_virtual_devices_trains():
    """Two logical CPUs stand in for two GPUs: the same code path, a real MirroredStrategy."""
    script = textwrap.dedent(
        """
        import numpy as np, tensorflow as tf, keras
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from mmbm_utils.device import choose_strategy
        names = [d.name for d in tf.config.list_logical_devices("CPU")]
        strategy = choose_strategy(names)
        assert type(strategy).__name__ == "MirroredStrategy", type(strategy)
        assert strategy.num_replicas_in_sync == 2
        with strategy.scope():
            model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
            model.compile("sgd", "mse")
        before = model.get_weights()[0].copy()
        model.fit(np.ones((32, 4)), np.ones((32, 1)), batch_size=8, epochs=1, verbose=0)
        assert not np.allclose(before, model.get_weights()[0])
        print("replicas", strategy.num_replicas_in_sync)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "replicas 2" in out.stdout
