"""Shared test settings: quiet TensorFlow, TensorFlow backend unless told otherwise."""

import os
import pathlib

import pytest
from hypothesis import settings

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

# CI replays the same examples every run (a new seed per run would make a red CI a lottery);
# local runs keep exploring and remember what failed (.hypothesis/).
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture
def shell():
    """IPython's shell singleton, with ``%load_ext keras_widgets`` undone afterwards."""
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    yield ip
    if "keras_widgets" in ip.extension_manager.loaded:
        ip.run_line_magic("unload_ext", "keras_widgets")


# Modules whose tests run no Keras computation that differs by backend: display plumbing,
# readers of event files, option checks, JavaScript run in node, repository checks. CI runs
# them once (TensorFlow) and every other unit test again under JAX and PyTorch.
BACKEND_INDEPENDENT = {
    "test_busy_comm.py",
    "test_display.py",
    "test_display_compat.py",
    "test_graph_ipython.py",
    "test_graph_layout_js.py",
    "test_import_cost.py",
    "test_ipython_ext.py",
    "test_liveplot_layout.py",
    "test_liveplot_options.py",
    "test_repo.py",
    "test_runs_core.py",
    "test_runs_fast.py",
    "test_runs_multiworker.py",
    "test_runs_s3.py",
    "test_tune_space.py",
}


def pytest_collection_modifyitems(items):
    for item in items:
        if pathlib.Path(str(item.fspath)).name in BACKEND_INDEPENDENT:
            item.add_marker(pytest.mark.backend_independent)
