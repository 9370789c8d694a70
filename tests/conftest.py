"""Shared test settings: quiet TensorFlow, TensorFlow backend unless told otherwise."""

import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture
def shell():
    """IPython's shell singleton, with ``%load_ext keras_widgets`` undone afterwards."""
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    yield ip
    if "keras_widgets" in ip.extension_manager.loaded:
        ip.run_line_magic("unload_ext", "keras_widgets")
