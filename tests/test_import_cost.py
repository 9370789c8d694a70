"""``import keras_widgets`` stays cheap: no Keras, TensorFlow, Plotly or JupyterLab."""

import json
import subprocess
import sys

HEAVY = ("keras", "tensorflow", "plotly", "jupyterlab", "jax", "torch", "pandas", "anywidget")


def test_import_does_not_pull_heavy_modules():
    code = (
        "import json, sys\n"
        "import keras_widgets as kw\n"
        "assert kw.__version__ and callable(kw.load_ipython_extension)\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_summary_module_itself_is_light():
    # The summary imports Keras only through the model it is given.
    code = (
        "import json, sys\n"
        "import keras_widgets as kw\n"
        "kw.summary, kw.ModelSummary\n"
        "print(json.dumps(sorted(m for m in ('keras', 'tensorflow', 'plotly') if m in sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
