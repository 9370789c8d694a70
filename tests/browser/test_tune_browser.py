"""Hyperparameter search from the builder in a real JupyterLab: two fields switched to "tune"
in the UI (plus SGD's momentum in the compile panel), the ranges of params and shapes on the
cards and in the summary, a 3-trial search (3 runs in the chart, 3 rows in the table), Stop
during a second search, and the best values applied back into the builder."""

from __future__ import annotations

SETUP = """
import os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, keras
import keras_widgets as kw
rng = np.random.default_rng(0)
x = rng.random((96, 8)).astype("float32"); y = (x.sum(1, keepdims=True) > 4).astype("float32")
class Slow(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        import time; time.sleep(0.02)
"""

BUILDER = """
b = kw.SequentialBuilder(input_shape=(8,))
b.add("Dense", units=8, activation="relu", name="hidden")
b.add("Dense", units=1, activation="sigmoid")
b.compile(optimizer="adam", learning_rate=0.001, loss="binary_crossentropy")
b
"""

CHECK = "print(sorted(b.tuned), b.validate()['params_range'], b.tuned['momentum'])"
SEARCH = "s = b.tune(x, y, validation_split=0.25, max_trials=3, epochs=2, batch_size=16, seed=1)"
SLOW = (
    "s2 = b.tune(x, y, validation_split=0.25, max_trials=6, epochs=40, batch_size=16, seed=2,"
    " callbacks=[Slow()])"
)
APPLY = (
    "best = b.apply_best(); print('applied', sorted(best.items()));"
    " print('momentum', b.model.optimizer.momentum == best['momentum'])"
)

RUNS = """(root) => {
  const gd = root.querySelector('.kw-lp-plot');
  if (!gd || !gd.data) return -1;
  return new Set(gd.data.map((t) => t.meta && t.meta.run).filter(Boolean)).size;
}"""


def _run_cell(page, index, wait=True):
    """Run one cell (JupyterLab's run-cell on the active cell)."""
    page.evaluate(
        """(i) => {
            const nb = window.jupyterapp.shell.currentWidget.content;
            nb.activeCellIndex = i;
            window.jupyterapp.commands.execute('notebook:run-cell');
        }""",
        index,
    )


