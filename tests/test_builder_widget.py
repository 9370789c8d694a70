"""The SequentialBuilder shell: Python API and UI edits both go through the state and the view
always shows the same state, report and code."""

from __future__ import annotations

import json
import re

import keras
import numpy as np
import pytest

import keras_widgets as kw


@pytest.fixture
def cnn():
    b = kw.SequentialBuilder(input_shape=(28, 28, 1), name="cnn")
    b.add("Conv2D", filters=8, kernel_size=3, activation="relu")
    b.add("MaxPooling2D", pool_size=2)
    b.add("Flatten")
    b.add("Dense", units=10, activation="softmax")
    return b


def _edit(b, **edit):
    # The same path as a message from the browser: ipywidgets dispatches it to on_msg.
    b.widget._handle_custom_msg({"type": "edit", "edit": edit}, [])


def test_python_api_is_reflected_in_the_view(cnn):
    view = cnn.widget
    assert [spec["type"] for spec in view.state["layers"]] == [
        "Conv2D",
        "MaxPooling2D",
        "Flatten",
        "Dense",
    ]
    assert view.report["ok"] is True
    assert view.report["layers"][2]["output_shape"] == [13 * 13 * 8]
    assert view.report["total_params"] == cnn.model.count_params() == 80 + 1352 * 10 + 10
    assert "keras.layers.Conv2D(filters=8" in view.code
    assert view.catalog["groups"]
    assert "Conv2D" in view.catalog["layers"]
    assert len(view.presets) >= 3

    cnn.remove(1)
    assert [spec["type"] for spec in view.state["layers"]] == ["Conv2D", "Flatten", "Dense"]
    assert view.report["total_params"] == cnn.model.count_params()
    assert view.can_undo
    assert not view.can_redo
    cnn.undo()
    assert len(view.state["layers"]) == 4
    assert view.can_redo
    cnn.redo()
    assert len(view.state["layers"]) == 3

    cnn.set(0, filters=4)
    assert view.state["layers"][0]["config"]["filters"] == 4
    assert "filters=4" in view.code
    cnn.name = "renamed"
    assert view.state["name"] == "renamed"
    assert cnn.model.name == "renamed"


def test_ui_edits_are_visible_in_python(cnn):
    view = cnn.widget
    first = view.state["layers"][0]["id"]
    _edit(cnn, op="set_arg", id=first, name="kernel_size", value="abc")
    assert view.report["layers"][0]["field_errors"]["kernel_size"]
    assert view.report["ok"] is False
    assert cnn.layers[0]["config"]["kernel_size"] == "abc"  # kept to be fixed, not lost

    _edit(cnn, op="set_arg", id=first, name="kernel_size", value=[5, 5])
    assert view.report["ok"] is True
    assert view.report["layers"][0]["output_shape"] == [24, 24, 8]

    _edit(cnn, op="insert", index=3, type="Dropout")
    _edit(cnn, op="move", id=view.state["layers"][3]["id"], to=1)
    assert [s["type"] for s in cnn.layers] == [
        "Conv2D",
        "Dropout",
        "MaxPooling2D",
        "Flatten",
        "Dense",
    ]
    _edit(cnn, op="set_input_shape", shape=[32, 32, 3])
    assert cnn.input_shape == (32, 32, 3)
    _edit(cnn, op="set_compile", values={"optimizer": "sgd", "momentum": 0.9})
    assert view.state["compile"]["momentum"] == 0.9
    assert "momentum=0.9" in view.code
    _edit(cnn, op="undo")
    assert "momentum" not in view.state["compile"]
    _edit(cnn, op="collapse", id=first, collapsed=True)
    assert view.state["layers"][0]["collapsed"] is True


@pytest.mark.parametrize(
    "content",
    [
        None,
        "edit",
        {"type": "edit"},
        {"type": "edit", "edit": None},
        {"type": "edit", "edit": {"op": "nope"}},
        {"type": "edit", "edit": {"op": "add", "type": "<img src=x onerror=alert(1)>"}},
        {"type": "edit", "edit": {"op": "set_arg", "id": "missing", "name": "units", "value": 1}},
        {"type": "edit", "edit": {"op": "remove", "index": 99}},
        {"type": "other"},
    ],
)
def test_garbage_messages_never_raise(cnn, content):
    view = cnn.widget
    before = cnn.to_json()
    view._handle_custom_msg(content, [])
    assert cnn.to_json() == before
    assert view.report["ok"] is True


def test_json_and_model_round_trips(cnn):
    cnn.compile(optimizer="adam", learning_rate=1e-3, loss="sparse_categorical_crossentropy")
    again = kw.SequentialBuilder.from_json(cnn.to_json())
    assert again.layers == cnn.layers
    assert json.loads(again.to_json())["compile"] == json.loads(cnn.to_json())["compile"]
    assert again.to_code() == cnn.to_code()

    model = cnn.model
    assert model.optimizer is not None
    assert model.count_params() == 13610
    copy = kw.SequentialBuilder.from_model(model)
    assert [s["type"] for s in copy.layers] == [s["type"] for s in cnn.layers]
    assert copy.model.count_params() == model.count_params()
    assert copy.input_shape == (28, 28, 1)

    code = {}
    exec(compile(cnn.to_code(), "<builder>", "exec"), code)  # our own generated source
    assert code["model"].count_params() == model.count_params()


