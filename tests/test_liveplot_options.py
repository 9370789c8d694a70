"""LivePlot's options: an explicit signature, and every bad value rejected at construction."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import keras_widgets as kw
from keras_widgets._liveplot._options import DEFAULTS


def test_signature_spells_out_every_option_with_its_default():
    params = inspect.signature(kw.LivePlot).parameters
    named = {n: p.default for n, p in params.items() if p.kind is p.KEYWORD_ONLY}
    assert named == DEFAULTS
    assert "update_every" in inspect.getdoc(kw.LivePlot)


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"metrics": "loss"}, TypeError, r"metrics=\['loss'\]"),
        ({"metrics": ["loss", 3]}, TypeError, "names must be strings"),
        ({"metrics": 5}, TypeError, "list of metric names"),
        ({"columns": "x"}, TypeError, "columns"),
        ({"columns": 0}, ValueError, "columns"),
        ({"columns": 2.0}, TypeError, "columns"),
        ({"columns": True}, TypeError, "columns"),
        ({"max_points": "x"}, TypeError, "max_points"),
        ({"max_points": 3}, ValueError, "max_points"),
        ({"update_every": None}, TypeError, "update_every"),
        ({"update_every": -1}, ValueError, "update_every"),
        ({"update_every": float("nan")}, ValueError, "update_every"),
        ({"height": -50}, ValueError, "height"),
        ({"height": "400px"}, TypeError, "height"),
        ({"log_y": "no"}, TypeError, "log_y"),
        ({"log_y": 1}, TypeError, "log_y"),
        ({"per_batch": "yes"}, TypeError, "per_batch"),
        ({"learning_rate": 0.01}, TypeError, "learning_rate"),
        ({"smoothing": 1.0}, ValueError, "smoothing"),
        ({"smoothing": "0.5"}, TypeError, "smoothing"),
        ({"monitor": None}, TypeError, "monitor"),
        ({"run_name": 3}, TypeError, "run_name"),
    ],
)
def test_bad_option_values_fail_at_construction(options, error, match):
    with pytest.raises(error, match=match):
        kw.LivePlot(**options)


def test_good_option_values_are_kept():
    live = kw.LivePlot(
        metrics=("loss", "accuracy"),
        columns=np.int64(3),
        max_points=100,
        update_every=0,
        height=600,
        log_y=np.bool_(True),
        run_name="a",
    )
    o = live.options
    assert o["metrics"] == ["loss", "accuracy"]
    assert o["columns"] == 3
    assert type(o["columns"]) is int
    assert o["log_y"] is True
    assert o["update_every"] == 0.0
    assert o["height"] == 600
