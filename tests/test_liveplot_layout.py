"""LivePlot's subplot grid stays valid for any number of metrics and columns."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

import keras_widgets as kw
from keras_widgets._liveplot._render import layout
from keras_widgets._liveplot._store import Store


def _store(n_metrics):
    s = Store()
    run = s.new_run()
    values = {"loss": 1.0, "learning_rate": 0.01}
    values.update({f"m{i}": float(i) for i in range(n_metrics)})
    s.log(run, 1.0, values, is_epoch=True)
    return s


def _boxes(lay):
    out = []
    for key, ax in lay.items():
        if key.startswith("xaxis"):
            y = lay["yaxis" + key[5:]]
            out.append((ax["domain"], y["domain"]))
    return out


@pytest.mark.parametrize("n_metrics", [0, 1, 4, 15, 40])
@pytest.mark.parametrize("columns", [1, 2, 3, 20])
@pytest.mark.parametrize("height", [None, 300])
def test_layout_is_valid_and_subplots_never_overlap(n_metrics, columns, height):
    s = _store(n_metrics)
    lay = layout(s, columns=columns, height=height)
    go.Layout(lay)  # plotly's own validation (raised ValueError on domain[0] before)
    boxes = _boxes(lay)
    assert len(boxes) == n_metrics + 2
    for (x0, x1), (y0, y1) in boxes:
        assert 0 <= x0 < x1 <= 1
        assert 0 <= y0 < y1 <= 1
    for i, (xa, ya) in enumerate(boxes):
        for xb, yb in boxes[i + 1 :]:
            apart = xa[1] <= xb[0] or xb[1] <= xa[0] or ya[1] <= yb[0] or yb[1] <= ya[0]
            assert apart, (xa, ya, xb, yb)


def test_row_gap_is_the_same_number_of_pixels_for_few_and_many_rows():
    gaps = []
    for n in (2, 15, 40):
        lay = layout(_store(n), columns=2)
        area = lay["height"] - lay["margin"]["t"] - lay["margin"]["b"]
        top, below = lay["yaxis"]["domain"], lay["yaxis3"]["domain"]
        gaps.append((top[0] - below[1]) * area)
        rows = (n + 3) // 2
        assert lay["height"] >= 200 * rows  # taller figure: every row keeps its height
    assert gaps[0] >= 50  # room for the tick labels and x title of the row above
    assert gaps == pytest.approx([gaps[0]] * 3, abs=0.05)


def test_seventeen_subplots_figure_and_html(tmp_path):
    live = kw.LivePlot()
    for step in range(5):
        live.log(step, loss=1 / (step + 1), learning_rate=0.01, **{f"m{i}": i for i in range(15)})
    fig = live.figure
    assert len([k for k in fig.layout.to_plotly_json() if k.startswith("yaxis")]) == 17
    live.save_html(tmp_path / "many.html")
    assert (tmp_path / "many.html").stat().st_size > 1_000_000
