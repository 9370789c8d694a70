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


# Top-level modules whose absence means "Keras has no backend to run on".
_BACKEND_MODULES = {"keras", "tensorflow", "jax", "jaxlib", "torch"}


def explain_missing_backend(error: ModuleNotFoundError) -> None:
    """Raise a clear error when ``error`` says Keras or its backend is not installed.

    ``import keras`` with no backend installed fails deep inside Keras with a bare
    ``No module named 'tensorflow'``; this names what to install instead. Any other missing
    module is left to the caller to re-raise unchanged.
    """
    name = (error.name or "").partition(".")[0]
    if name not in _BACKEND_MODULES:
        return
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    raise ModuleNotFoundError(
        f"keras_widgets needs Keras and a backend to run it, but {name!r} is not installed "
        f"(KERAS_BACKEND={backend}). Install one of:\n"
        '  pip install "keras-widgets[tensorflow]"\n'
        '  pip install "keras-widgets[jax]"    and set KERAS_BACKEND=jax\n'
        '  pip install "keras-widgets[torch]"  and set KERAS_BACKEND=torch',
        name=error.name,
    ) from error


def in_voila() -> bool:
    """True in a kernel that Voila started (it sets ``VOILA_*`` variables in the kernel's
    environment: voila/handler.py sets ``VOILA_REQUEST_URL`` at launch, and its template's
    kernel_start sets ``VOILA_KERNEL_ID``). Voila's own module is not imported in the kernel."""
    return bool(os.environ.get("VOILA_REQUEST_URL") or os.environ.get("VOILA_KERNEL_ID"))
