"""``import keras_widgets`` stays cheap: no Keras, TensorFlow, Plotly or JupyterLab."""

from _fresh import modules_imported_by

HEAVY = ("keras", "tensorflow", "plotly", "jupyterlab", "jax", "torch", "pandas", "anywidget")


def test_import_does_not_pull_heavy_modules():
    code = (
        "import keras_widgets as kw\n"
        "assert kw.__version__ and callable(kw.load_ipython_extension)\n"
    )
    assert modules_imported_by(code, HEAVY) == []


def test_summary_module_itself_is_light():
    # The summary imports Keras only through the model it is given.
    code = "import keras_widgets as kw\nkw.summary, kw.ModelSummary\n"
    assert modules_imported_by(code, ("keras", "tensorflow", "plotly")) == []
