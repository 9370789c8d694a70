"""%load_ext keras_widgets: Keras models display as their summary; %unload_ext undoes it."""

from __future__ import annotations

import subprocess
import sys

import keras
import pytest
from IPython.core.interactiveshell import InteractiveShell
from keras import layers

from keras_widgets import _ipython


@pytest.fixture
def shell():
    ip = InteractiveShell.instance()
    yield ip
    if "keras_widgets" in ip.extension_manager.loaded:
        ip.run_line_magic("unload_ext", "keras_widgets")


def models():
    seq = keras.Sequential([keras.Input((3,)), layers.Dense(2, name="seq_dense")])
    x = keras.Input((3,))
    fun = keras.Model(x, layers.Dense(1, name="fun_dense")(x))

    class Sub(keras.Model):
        def call(self, x):
            return x

    return {"seq_dense": seq, "fun_dense": fun, "Sub": Sub()}


def test_models_render_as_summary_and_unload_restores(shell):
    ms = models()
    for m in ms.values():
        data, _ = shell.display_formatter.format(m)
        assert "text/html" not in data  # Keras models have no HTML of their own

    shell.run_line_magic("load_ext", "keras_widgets")
    for needle, m in ms.items():
        data, _ = shell.display_formatter.format(m)
        assert 'class="kw-summary"' in data["text/html"]
        assert needle in data["text/html"]
        assert needle in data["text/plain"]  # the plain-text table, not "<Sequential ...>"
    # Layers that are not models keep their default display.
    data, _ = shell.display_formatter.format(layers.Dense(2))
    assert "text/html" not in data

    shell.run_line_magic("unload_ext", "keras_widgets")
    for m in ms.values():
        data, _ = shell.display_formatter.format(m)
        assert "text/html" not in data
        assert data["text/plain"].startswith("<")


def test_last_expression_of_a_cell_is_displayed_as_summary(shell):
    shown = []
    # The display hook gets the formatted bundle of a cell's last expression.
    shell.displayhook.write_format_data = lambda data, md=None: shown.append(data)
    try:
        shell.run_line_magic("load_ext", "keras_widgets")
        shell.user_ns["keras"] = keras
        shell.run_cell(
            "m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, name='cell_dense')])\nm"
        )
    finally:
        del shell.displayhook.write_format_data  # back to the class attribute
    assert any("cell_dense" in d.get("text/html", "") for d in shown)


def test_load_is_idempotent_and_unload_keeps_other_printers(shell):
    formatter = shell.display_formatter.mimebundle_formatter

    def theirs(obj):
        return {"text/html": "<b>theirs</b>"}

    previous = formatter.for_type_by_name("keras.src.models.model", "Model", theirs)
    try:
        _ipython.load(shell)
        _ipython.load(shell)
        m = models()["seq_dense"]
        assert "kw-summary" in shell.display_formatter.format(m)[0]["text/html"]
        _ipython.unload(shell)
        assert shell.display_formatter.format(m)[0]["text/html"] == "<b>theirs</b>"
        _ipython.unload(shell)  # a second unload is a no-op
        assert shell.display_formatter.format(m)[0]["text/html"] == "<b>theirs</b>"
    finally:
        formatter.pop("keras.src.models.model.Model", None)
        if previous is not None:
            formatter.for_type_by_name("keras.src.models.model", "Model", previous)


def test_model_mimebundle_is_the_extension_point():
    bundle = _ipython.model_mimebundle(models()["fun_dense"])
    assert set(bundle) == {"text/html", "text/plain"}
    assert "fun_dense" in bundle["text/html"]
    assert "fun_dense" in bundle["text/plain"]


def test_loading_the_extension_does_not_import_keras():
    code = (
        "import sys\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "ip = InteractiveShell.instance()\n"
        "ip.run_line_magic('load_ext', 'keras_widgets')\n"
        "assert 'keras_widgets' in ip.extension_manager.loaded\n"
        "print(sorted(m for m in ('keras', 'tensorflow') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
