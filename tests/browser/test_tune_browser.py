"""Hyperparameter search in a real JupyterLab: every trial a run in one chart, one table row per
trial, a Stop button that Python hears while a trial trains."""

from __future__ import annotations

SETUP = """
import os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, keras
import keras_widgets as kw
rng = np.random.default_rng(0)
x = rng.random((96, 8)).astype("float32"); y = (x.sum(1, keepdims=True) > 4).astype("float32")
EVIL = "<img src=x onerror=alert(1)>"
def build(hp):
    m = keras.Sequential([keras.Input((8,)), keras.layers.Dense(hp.Int("units", 4, 16, step=4)),
                          keras.layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer=hp.Choice(EVIL, ["adam", "sgd"]), loss="binary_crossentropy")
    return m
"""

SEARCH = """
s = kw.tune.search(build, x, y, validation_split=0.25, max_trials=3, epochs=2, batch_size=16, seed=1)
print("trials", len(s.trials), s.state)
"""

RUNS = """() => {
  const gd = document.querySelector('.kw-tune .kw-lp-plot');
  if (!gd || !gd.data) return -1;
  return new Set(gd.data.map((t) => t.meta && t.meta.run).filter(Boolean)).size;
}"""

SLOW = """
class Slow(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        import time; time.sleep(0.02)
s2 = kw.tune.search(build, x, y, validation_split=0.25, max_trials=6, epochs=40, batch_size=16,
                    seed=2, callbacks=[Slow()])
print("second", len(s2.trials), s2.state)
"""


def test_search_view_shows_every_trial_and_stop_ends_the_search(notebook):
    nb = notebook([SETUP, SEARCH], name="tune_search")
    page = nb.page
    page.add_style_tag(content=".Toastify { display: none !important; }")
    nb.run_all(timeout=180)
    view = page.locator(".kw-tune").first
    view.wait_for(timeout=30_000)
    rows = view.locator("tbody tr.kw-tune-row")
    assert rows.count() == 3
    assert page.evaluate(RUNS) == 3
    assert view.locator("tr.kw-tune-best").count() == 1
    assert view.locator(".kw-tune-state").inner_text() == "done"
    assert "trial 3 of 3" in view.locator(".kw-tune-progress").inner_text()
    # the hyperparameter named like markup is a column header, as text
    assert view.locator("th", has_text="<img src=x onerror=alert(1)>").count() == 1
    assert page.locator(".kw-tune img").count() == 0
    # sorting by the objective puts the best trial first
    view.locator("th", has_text="val_loss").click()
    assert "kw-tune-best" in rows.first.get_attribute("class")
    view.locator("th", has_text="val_loss").click()
    assert "kw-tune-best" in rows.last.get_attribute("class")
    nb.screenshot("tune_search", view)

    # a second, slow search: Stop during the first trial ends the search after it
    nb2 = notebook([SETUP, SLOW], name="tune_stop")
    page2 = nb2.page
    nb2.start_all()
    stop = page2.locator(".kw-tune .kw-tune-stop")
    stop.wait_for(state="visible", timeout=120_000)
    page2.wait_for_function(f"({RUNS})() >= 1", timeout=60_000)
    stop.click()
    page2.wait_for_selector(".kw-tune .kw-tune-state:text-is('stopping')", timeout=30_000)
    assert stop.inner_text() == "Stop now"
    stop.click()  # the second click ends the current trial at once
    page2.wait_for_selector(".kw-tune .kw-tune-state:text-is('stopped')", timeout=60_000)
    nb2.wait_idle(timeout=60)
    out = nb2.kernel("print(len(s2.trials), s2.state, list(s2.trials.status))")
    assert out.startswith("1 stopped"), out
    assert "'stopped'" in out
    assert page2.locator(".kw-tune tbody tr[data-status='stopped']").count() == 1
    nb2.screenshot("tune_stopped", page2.locator(".kw-tune").first)
    assert nb.errors == []
    assert nb2.errors == []
