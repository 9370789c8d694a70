"""Facts about the running process that decide whether widgets should show themselves."""

from __future__ import annotations

import os
import sys


def is_primary_process() -> bool:
    """False only on a non-zero process of a multi-process ``keras.distribution`` run.

    Every process of a multi-host JAX job runs the same code; only process 0 should display
    widgets (the others would stream the same curves to nobody, or to a second notebook).
    Keras reads the process id from ``KERAS_DISTRIBUTION_PROCESS_ID`` in
    ``keras.distribution.initialize()``, and JAX knows it afterwards; either being non-zero
    counts. TensorFlow and PyTorch runs are single-process as far as we can tell: True.
    """
    env = os.environ.get("KERAS_DISTRIBUTION_PROCESS_ID", "").strip()
    if env:
        try:
            if int(env) != 0:
                return False
        except ValueError:
            pass  # not a process id Keras would accept either
    keras = sys.modules.get("keras")
    if keras is None or keras.config.backend() != "jax":
        return True  # never import JAX ourselves
    import jax  # already imported by Keras's JAX backend

    return jax.process_index() == 0
