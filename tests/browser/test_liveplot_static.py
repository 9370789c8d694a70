"""The static copy of LivePlot in a saved notebook: executed headless by nbclient, converted
by nbconvert, opened in Chromium with no kernel and no network: the curves are there."""

from __future__ import annotations

import os
import pathlib

import nbformat
from _pictures import pictures, svg_text
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from keras_widgets._display import svg_pictures

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCREENSHOTS = pathlib.Path(os.environ.get("KW_SCREENSHOTS", ROOT / "artifacts" / "screenshots"))

CELLS = [
    """
import os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, keras
import keras_widgets as kw
from sklearn.datasets import load_digits
d = load_digits()
x = (d.data / 16).astype("float32"); y = d.target
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(32, activation="relu"),
                          keras.layers.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
""",
    """
live = kw.LivePlot()
model.fit(x, y, validation_split=0.2, epochs=3, batch_size=64, verbose=0, callbacks=[live])
print("rows", len(live.history))
""",
]


def test_saved_notebook_shows_static_curves_without_kernel(browser, tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    outputs = nb.cells[1].outputs
    static = [o for o in outputs if "text/html" in o.get("data", {})]
    assert len(static) == 1
    assert svg_pictures(static[0]["data"]["text/html"])[0].startswith("<svg")
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    html, _ = HTMLExporter().from_notebook_node(nb)
    path = tmp_path / "executed.html"
    path.write_text(html)

    page = browser.new_page(viewport={"width": 1100, "height": 900})
    try:
        # no kernel, no network: only the file itself loads
        page.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith("file:") else route.abort()
            ),
        )
        page.goto(path.as_uri())
        pic = page.locator(".kw-static img.kw-pic")
        pic.wait_for(state="visible", timeout=30_000)
        assert pic.count() == 1
        (svg,) = pictures(page.locator(".kw-static"))
        assert svg.count("<path") >= 5  # loss, val_loss, accuracy, val_accuracy, lr
        text = svg_text(svg)
        for name in ("loss", "accuracy", "learning_rate", "train", "val"):
            assert name in text
        box = pic.bounding_box()
        assert box["width"] > 600
        assert box["height"] > 300
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        pic.screenshot(path=str(SCREENSHOTS / "liveplot_static.png"))
    finally:
        page.close()
