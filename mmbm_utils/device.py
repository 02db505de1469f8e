"""Devices, mixed precision and the distribution strategy, chosen in one call.

>>> report = setup(mixed_precision="off")
>>> report.strategy.num_replicas_in_sync >= 1
True
"""

from __future__ import annotations

import dataclasses
import os

from .checks import require_bool, require_choice

MIXED_PRECISION_MIN_CAPABILITY = (7, 0)  # Volta and newer have float16 tensor cores


@dataclasses.dataclass
class DeviceReport:
    """What :func:`setup` found and chose. ``print(report)`` gives a readable summary."""

    tensorflow_version: str
    keras_version: str
    cpus: list
    gpus: list
    gpu_names: list
    compute_capabilities: list
    memory_growth: bool
    policy: str
    strategy: object
    notes: list

    def __str__(self) -> str:
        name = type(self.strategy).__name__
        replicas = self.strategy.num_replicas_in_sync
        lines = [
            f"TensorFlow {self.tensorflow_version} · Keras {self.keras_version}",
            f"CPUs: {len(self.cpus)} logical device(s) · cores visible to this process: {os.cpu_count()}",
            "GPUs: " + (", ".join(f"{n} (compute {c[0]}.{c[1]})" if c else n
                                 for n, c in zip(self.gpu_names, self.compute_capabilities)) or "none"),
            f"GPU memory growth: {'on' if self.memory_growth else 'not applicable'}",
            f"Mixed-precision policy: {self.policy}",
            f"Distribution strategy: {name} with {replicas} replica(s)",
        ]
        return "\n".join(lines + [f"note: {n}" for n in self.notes])

    def _repr_pretty_(self, p, cycle):  # IPython shows the readable form
        p.text(str(self))


def choose_policy(mixed_precision: str, capabilities: list) -> tuple[str, str | None]:
    """The Keras dtype policy for ``mixed_precision`` ("auto", "on", "off") given the GPUs'
    compute capabilities; returns ``(policy, note)``.

    >>> choose_policy("auto", [(8, 0)])
    ('mixed_float16', None)
    >>> choose_policy("auto", [])[0]
    'float32'
    """
    require_choice("mixed_precision", mixed_precision, ("auto", "on", "off"))
    if mixed_precision == "off":
        return "float32", None
    capable = bool(capabilities) and all(c and tuple(c) >= MIXED_PRECISION_MIN_CAPABILITY for c in capabilities)
    if capable:
        return "mixed_float16", None
    if mixed_precision == "on":
        if not capabilities:
            return "mixed_bfloat16", "no GPU: mixed_bfloat16 on CPU saves memory but is rarely faster"
        return "mixed_float16", "GPU below compute capability 7.0: mixed precision will be slow"
    if capabilities:
        return "float32", "GPU below compute capability 7.0: staying in float32"
    return "float32", None


def choose_strategy(devices: list):
    """``MirroredStrategy`` over ``devices`` when there are two or more, else the default strategy.

    >>> type(choose_strategy([])).__name__
    '_DefaultDistributionStrategy'
    """
    import tensorflow as tf

    if len(devices) >= 2:
        return tf.distribute.MirroredStrategy(devices=list(devices))
    return tf.distribute.get_strategy()


def setup(mixed_precision: str = "auto", *, memory_growth: bool = True) -> DeviceReport:
    """Report devices, enable GPU memory growth, set the mixed-precision policy where the
    GPUs support it (compute capability >= 7.0) and return a :class:`DeviceReport` whose
    ``.strategy`` is a ``MirroredStrategy`` over two or more GPUs, the default otherwise.

    ``mixed_precision``: ``"auto"`` (mixed only on capable GPUs), ``"on"`` or ``"off"``.
    """
    require_choice("mixed_precision", mixed_precision, ("auto", "on", "off"))
    require_bool("memory_growth", memory_growth)
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    notes = []
    growth = False
    if memory_growth:
        for gpu in gpus:
            try:
                tf.config.experimental.set_memory_growth(gpu, True)
                growth = True
            except RuntimeError as err:  # already initialised: growth must be set before first use
                notes.append(f"memory growth not set: {err}")
    names, caps = [], []
    for gpu in gpus:
        details = tf.config.experimental.get_device_details(gpu)
        names.append(details.get("device_name", gpu.name))
        caps.append(details.get("compute_capability"))
    policy, note = choose_policy(mixed_precision, caps)
    if note:
        notes.append(note)
    keras.mixed_precision.set_global_policy(policy)
    logical_gpus = [d.name for d in tf.config.list_logical_devices("GPU")]
    return DeviceReport(
        tensorflow_version=tf.__version__,
        keras_version=keras.__version__,
        cpus=tf.config.list_logical_devices("CPU"),
        gpus=gpus,
        gpu_names=names,
        compute_capabilities=caps,
        memory_growth=growth,
        policy=policy,
        strategy=choose_strategy(logical_gpus),
        notes=notes,
    )
