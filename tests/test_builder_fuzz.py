"""Fuzz: random UI edits with garbage values never raise, always round-trip through JSON,
and ``to_code()`` stays valid Python where user text only ever appears inside literals."""

import ast
import io
import json
import keyword
import tokenize

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keras_widgets._builder._catalog import (
    COMPILE_KEYS,
    LAYER_TYPES,
    OPTIMIZERS,
    applications,
    arg_map,
)
from keras_widgets._builder._core import BuilderState, presets

ARG_NAMES = sorted({name for t in LAYER_TYPES for name in arg_map(t)})
NASTY = [
    "",
    " ",
    "None",
    "-1",
    "0",
    "3,3",
    "3x3",
    "(2, 2)",
    "1e9",
    "nan",
    "inf",
    "relu",
    "same",
    "causal",
    "l2",
    "<img src=x onerror=window.__xss=1>",
    "</script><script>alert(1)</script>",
    "__import__('os').system('echo pwned')",
    "'); import os; ('",
    '"""',
    "ünïcødé ✓ 名前",
    "a/b",
    "\n# comment\nimport os",
]
garbage = st.one_of(
    st.sampled_from(NASTY),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.integers(min_value=-3, max_value=70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=12),
    st.lists(st.one_of(st.integers(-2, 40), st.sampled_from(NASTY)), max_size=4),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["L1", "L2", "L1L2", "l3", "LSTM", "<b>"])},
        optional={"l1": st.one_of(st.floats(), st.text(max_size=4)), "config": st.just({})},
    ),
)
layer_type = st.one_of(
    st.sampled_from(sorted(LAYER_TYPES)), st.sampled_from(NASTY), st.text(max_size=8)
)
index = st.one_of(st.integers(-3, 8), st.sampled_from(["L1", "L2", "x", None]), garbage)
edit = st.one_of(
    st.fixed_dictionaries(
        {"op": st.sampled_from(["add", "insert"]), "type": layer_type},
        optional={
            "index": index,
            "config": st.dictionaries(st.sampled_from(ARG_NAMES), garbage, max_size=3),
        },
    ),
    st.fixed_dictionaries(
        {"op": st.sampled_from(["remove", "duplicate", "collapse"]), "index": index}
    ),
    st.fixed_dictionaries({"op": st.just("move"), "from": index, "to": index}),
    st.fixed_dictionaries(
        {
            "op": st.just("set_arg"),
            "index": index,
            "name": st.one_of(st.sampled_from(ARG_NAMES), st.sampled_from(NASTY)),
            "value": garbage,
        }
    ),
    st.fixed_dictionaries({"op": st.just("set_input_shape"), "shape": garbage}),
    st.fixed_dictionaries({"op": st.just("set_name"), "name": garbage}),
    st.fixed_dictionaries(
        {
            "op": st.just("set_compile"),
            "values": st.dictionaries(
                st.sampled_from(sorted(COMPILE_KEYS)),
                st.one_of(garbage, st.sampled_from(["adam", "sgd", "mean_squared_error"])),
                max_size=3,
            ),
        }
    ),
    st.fixed_dictionaries({"op": st.sampled_from(["undo", "redo", "clear", "<op>"])}),
    st.fixed_dictionaries(
        {"op": st.just("preset"), "name": st.one_of(st.sampled_from(sorted(presets())), garbage)}
    ),
    garbage,  # not even a dict
)

# Every identifier the generated code may contain; anything else would be user text.
ALLOWED_NAMES = (
    {"keras", "model", "Sequential", "Input", "shape", "name", "layers", "compile"}
    | {"optimizer", "optimizers", "loss", "metrics", "learning_rate", "regularizers"}
    | {"L1", "L2", "L1L2", "l1", "l2", "True", "False", "None"}
    | set(LAYER_TYPES)
    | set(ARG_NAMES)
    | set(COMPILE_KEYS)
    | {label for label, _ in OPTIMIZERS.values()}
    # pretrained bases (the VGG16 preset): base = keras.applications.X(...), freezing
    | {"base", "applications", "trainable", "include_top", "weights", "input_shape", "pooling"}
    | {"for", "layer", "in", "if", "isinstance", "BatchNormalization"}
    | set(applications())
    | {"losses", "BinaryCrossentropy", "from_logits", "BinaryAccuracy"}
)
NOTE = "# NOTE: the builder reports errors; this code leaves out invalid values."


def check_code(code: str) -> None:
    ast.parse(code)
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.NAME:
            assert tok.string in ALLOWED_NAMES or keyword.iskeyword(tok.string), tok
            assert tok.string in ("import", "True", "False", "None") or not keyword.iskeyword(
                tok.string
            )
        elif tok.type == tokenize.COMMENT:
            assert tok.string == NOTE
        elif tok.type == tokenize.STRING:
            ast.literal_eval(tok.string)  # a plain literal, nothing else
        elif tok.type == tokenize.ERRORTOKEN:
            raise AssertionError(tok)
    tree = ast.parse(code)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    for call in calls:  # every call is keras.<...>.<Name>(...) or model.compile(...)
        root = call.func
        while isinstance(root, ast.Attribute):
            root = root.value
        assert isinstance(root, ast.Name)
        assert root.id in ("keras", "model", "isinstance")


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(edit, min_size=1, max_size=12))
def test_random_ui_edits_never_raise_and_round_trip(edits):
    b = BuilderState(input_shape=(8, 8, 3))
    for e in edits:
        out = b.apply_edit(e)
        assert set(out) == {"ok", "error", "id"}
        assert isinstance(out["ok"], bool)
    report = b.validate()
    json.dumps(report, allow_nan=False)
    assert len(report["layers"]) == len(b)
    ids = [layer["id"] for layer in b.layers]
    assert len(set(ids)) == len(ids)
    text = b.to_json()
    again = BuilderState.from_json(text)
    assert again.to_json() == text
    assert again.validate() == report
    check_code(b.to_code())
    if report["ok"]:
        assert b.build_model().count_params() == report["total_params"]
