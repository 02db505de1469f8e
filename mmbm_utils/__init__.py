"""Shared utilities for the MMBM (multimodal big models) course.

One module per concern:

* ``config``     fast mode, seeds
* ``device``     devices, mixed precision, distribution strategy
* ``data``       the embedded multimodal dataset, splits, ``tf.data``, CIFAR-10
* ``preprocess`` standardization and augmentation per modality
* ``models``     modality encoders and fusion layers
* ``plotting``   one figure style for the course
* ``checks``     visible claim checks and argument validation

Importing the package imports TensorFlow with its start-up notices silenced: the
oneDNN notice is written to the process's standard error before TensorFlow's own
log level applies, and would otherwise open every notebook's first output.

>>> import mmbm_utils
>>> mmbm_utils.__version__
'0.1.0'
"""

import os

__version__ = "0.1.0"


def _import_tensorflow_quietly() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    except OSError:  # no file descriptor 2 to silence
        import tensorflow  # noqa: F401

        return
    os.dup2(devnull, 2)
    try:
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


_import_tensorflow_quietly()