def test_builder_tune_two_ui_fields_search_stop_and_apply_best(notebook):
    nb = notebook([SETUP, BUILDER, CHECK, SEARCH, SLOW, APPLY], name="tune_builder")
    page = nb.page
    page.add_style_tag(content=".Toastify { display: none !important; }")
    _run_cell(page, 0)
    nb.wait_idle()
    _run_cell(page, 1)
    nb.wait_idle()
    builder = page.locator(".kw-builder").first
    builder.wait_for(timeout=30_000)

    # switch two fields to "tune" in the UI: the first Dense's units and the learning rate
    units = builder.locator(".kw-layer").first.locator(".kw-field[data-arg='units']")
    units.locator(".kw-tune-toggle").click()
    units.locator(".kw-tune-min").wait_for(timeout=10_000)
    lr = builder.locator(".kw-crow[data-arg='learning_rate']")
    lr.locator(".kw-tune-toggle").click()
    lr.locator(".kw-tune-min").wait_for(timeout=10_000)
    rng = builder.locator(".kw-params-range")
    rng.wait_for(timeout=10_000)
    # Dense(8->u) + Dense(u->1) for u in 8..32
    assert rng.inner_text() == "tuned: 81 \u2013 321 params"
    # each layer's card and summary row show its own range, the summary's total the sum's
    card = builder.locator(".kw-layer").first
    assert card.locator(".kw-params").inner_text() == "72\u2013288 params"
    assert card.locator(".kw-shape").inner_text() == "(None, 8\u201332)"
    assert builder.locator(".kw-layer").nth(1).locator(".kw-params").inner_text() == (
        "9\u201333 params"
    )
    rows = builder.locator(".kw-summary tbody tr")
    assert rows.nth(0).locator(".kw-sum-params").inner_text() == "72\u2013288"
    assert rows.nth(1).locator(".kw-sum-params").inner_text() == "9\u201333"
    assert builder.locator(".kw-sum-total").inner_text() == "81\u2013321"
    # fields that cannot be tuned offer no toggle (a name; an optimizer's literal argument)
    assert card.locator(".kw-field[data-arg='name']").count() == 1
    assert card.locator(".kw-field[data-arg='name'] .kw-tune-toggle").count() == 0

    # the compile panel: with SGD, its momentum switched to "tune" as well
    builder.locator(".kw-c-optimizer").select_option("sgd")
    momentum = builder.locator(".kw-crow[data-arg='momentum']")
    momentum.wait_for(timeout=10_000)
    assert builder.locator(".kw-crow[data-arg='clipvalue']").count() == 1
    assert builder.locator(".kw-crow[data-arg='clipvalue'] .kw-tune-toggle").count() == 0
    momentum.locator(".kw-tune-toggle").click()
    momentum.locator(".kw-tune-min").wait_for(timeout=10_000)
    assert momentum.locator(".kw-tune-max").input_value() == "0.5"
    assert "kw-tune-on" in momentum.locator(".kw-tune-toggle").get_attribute("class")
    nb.screenshot("tune_builder_fields", builder)
    _run_cell(page, 2)
    nb.wait_idle()
    out = page.locator(".jp-OutputArea-output", has_text="learning_rate").last.inner_text()
    assert "['hidden_units', 'learning_rate', 'momentum'] [81, 321] Float(0.0, 0.5)" in out

    # a 3-trial search: 3 runs in the chart, 3 rows in the table
    _run_cell(page, 3)
    nb.wait_idle(timeout=240)
    view = page.locator(".kw-tune").first
    view.wait_for(timeout=30_000)
    assert view.locator("tbody tr.kw-tune-row").count() == 3
    assert view.evaluate(RUNS) == 3
    assert view.locator("tr.kw-tune-best").count() == 1
    assert view.locator(".kw-tune-state").inner_text() == "done"
    assert "trial 3 of 3" in view.locator(".kw-tune-progress").inner_text()
    view.locator("th", has_text="val_loss").click()  # sort: best first
    assert "kw-tune-best" in view.locator("tbody tr").first.get_attribute("class")
    nb.screenshot("tune_search", view)

    # a second, slow search: Stop ends it after the current trial, Stop now at once
    _run_cell(page, 4)
    second = page.locator(".kw-tune").nth(1)
    stop = second.locator(".kw-tune-stop")
    stop.wait_for(state="visible", timeout=120_000)
    page.wait_for_function(
        f"() => ({RUNS})(document.querySelectorAll('.kw-tune')[1]) >= 1", timeout=60_000
    )
    stop.click()
    second.locator(".kw-tune-state:text-is('stopping')").wait_for(timeout=30_000)
    assert stop.inner_text() == "Stop now"
    stop.click()
    second.locator(".kw-tune-state:text-is('stopped')").wait_for(timeout=60_000)
    nb.wait_idle(timeout=60)
    out = nb.kernel("print(len(s2.trials), s2.state, list(s2.trials.status))")
    assert out.startswith("1 stopped ['stopped']"), out
    nb.screenshot("tune_stopped", second)

    # apply the best values of the second search? It has none: apply the first search's
    _ = nb.kernel("b._search = s")
    _run_cell(page, 5)
    nb.wait_idle()
    out = page.locator(".jp-OutputArea-output", has_text="applied").last.inner_text()
    best = nb.kernel("print(s.best_hyperparameters['hidden_units'])").strip()
    assert f"('hidden_units', {best})" in out
    assert "('momentum', " in out
    page.locator(".jp-OutputArea-output", has_text="momentum True").last.wait_for(timeout=10_000)
    # the compile panel shows the plain momentum again, with "tune" off
    assert "kw-tune-on" not in momentum.locator(".kw-tune-toggle").get_attribute("class")
    assert not momentum.locator(".kw-c-momentum").is_hidden()
    # the card shows the plain value again, with "tune" off
    page.wait_for_function(
        """(v) => {
            const f = document.querySelector(".kw-layer .kw-field[data-arg='units']");
            const input = f && f.querySelector('input.kw-input:not(.kw-tune-min)');
            return input && !input.hidden && input.value === v;
        }""",
        arg=best,
        timeout=15_000,
    )
    assert not units.locator(".kw-tune-toggle").get_attribute("class").count("kw-tune-on")
    assert page.locator(".kw-builder img, .kw-tune img").count() == 0
    nb.screenshot("tune_applied", builder)
    assert nb.errors == []
