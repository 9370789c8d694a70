"""kw.graph's data on the wire: nodes and edges as columns (keras_widgets._graph._columns)."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess

import keras
import pytest

import keras_widgets as kw
from keras_widgets._graph._columns import FORMAT, decode, encode
from tests._graph_synthetic import residual_graph_data

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_a_real_model_s_graph_comes_back_whole():
    base = keras.applications.MobileNetV2(weights=None, input_shape=(64, 64, 3), alpha=0.35)
    x = keras.Input((64, 64, 3))
    model = keras.Model(x, keras.layers.Dense(3)(base(x)))
    data = kw.graph(model, expand_nested=True).data
    assert decode(encode(data)) == json.loads(json.dumps(data))  # as JSON would give it


def test_absent_keys_none_values_and_look_alike_numbers_stay_apart():
    nodes = [
        {"id": "a", "v": 1, "m": {"x": 1.0}},
        {"id": "b", "v": 1.0, "m": {}},
        {"id": "c", "v": True, "m": None},
        {"id": "d", "v": None},
        {"id": "e", "extra": [1, [2, None]], "m": {"x": float("nan"), "y": "s"}},
    ]
    back = decode(encode({"model": {"name": "m"}, "nodes": nodes, "edges": []}))
    assert back["nodes"][:4] == nodes[:4]
    none = type(None)
    assert [type(n.get("v")) for n in back["nodes"]] == [int, float, bool, none, none]
    assert "v" not in back["nodes"][4]  # absent stays absent, not None
    assert back["nodes"][4] == {"id": "e", "extra": [1, [2, None]], "m": {"x": None, "y": "s"}}
    assert back["model"] == {"name": "m"}
    assert back["edges"] == []


def test_repeated_values_go_as_a_table_and_the_text_is_several_times_smaller():
    data = residual_graph_data(2_000, measures=True, status=True)
    text = encode(data)
    raw = json.loads(text)
    assert raw["format"] == FORMAT
    columns = raw["nodes"]["columns"]
    assert columns["class_name"]["table"] == ["InputLayer", "Dense", "LayerNormalization", "Add"]
    assert len(columns["output_shape"]["table"]) == 1
    assert "values" in columns["name"]  # all different: a plain list
    assert set(columns["measures"]["fields"]) == {"macs", "flops", "params", "memory", "time"}
    rows = json.dumps(data, separators=(",", ":"))
    assert len(text) * 3 < len(rows)
    assert decode(text) == json.loads(rows)


def test_an_empty_graph_and_plain_json_pass():
    empty = {"model": {}, "nodes": [], "edges": [], "groups": [], "notes": []}
    assert decode(encode(empty)) == empty
    assert decode(json.dumps(empty)) == empty  # a text without the format: as it is


DECODE_IN_NODE = """
import { decodeGraph } from %s;
import { slicer } from %s;
import { readFileSync } from "node:fs";
const slices = slicer(0); // a pause at every chance: slices must not change the rows
let pauses = 0;
const pause = slices.pause.bind(slices);
slices.pause = () => { pauses++; return pause(); };
const data = await decodeGraph(readFileSync(0, "utf8"), slices);
console.log(JSON.stringify({ data, pauses, shared: data.nodes[1].output_shape === data.nodes[2].output_shape }));
"""


def test_the_view_builds_the_same_rows_in_slices_and_shares_repeated_values():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (it builds the front-end too)")
    data = residual_graph_data(3_000, measures=True, status=True)
    data["nodes"][7]["extra"] = {"only": "here"}  # a key one node has
    js = ROOT / "js"
    script = DECODE_IN_NODE % (
        json.dumps((js / "graph" / "columns.js").as_uri()),
        json.dumps((js / "shared" / "slices.js").as_uri()),
    )
    out = subprocess.run(
        [node, "--input-type=module", "-e", script],
        input=encode(data),
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout)
    assert result["data"] == json.loads(json.dumps(data))
    assert result["pauses"] >= 3_000 * 2 // 256 - 2  # a chance every 256 rows, all taken
    assert result["shared"]  # one shape object for every row that has it
