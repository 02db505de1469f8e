"""Shared utilities for the MMBM (multimodal big models) course.

One module per concern:

* ``config``     fast mode, seeds
* ``device``     devices, mixed precision, distribution strategy
* ``data``       the embedded multimodal dataset, splits, ``tf.data``, CIFAR-10
* ``preprocess`` standardization and augmentation per modality
* ``models``     modality encoders and fusion layers
* ``plotting``   one figure style for the course
* ``checks``     visible claim checks and argument validation

>>> import mmbm_utils
>>> mmbm_utils.__version__
'0.1.0'
"""

__version__ = "0.1.0"
