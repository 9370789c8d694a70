"""Shared test settings: quiet TensorFlow, TensorFlow backend unless told otherwise."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
