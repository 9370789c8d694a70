"""LivePlot views in JupyterLab: a grid of 17 subplots laid out apart, and the view following
JupyterLab Dark (text readable, chart dark)."""

from __future__ import annotations

import json

import pytest

MANY = """
import keras_widgets as kw
live = kw.LivePlot(update_every=0)
for step in range(40):
    live.log(step, loss=1 / (step + 1), learning_rate=0.01 * 0.97 ** step,
             **{f"metric_{i}": (i + 1) * (1 - 1 / (step + 2)) for i in range(15)},
             epoch=step % 10 == 9)
live.finish()
"""

BOXES = """() => [...document.querySelectorAll('.kw-liveplot .draglayer .nsewdrag')].map(r => {
  const b = r.getBoundingClientRect();
  return [b.left, b.top, b.right, b.bottom];
})"""


def _dismiss_news(page):
    page.add_style_tag(content=".Toastify { display: none !important; }")


def test_seventeen_subplots_are_drawn_apart(notebook):
    nb = notebook([MANY], name="liveplot_many", height=2600)  # the whole view on the page
    nb.run_all()
    page = nb.page
    page.wait_for_selector(".kw-liveplot .scatterlayer .trace")
    page.wait_for_function(f"({BOXES})().length === 17", timeout=30_000)
    boxes = page.evaluate(BOXES)
    for i, a in enumerate(boxes):
        assert a[3] - a[1] > 100, a  # every subplot keeps a readable height
        for b in boxes[i + 1 :]:
            apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
            assert apart, (a, b)
    titles = page.locator(".kw-liveplot .kw-lp-plot").text_content()
    assert "metric_14" in titles
    assert "learning_rate" in titles
    assert nb.errors == []
    _dismiss_news(page)
    nb.screenshot("liveplot_17_subplots", page.locator(".kw-liveplot"))


@pytest.fixture
def dark_lab(lab):
    """The session's JupyterLab with the user setting theme = JupyterLab Dark (removed after)."""
    _, root = lab
    themes = root.parent / "settings" / "@jupyterlab" / "apputils-extension"
    themes.mkdir(parents=True, exist_ok=True)
    path = themes / "themes.jupyterlab-settings"
    path.write_text(json.dumps({"theme": "JupyterLab Dark"}))
    yield
    path.unlink()


LUMA = """(color) => {
  const p = color.match(/[0-9.]+/g).map(Number);
  return (0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2]) / 255;
}"""


def test_dark_theme_text_and_chart_follow_jupyterlab_dark(dark_lab, notebook):
    code = """
import keras_widgets as kw
live = kw.LivePlot(update_every=0)
for step in range(60):
    live.log(step, loss=1 / (step + 1), val_loss=1.2 / (step + 1), accuracy=step / 60,
             epoch=step % 20 == 19)
live.finish()
"""
    nb = notebook([code], name="liveplot_dark")
    page = nb.page
    assert page.evaluate("() => document.body.dataset.jpThemeName") == "JupyterLab Dark"
    nb.run_all()
    page.wait_for_selector(".kw-liveplot .scatterlayer .trace")
    page.wait_for_selector(".kw-liveplot .kw-lp-title:text-is('done')")
    page.wait_for_timeout(500)  # the theme check after the first frame
    colors = page.evaluate(
        f"""() => {{
        const luma = {LUMA};
        const cs = (sel) => getComputedStyle(document.querySelector(sel));
        const tick = document.querySelector('.kw-liveplot .xtick text');
        return {{
          bg: luma(cs('.kw-liveplot').backgroundColor),
          title: luma(cs('.kw-liveplot .kw-lp-title').color),
          status: luma(cs('.kw-liveplot .kw-lp-status').color),
          tick: luma(getComputedStyle(tick).fill),
          paper: document.querySelector('.kw-liveplot .main-svg').style.background,
        }};
    }}"""
    )
    assert colors["bg"] < 0.25, colors  # a dark widget
    assert colors["title"] > 0.6, colors  # light state word on it
    assert colors["status"] > 0.3, colors
    assert colors["tick"] > 0.5, colors  # light axis labels
    assert "0, 0, 0, 0" in colors["paper"] or colors["paper"] in ("transparent", ""), colors
    assert nb.errors == []
    _dismiss_news(page)
    nb.screenshot("liveplot_dark", page.locator(".kw-liveplot"))
