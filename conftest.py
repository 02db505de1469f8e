"""Test-wide settings: fast mode unless the caller chose otherwise, quiet TensorFlow logs."""

import os

os.environ.setdefault("MMBM_FAST", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")
