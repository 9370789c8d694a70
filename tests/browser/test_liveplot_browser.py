"""LivePlot in a real JupyterLab: traces appear and grow during fit, a second view redraws
from the bounded state, names stay text, the static copy hides behind the live chart."""

from __future__ import annotations

SETUP = """
import os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, keras
import keras_widgets as kw
from sklearn.datasets import load_digits
d = load_digits()
x = (d.data / 16).astype("float32"); y = d.target
def make(lr):
    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.Input((64,)), keras.layers.Dense(64, activation="relu"),
                          keras.layers.Dense(10, activation="softmax")])
    sched = keras.optimizers.schedules.ExponentialDecay(lr, decay_steps=60, decay_rate=0.7)
    m.compile(keras.optimizers.Adam(sched), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return m
live = kw.LivePlot(update_every=0.2)
"""

TRAIN = """
class Slow(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        import time; time.sleep(0.02)
make(3e-3).fit(x, y, validation_split=0.2, epochs=6, batch_size=32, verbose=0, callbacks=[live, Slow()])
live.new_run("lr 1e-3")
make(1e-3).fit(x, y, validation_split=0.2, epochs=6, batch_size=32, verbose=0, callbacks=[live])
print("trained", len(live.history))
"""


def _dismiss_news(page):
    """JupyterLab's "get notified about news?" toast: keep it out of the screenshot."""
    page.add_style_tag(content=".Toastify { display: none !important; }")
    page.wait_for_timeout(200)


POINTS = """() => {
  const gd = document.querySelector('.kw-liveplot .kw-lp-plot');
  if (!gd || !gd.data) return -1;
  return gd.data.reduce((n, t) => n + t.x.length, 0);
}"""


def test_liveplot_streams_while_fit_runs_and_redraws_second_view(notebook):
    nb = notebook([SETUP, TRAIN, "live"], name="liveplot_stream")
    page = nb.page
    # sample the drawn point count and the kernel status every 100 ms while it runs
    page.evaluate(
        f"""() => {{
        window.__samples = [];
        window.__sampler = setInterval(() => {{
            // a cell prompt shows [*] while it runs (the kernel status may read idle when
            // widget messages travel on a subshell)
            const running = [...document.querySelectorAll('.jp-InputPrompt')]
                .some(e => e.textContent.includes('*'));
            window.__samples.push([({POINTS})(), running ? "busy" : "idle"]);
        }}, 100);
        window.jupyterapp.commands.execute('notebook:run-all-cells');
    }}"""
    )
    page.wait_for_selector(".kw-liveplot .kw-lp-plot .scatterlayer .trace", timeout=120_000)
    nb.wait_idle(timeout=180)
    samples = page.evaluate("() => { clearInterval(window.__sampler); return window.__samples; }")
    growing = sorted({n for n, status in samples if status == "busy" and n > 0})
    changes = [x for i, x in enumerate(samples) if i == 0 or x != samples[i - 1]]
    assert len(growing) >= 5, changes  # traces appeared and grew while fit() kept the kernel busy
    assert page.locator(".jp-OutputArea-output", has_text="trained").count() == 1
    views = page.locator(".kw-liveplot")
    assert views.count() == 2
    first_view = views.nth(0)
    assert first_view.locator(".kw-lp-status").inner_text().startswith("lr 1e-3")
    assert first_view.locator(".kw-lp-title").inner_text() == "done"
    # both runs are in the legend; train/val/lr subplots drawn
    legend = first_view.locator(".legend").text_content()
    assert "run 1 · train" in legend
    assert "lr 1e-3 · val" in legend
    titles = first_view.locator(".kw-lp-plot").text_content()
    assert "loss" in titles
    assert "accuracy" in titles
    assert "learning_rate" in titles
    # the second view redraws from the bounded traitlet state, not from the stream
    second = page.evaluate(
        """() => [...document.querySelectorAll('.kw-liveplot .kw-lp-plot')]
            .map(gd => gd.data.length)"""
    )
    assert second[0] == second[1] > 10
    # the static copy for saved notebooks is present but hidden behind the live chart
    static = page.locator(".kw-static")
    assert static.count() >= 1
    assert not static.first.is_visible()
    # the Stop button shows only while training
    assert not first_view.locator(".kw-lp-stop").is_visible()
    assert nb.kernel("print(live.widget.stop_available)").strip() == "True"
    # log toggle reaches Python
    first_view.locator(".kw-lp-log").check()
    page.wait_for_timeout(500)
    assert nb.kernel("print(live.widget.log_y)").strip() == "True"
    first_view.locator(".kw-lp-log").uncheck()
    page.wait_for_timeout(500)
    assert nb.errors == []
    _dismiss_news(page)
    first_view.scroll_into_view_if_needed()
    nb.screenshot("liveplot", first_view)


def test_liveplot_metric_names_are_text(notebook):
    evil = "<img src=x onerror=window.__xss=1>"
    code = f"""
import keras_widgets as kw
live = kw.LivePlot(update_every=0)
for step in range(30):
    live.log(step, **{{{evil!r}: 1 / (step + 1), "<b>x</b>": step, "val_<b>x</b>": step / 2}}, epoch=step % 10 == 9)
live.finish()
"""
    nb = notebook([code], name="liveplot_escape")
    nb.run_all()
    page = nb.page
    page.wait_for_selector(".kw-liveplot .scatterlayer .trace")
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__xss") is None
    view = page.locator(".kw-liveplot")
    assert view.locator("img").count() == 0
    assert view.locator(".main-svg b").count() == 0
    text = view.locator(".kw-lp-plot").text_content()
    assert "<b>x</b>" in text
    assert evil in text
    assert nb.errors == []


def test_stop_button_ends_fit_early_and_python_sees_it(notebook):
    train = """
class Slow(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        import time; time.sleep(0.01)
hist = make(1e-3).fit(x, y, epochs=200, batch_size=32, verbose=0, callbacks=[live, Slow()])
print("epochs run", len(hist.history["loss"]))
"""
    nb = notebook([SETUP, train], name="liveplot_stop")
    page = nb.page
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    stop = page.locator(".kw-liveplot .kw-lp-stop")
    stop.wait_for(state="visible", timeout=120_000)
    page.wait_for_function(f"({POINTS})() > 30", timeout=60_000)
    stop.click()
    page.wait_for_selector(".kw-liveplot .kw-lp-title:text-is('stopped')", timeout=60_000)
    nb.wait_idle(timeout=60)
    out = nb.kernel(
        "print(len(hist.history['loss']), live.stop_requested, live.history.epoch.max() + 1)"
    ).split()
    assert int(out[0]) < 200
    assert out[1] == "True"
    assert int(out[2]) == int(out[0])  # the history holds every epoch that ran
    assert page.locator(".jp-OutputArea-output", has_text="epochs run").count() == 1
    assert nb.errors == []