def test_display_shows_the_one_view_and_its_static_picture(cnn, monkeypatch):
    import IPython.display

    shown, updated = [], []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **opts: shown.append((obj, opts)))
    monkeypatch.setattr(
        IPython.display, "update_display", lambda obj, **opts: updated.append((obj, opts))
    )
    cnn._ipython_display_()
    cnn._ipython_display_()
    assert cnn.widget is cnn.widget  # one view, reused
    views = [(obj, opts) for obj, opts in shown if "text/html" not in obj]
    pictures = [(obj, opts) for obj, opts in shown if isinstance(obj, dict) and "text/html" in obj]
    for obj, opts in views:
        if isinstance(obj, dict):  # ipywidgets 8: the widget's bundle with our text fallback
            assert opts.get("raw") is True
            assert (
                obj["application/vnd.jupyter.widget-view+json"]["model_id"] == cnn.widget.model_id
            )
            assert obj["text/plain"] == repr(cnn)
        else:  # ipywidgets 7: the widget itself
            assert obj is cnn.widget
    assert len(views) == 2
    assert len(pictures) == 2  # each display: the view, then its static picture below
    html = pictures[-1][0]["text/html"]
    assert 'class="kw-b-static"' in html
    assert "<table" in html
    assert "13,610" in html  # total params
    assert "keras.layers.Conv2D(filters=8" in html
    assert pictures[-1][1]["display_id"]
    # An edit refreshes the last picture (same display id).
    cnn.add("Dense", units=3)
    assert updated[-1][1]["display_id"] == pictures[-1][1]["display_id"]
    assert "Dense" in updated[-1][0]["text/html"]
    assert "Conv2D" in repr(cnn)


def test_rejected_ui_edits_say_why_without_a_sync(monkeypatch):
    b = kw.SequentialBuilder(input_shape=(4,))
    for _ in range(500):
        b._state.add("Dense", units=2)
    view = b.widget
    sent, synced = [], []
    monkeypatch.setattr(view, "send", lambda content, buffers=None: sent.append(content))
    monkeypatch.setattr(b, "_sync", lambda: synced.append(1))
    before = b.to_json()
    first = view.state["layers"][0]["id"]
    for edit, reason in [
        ({"op": "add", "type": "Dense"}, "at most 500 layers"),
        ({"op": "duplicate", "id": first}, "at most 500 layers"),
        ({"op": "set_arg", "id": "L99999", "name": "units", "value": 3}, "no layer with id"),
        ({"op": "remove", "id": "gone"}, "no layer with id"),
    ]:
        _edit(b, **edit)
        assert sent[-1]["type"] == "rejected"
        assert reason in sent[-1]["error"]
        assert reason in b.last_error
    assert synced == []  # rejection costs no validation, code or sync
    assert b.to_json() == before


def test_lone_surrogate_name_is_a_field_error_and_syncs():
    b = kw.SequentialBuilder(input_shape=(4,))
    b.add("Dense", units=2)
    view = b.widget
    _edit(b, op="set_arg", id=view.state["layers"][0]["id"], name="name", value="a\ud800")
    assert "lone surrogate" in view.report["layers"][0]["field_errors"]["name"]
    json.dumps(view.state).encode("utf-8")  # the view keeps updating
    b.name = "m\udfff"
    assert "lone surrogate" in view.report["model_error"]


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('{"layers": 5}', "$.layers"),
        ("[1, 2]", "$"),
        ('{"layers": [{"type": "Dense", "config": 3}]}', "$.layers[0].config"),
        ('{"layers": [{"type": 7}]}', "$.layers[0].type"),
        ('{"layers": [{"type": "NoSuchLayer"}]}', "$.layers[0].type"),
        ('{"compile": []}', "$.compile"),
        ('{"compile": {"metrics": "acc"}}', "$.compile.metrics"),
        ("{not json", "$"),
    ],
)
def test_from_json_names_the_path_of_a_bad_value(text, path):
    with pytest.raises(ValueError, match=re.escape(path) + ":"):
        kw.SequentialBuilder.from_json(text)


def test_presets_load_from_python_and_ui():
    b = kw.SequentialBuilder()
    names = b.presets()
    assert len(names) >= 3
    for name in names:
        _edit(b, op="preset", name=name)
        assert b.widget.report["ok"] is True, name
        assert b.model.count_params() == b.widget.report["total_params"]


def test_fit_trains_a_fresh_model():
    b = kw.SequentialBuilder(input_shape=(4,))
    b.add("Dense", units=3, activation="softmax")
    b.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.integers(0, 3, size=32)
    seen = []

    class Spy(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.extend(type(c).__name__ for c in self.model._kw_callbacks)

    # Record which callbacks fit() received (LivePlot is added next to the user's own).
    original = keras.Model.fit

    def fit(model, *args, callbacks=None, **kwargs):
        model._kw_callbacks = list(callbacks or [])
        return original(model, *args, callbacks=callbacks, **kwargs)

    keras.Model.fit = fit
    try:
        history = b.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[Spy()])
    finally:
        keras.Model.fit = original
    assert len(history.history["loss"]) == 2
    assert history.model.count_params() == 15
    assert seen == ["Spy", "LivePlot"]
