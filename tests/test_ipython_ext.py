"""%load_ext keras_widgets: Keras models display as their summary; %unload_ext undoes it."""

from __future__ import annotations

import keras
from _fresh import modules_imported_by
from _ipython_helpers import WIDGET_VIEW
from IPython.utils.capture import capture_output
from keras import layers

from keras_widgets import _ipython
from keras_widgets._display import svg_pictures


def models():
    seq = keras.Sequential([keras.Input((3,)), layers.Dense(2, name="seq_dense")])
    x = keras.Input((3,))
    fun = keras.Model(x, layers.Dense(1, name="fun_dense")(x))

    class Sub(keras.Model):
        def call(self, x):
            return x

    return {"seq_dense": seq, "fun_dense": fun, "Sub": Sub()}


def shown(shell, obj):
    """(the bundle IPython formats for ``obj``, the bundles displayed while formatting it)."""
    with capture_output() as cap:
        data, _ = shell.display_formatter.format(obj)
    return data, [o.data for o in cap.outputs]


def test_models_render_as_summary_and_unload_restores(shell):
    ms = models()
    # Subclasses of keras.Model, not the class registered by name.
    assert {type(m).__name__ for m in ms.values()} == {"Sequential", "Functional", "Sub"}
    for m in ms.values():
        data, outputs = shown(shell, m)
        assert "text/html" not in data  # Keras models have no HTML of their own
        assert outputs == []

    shell.run_line_magic("load_ext", "keras_widgets")
    for needle, m in ms.items():
        data, outputs = shown(shell, m)
        assert data == {}  # the printer displayed everything itself
        widget, summary, graph = outputs
        assert set(widget) == {WIDGET_VIEW, "text/plain"}  # no HTML twin of the static copies
        assert 'class="kw-summary"' in summary["text/html"]
        assert needle in summary["text/html"]
        assert needle in summary["text/plain"]  # the plain-text table, not "<Sequential ...>"
        assert svg_pictures(graph["text/html"])[0].startswith("<svg")
    # Layers that are not models keep their default display.
    data, outputs = shown(shell, layers.Dense(2))
    assert "text/html" not in data
    assert outputs == []

    shell.run_line_magic("unload_ext", "keras_widgets")
    for m in ms.values():
        data, outputs = shown(shell, m)
        assert "text/html" not in data
        assert data["text/plain"].startswith("<")
        assert outputs == []


def test_last_expression_of_a_cell_is_displayed_as_summary(shell):
    results = []
    # The display hook gets the formatted bundle of a cell's last expression.
    shell.displayhook.write_format_data = lambda data, md=None: results.append(data)
    try:
        shell.run_line_magic("load_ext", "keras_widgets")
        shell.user_ns["keras"] = keras
        with capture_output() as cap:
            shell.run_cell(
                "m = keras.Sequential([keras.Input((2,)), "
                "keras.layers.Dense(1, name='cell_dense')])\nm"
            )
    finally:
        del shell.displayhook.write_format_data  # back to the class attribute
    assert any("cell_dense" in o.data.get("text/html", "") for o in cap.outputs)
    assert results == []  # displayed once, not again as the cell's result


def test_load_is_idempotent_and_unload_keeps_other_printers(shell):
    formatter = shell.display_formatter.ipython_display_formatter
    key = "keras.src.models.model.Model"
    calls = []

    def theirs(obj):
        calls.append(obj)

    previous = formatter.for_type_by_name("keras.src.models.model", "Model", theirs)
    try:
        m = models()["seq_dense"]
        assert shown(shell, m) == ({}, [])  # theirs is now resolved to the class...
        assert calls == [m]
        _ipython.load(shell)
        _ipython.load(shell)
        assert "kw-summary" in shown(shell, m)[1][1]["text/html"]  # ...and still replaced
        assert calls == [m]
        _ipython.unload(shell)
        assert formatter.lookup_by_type(key) is theirs
        assert shown(shell, m) == ({}, [])
        assert calls == [m, m]
        _ipython.unload(shell)  # a second unload is a no-op
        assert formatter.lookup_by_type(key) is theirs
    finally:
        formatter.pop(key, None)
        if previous is not None:
            formatter.for_type_by_name("keras.src.models.model", "Model", previous)


def test_unload_leaves_a_printer_registered_after_load(shell):
    formatter = shell.display_formatter.ipython_display_formatter
    mimebundle = shell.display_formatter.mimebundle_formatter
    before = dict(mimebundle.deferred_printers), dict(mimebundle.type_printers)

    def later(obj):
        pass

    try:
        _ipython.load(shell)
        assert (dict(mimebundle.deferred_printers), dict(mimebundle.type_printers)) == before
        formatter.for_type_by_name("keras.src.models.model", "Model", later)
        _ipython.unload(shell)
        assert formatter.lookup_by_type("keras.src.models.model.Model") is later
    finally:
        formatter.pop("keras.src.models.model.Model", None)


def test_model_mimebundle_is_the_static_bundle():
    bundle = _ipython.model_mimebundle(models()["fun_dense"])
    assert set(bundle) == {"text/html", "text/plain"}
    assert "fun_dense" in bundle["text/html"]
    assert "fun_dense" in bundle["text/plain"]


def test_loading_the_extension_does_not_import_keras():
    code = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "ip = InteractiveShell.instance()\n"
        "ip.run_line_magic('load_ext', 'keras_widgets')\n"
        "assert 'keras_widgets' in ip.extension_manager.loaded\n"
    )
    assert modules_imported_by(code, ("keras", "tensorflow")) == []
