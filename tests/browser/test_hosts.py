"""Every host shows every public object: JupyterLab Dark, Voila, marimo, nbconvert HTML offline,
and a saved notebook as GitHub shows it (scripts, <style> and style attributes stripped).

JupyterLab light and Notebook 7 are covered by test_quickstart_browser.py and the widgets' own
browser tests; the servers here start only when these tests run (conftest.py).
"""

from __future__ import annotations

import html.parser
import json
import re

import nbformat
import pytest

from keras_widgets._display import svg_pictures

SETUP = """
import os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, keras
import keras_widgets as kw
inputs = keras.Input((64,), name="pixels")
h = keras.layers.Dense(64, activation="relu", name="hidden")(inputs)
skip = keras.layers.Concatenate(name="skip")([inputs, h])
model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax", name="digit")(skip),
                    name="digits_mlp")
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
rng = np.random.default_rng(0)
x = rng.random((256, 64), dtype="float32"); y = rng.integers(0, 10, 256)
"""
PARAMS = "5,450"  # (64*64+64) + (128*10+10)
LINE_DRAWN = """() => [...document.querySelectorAll('.kw-liveplot .scatterlayer .trace path.js-line')]
    .some(p => (p.getAttribute('d') || '').length > 50)"""


def luminance(css_color: str) -> float:
    r, g, b = (int(v) for v in re.findall(r"\d+", css_color)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def mean_luminance(png: bytes) -> float:
    import io

    from PIL import Image

    return (
        sum(Image.open(io.BytesIO(png)).convert("L").getdata())
        / 255
        / (Image.open(io.BytesIO(png)).size[0] * Image.open(io.BytesIO(png)).size[1])
    )


# -- JupyterLab Dark ----------------------------------------------------------------------------
def test_jupyterlab_dark_summary_widgets_and_pictures_follow_the_theme(notebook_dark, screenshots):
    nb = notebook_dark(
        [
            SETUP,
            "kw.summary(model)",
            "live = kw.LivePlot()\nmodel.fit(x, y, epochs=2, batch_size=64, verbose=0, callbacks=[live])",
            "kw.graph(model)",
            # A saved picture (no widget): what a notebook reopened without a kernel shows.
            "from IPython.display import display\nfrom keras_widgets import _ipython\n"
            "display(_ipython.model_mimebundle(model), raw=True)",
        ],
        height=1400,
    )
    page = nb.page
    assert page.evaluate("document.body.dataset.jpThemeLight") == "false"
    nb.run_all(timeout=180)
    summary = page.locator(".kw-summary").first
    summary.wait_for(timeout=30_000)
    text_color = summary.locator(".kw-lname", has_text="hidden").evaluate(
        "e => getComputedStyle(e).color"
    )
    assert luminance(text_color) > 0.6, text_color  # light text on the dark page
    page.wait_for_function(LINE_DRAWN, timeout=60_000)
    page.wait_for_selector(".kw-graph .kw-graph-node", timeout=30_000)
    # The live widgets hide their static copies; the saved picture stays and is darkened.
    for copy in page.locator(".kw-static").all():
        assert not copy.is_visible()
    picture = page.locator(".jp-OutputArea-output img.kw-pic").last
    picture.scroll_into_view_if_needed()
    assert picture.is_visible()
    assert picture.evaluate("e => e.naturalWidth") > 100
    shot = picture.screenshot(path=str(screenshots / "hosts_jupyterlab_dark_picture.png"))
    assert mean_luminance(shot) < 0.35  # a dark picture, not a white card
    nb.screenshot("hosts_jupyterlab_dark")
    assert not nb.errors, nb.errors


# -- Notebook 7 Dark ----------------------------------------------------------------------------
# The colour a reader sees behind an element: its own background or the first ancestor's that
# is not transparent.
SEEN_BACKGROUND = """e => {
    for (let n = e; n; n = n.parentElement) {
        const c = getComputedStyle(n).backgroundColor;
        const a = c.match(/[\\d.]+/g);
        if (a && (a.length < 4 || Number(a[3]) > 0)) return c;
    }
    return 'rgb(255, 255, 255)';
}"""


def test_notebook7_dark_every_widget_follows_the_theme(notebook7_dark, screenshots):
    nb = notebook7_dark(
        [
            SETUP,
            "kw.summary(model)",
            "live = kw.LivePlot()\nmodel.fit(x, y, validation_split=0.25, epochs=3, batch_size=64,"
            " verbose=0, callbacks=[live])",
            "kw.graph(model)",
            "b = kw.SequentialBuilder((64,))\nb.add('Dense', units=32, activation='relu')\n"
            "b.add('Dense', units=10, activation='softmax')\nb",
        ],
        height=1200,
    )
    page = nb.page
    page.wait_for_function(
        "document.body.dataset.jpThemeName === 'JupyterLab Dark'", timeout=20_000
    )
    assert page.evaluate("document.body.dataset.jpThemeLight") == "false"
    nb.run_all(timeout=180)
    page.add_style_tag(content=".jp-toast-container, .Toastify { display: none !important; }")
    page.wait_for_function(LINE_DRAWN, timeout=60_000)
    page.wait_for_selector(".kw-graph .kw-graph-node", timeout=30_000)
    page.wait_for_selector(".kw-builder .kw-pal-item", timeout=30_000)

    def dark_behind_light_text(locator, what):
        background = luminance(locator.evaluate(SEEN_BACKGROUND))
        text = luminance(locator.evaluate("e => getComputedStyle(e).color"))
        assert background < 0.3, (what, background)
        assert text > 0.6, (what, text)

    summary = page.locator(".kw-summary").first
    dark_behind_light_text(summary.locator(".kw-lname", has_text="hidden"), "summary layer name")
    plot = page.locator(".kw-liveplot").first
    dark_behind_light_text(plot.locator(".kw-lp-title"), "LivePlot state word")
    # Plotly's own template: light tick labels and faint grid lines on a transparent paper.
    tick = plot.locator(".xtick text").first
    assert luminance(tick.evaluate("e => getComputedStyle(e).fill")) > 0.6
    paper = plot.locator(".main-svg .bg").first
    assert luminance(paper.evaluate(SEEN_BACKGROUND)) < 0.3
    graph = page.locator(".kw-graph").first
    dark_behind_light_text(graph.locator(".kw-graph-title strong"), "graph title")
    assert luminance(graph.locator(".kw-graph-viewport").evaluate(SEEN_BACKGROUND)) < 0.3
    builder = page.locator(".kw-builder").first
    dark_behind_light_text(builder.locator(".kw-b-title"), "builder title")
    dark_behind_light_text(builder.locator(".kw-pal-item").first, "palette chip")
    dark_behind_light_text(builder.locator(".kw-tune-toggle").first, "tune toggle")  # was white
    # The optimizer's "tune" toggle sits beside its label, as in a layer card (was a bar below).
    opt = builder.locator(".kw-crow[data-arg='optimizer']")
    label, toggle = opt.locator(".kw-f-label").bounding_box(), opt.locator(".kw-tune-toggle")
    box = toggle.bounding_box()
    assert abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) < 6
    assert toggle.inner_text() == "tune"
    for copy in page.locator(".kw-static").all():
        assert not copy.is_visible()
    for name, view in [("summary", summary), ("liveplot", plot), ("graph", graph),
                       ("builder", builder)]:  # fmt: skip
        view.scroll_into_view_if_needed()
        shot = view.screenshot(path=str(screenshots / f"hosts_notebook7_dark_{name}.png"))
        assert mean_luminance(shot) < 0.4, name  # a dark view, not a white card
    nb.screenshot("hosts_notebook7_dark")
    assert not nb.errors, nb.errors


# -- Voila --------------------------------------------------------------------------------------
def test_voila_streams_a_liveplot_shown_before_fit(voila, screenshots):
    # Voila (0.5, progressive rendering) sends a cell's outputs to the page only when the cell
    # ends (voila/tornado/execution_request_handler.py); shown in the cell before, the LivePlot
    # is on the page before fit starts and streams while fit runs (README). The next test
    # covers a LivePlot created in the fit cell.
    slow = (
        "import time\n"
        "class Slow(keras.callbacks.Callback):\n"
        "    def on_train_batch_end(self, batch, logs=None):\n"
        "        time.sleep(0.05)\n"
    )
    fit = (
        "model.fit(x, y, epochs=8, batch_size=16, verbose=0, callbacks=[live, Slow()])\n"
        "print('FIT-' + 'DONE')"
    )
    cells = [SETUP + slow, "kw.summary(model)", "live = kw.LivePlot(update_every=0.2)\nlive"]
    page = voila([*cells, fit, "kw.graph(model)"])
    page.wait_for_selector(".kw-summary", timeout=120_000)
    # Curves drawn while fit still runs: the fit cell's end marker is not there yet.
    page.wait_for_function(LINE_DRAWN, timeout=90_000)
    streamed_before_end = page.get_by_text("FIT-DONE").count() == 0
    page.screenshot(path=str(screenshots / "hosts_voila_streaming.png"))
    assert streamed_before_end
    page.get_by_text("FIT-DONE").wait_for(timeout=120_000)
    page.wait_for_selector(".kw-graph .kw-graph-node", timeout=60_000)
    page.screenshot(path=str(screenshots / "hosts_voila.png"), full_page=True)
    # Shown by its cell, then its output arrived: one view (js/shared/voila.js adopts).
    assert page.locator(".kw-liveplot").count() == 1
    assert page.locator(".kw-early").count() == 0


POINTS = """() => [...document.querySelectorAll('.kw-liveplot .kw-lp-plot')]
    .map(gd => (gd.data || []).reduce((n, t) => n + (t.x ? t.x.length : 0), 0))"""


def test_voila_streams_a_liveplot_created_in_the_fit_cell(voila, screenshots):
    # Voila sends the fit cell's outputs only when it ends; the LivePlot's view is drawn in the
    # running cell at once (js/shared/voila.js) and adopted by the real output at the end.
    fit = (
        "import time\n"
        "class Slow(keras.callbacks.Callback):\n"
        "    def on_train_batch_end(self, batch, logs=None):\n"
        "        time.sleep(0.05)\n"
        "live = kw.LivePlot(update_every=0.2)\n"
        "model.fit(x, y, epochs=20, batch_size=16, verbose=0, callbacks=[live, Slow()])\n"
        "print('FIT-' + 'DONE')"
    )
    page = voila([SETUP, "print('SETUP-' + 'DONE')", fit, "kw.summary(model)"])
    page.get_by_text("SETUP-DONE").wait_for(timeout=120_000)
    page.wait_for_function(f"() => ({POINTS})().some(n => n > 0)", timeout=90_000)
    first = page.evaluate(POINTS)
    running_at_first = page.get_by_text("FIT-DONE").count() == 0
    # Mark the early view's element: after the cell ends it must be the one the page shows.
    page.evaluate("() => { document.querySelector('.kw-liveplot').dataset.kwProbe = 'early'; }")
    page.wait_for_function(f"() => ({POINTS})()[0] > {first[0]}", timeout=60_000)
    second = page.evaluate(POINTS)
    running_at_second = page.get_by_text("FIT-DONE").count() == 0
    # Drawn, not only fed: the chart has its height and its axes while the cell runs (an early
    # view that missed the first deltas lacked the layout and was 0 px tall).
    page.wait_for_function(
        "() => { const gd = document.querySelector('.kw-liveplot .kw-lp-plot');"
        " return gd && gd.getBoundingClientRect().height > 100"
        " && gd.querySelectorAll('.xtick').length > 0; }",
        timeout=30_000,
    )
    running_at_drawn = page.get_by_text("FIT-DONE").count() == 0
    page.screenshot(path=str(screenshots / "hosts_voila_fit_cell_streaming.png"))
    assert running_at_drawn, "the fit cell ended before the chart was drawn"
    assert running_at_first, "the fit cell ended before the first read"
    assert running_at_second, "the fit cell ended before the second read"
    assert len(first) == len(second) == 1
    assert second[0] > first[0] > 0
    # While the cell runs the view sits in the fit cell (the third cell), not elsewhere.
    cell = page.evaluate(
        "() => document.querySelector('.kw-liveplot').closest('[cell-index]')"
        ".getAttribute('cell-index')"
    )
    assert cell == "3"

    page.get_by_text("FIT-DONE").wait_for(timeout=120_000)
    page.wait_for_selector(".kw-summary", timeout=60_000)
    # One view, the early one, now inside the output area Voila made for the cell's outputs.
    views = page.evaluate(
        """() => [...document.querySelectorAll('.kw-liveplot')].map(v => ({
            probe: v.dataset.kwProbe || '',
            early: !!v.closest('.kw-early'),
            output: !!v.closest('.jp-OutputArea.jp-Cell-outputArea'),
            cell: v.closest('[cell-index]').getAttribute('cell-index')}))"""
    )
    assert views == [{"probe": "early", "early": False, "output": True, "cell": "3"}]
    assert page.locator(".kw-early").count() == 0
    # Its static copy arrived too, hidden because the view is live.
    static = page.locator(".kw-static")
    assert static.count() >= 1
    assert not static.first.is_visible()
    final = page.evaluate(POINTS)
    assert final[0] >= second[0]
    page.screenshot(path=str(screenshots / "hosts_voila_fit_cell_done.png"), full_page=True)


# -- marimo -------------------------------------------------------------------------------------
MARIMO_APP = (
    """
import marimo

app = marimo.App()


@app.cell
def _():
    import marimo as mo
"""
    + "\n".join("    " + line for line in SETUP.strip().splitlines())
    + """
    return kw, mo, model, x, y


@app.cell
def _(kw, model):
    kw.summary(model)
    return


@app.cell
def _(kw, model):
    kw.graph(model)
    return


@app.cell
def _(kw):
    b = kw.SequentialBuilder((64,))
    b.add("Dense", units=3)
    b
    return (b,)


@app.cell
def _(b, mo):
    mo.ui.anywidget(b)
    return


@app.cell
def _(kw, model, x, y):
    live = kw.LivePlot()
    model.fit(x, y, epochs=2, batch_size=64, verbose=0, callbacks=[live])
    live
    return (live,)


@app.cell
def _(live, mo):
    mo.ui.anywidget(live)
    return


if __name__ == "__main__":
    app.run()
"""
)


def test_marimo_shows_every_public_object(marimo_app, screenshots):
    page = marimo_app(MARIMO_APP)
    page.locator(".kw-summary").first.wait_for(timeout=180_000)
    page.locator(".kw-graph .kw-graph-node").first.wait_for(timeout=60_000)
    page.locator(".kw-builder").nth(1).wait_for(timeout=60_000)  # cell output + mo.ui.anywidget
    page.locator(".kw-liveplot").nth(1).wait_for(timeout=60_000)
    page.locator(".kw-liveplot .scatterlayer .trace path.js-line").first.wait_for(
        state="attached", timeout=60_000
    )
    assert page.locator(".kw-graph .kw-graph-node").count() >= 4
    assert page.locator(".kw-builder .kw-card, .kw-builder [data-type='Dense']").count() >= 1
    assert page.locator(".kw-load-error").count() == 0
    page.screenshot(path=str(screenshots / "hosts_marimo.png"))
    # marimo scrolls inside a page-high box: a view taller than the window would be cut.
    page.set_viewport_size({"width": 1200, "height": 1500})
    for name in ("builder", "liveplot"):
        view = page.locator(f".kw-{name}").nth(1)
        view.scroll_into_view_if_needed()
        view.screenshot(path=str(screenshots / f"hosts_marimo_{name}.png"))


# -- nbconvert HTML offline, and GitHub's sanitizer ---------------------------------------------
SAVED = [
    SETUP,
    "kw.summary(model)",
    "live = kw.LivePlot()\nmodel.fit(x, y, validation_split=0.25, epochs=2, verbose=0, callbacks=[live])",
    "kw.graph(keras.applications.MobileNetV2(weights=None))",
    "%load_ext keras_widgets\nmodel",
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in SAVED]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    return nb


def _offline(page) -> list[str]:
    asked = []

    def route(r):
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            asked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return asked


def test_nbconvert_html_offline_shows_every_picture(executed, browser, tmp_path, screenshots):
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(executed)
    path = tmp_path / "saved.html"
    path.write_text(body, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        _offline(page)
        page.goto(path.as_uri())
        page.locator(".kw-summary").first.wait_for(timeout=20_000)
        pictures = page.locator(".kw-static img.kw-pic")
        # LivePlot curves, MobileNetV2's graph, and %load_ext's graph (its summary is HTML).
        assert pictures.count() == 3
        for i in range(3):
            pic = pictures.nth(i)
            pic.scroll_into_view_if_needed()
            assert pic.is_visible()
            assert pic.evaluate("e => e.complete && e.naturalWidth") > 100
        assert page.locator(".kw-static .kw-summary").count() == 1
        page.screenshot(path=str(screenshots / "hosts_nbconvert_offline.png"), full_page=True)
    finally:
        page.close()


class _GitHub(html.parser.HTMLParser):
    """Re-serializes HTML without scripts, <style> elements and style attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
            return
        if self._skip:
            return
        kept = "".join(
            f' {k}="{html.escape(v or "", quote=True)}"' for k, v in attrs if k != "style"
        )
        self.out.append(f"<{tag}{kept}>")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        elif not self._skip:
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if not self._skip:
            self.out.append(data)

    def handle_entityref(self, name):
        if not self._skip:
            self.out.append(f"&{name};")

    def handle_charref(self, name):
        if not self._skip:
            self.out.append(f"&#{name};")


def github(text: str) -> str:
    p = _GitHub()
    p.feed(text)
    p.close()
    return "".join(p.out)


def test_pictures_survive_githubs_sanitizer(executed, browser, tmp_path, screenshots):
    parts = []
    for cell in executed.cells:
        for out in cell.outputs:
            data = out.get("data", {})
            if "text/html" in data:
                parts.append(f'<div class="output">{github(data["text/html"])}</div>')
            elif "text/plain" in data:
                parts.append(f"<pre>{html.escape(data['text/plain'])}</pre>")
    page_html = "<!doctype html><meta charset=utf-8><body>" + "".join(parts) + "</body>"
    assert "<style" not in page_html
    assert " style=" not in page_html
    path = tmp_path / "github.html"
    path.write_text(page_html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    try:
        asked = _offline(page)
        page.goto(path.as_uri())
        summary = page.locator(".kw-summary").first
        text = summary.inner_text()
        assert re.search(r"pixels\s+InputLayer", text), text[:300]
        assert "pixelsInputLayer" not in text
        assert re.search(rf"Total params\s+{PARAMS}", text), text[-300:]
        assert f"Total params{PARAMS}" not in text
        pictures = page.locator("img.kw-pic")
        assert pictures.count() == 3
        sizes = pictures.evaluate_all(
            "els => els.map(e => [e.complete && e.naturalWidth, e.getBoundingClientRect().height])"
        )
        for natural, height in sizes:
            assert natural > 100
            assert 100 < height <= 900  # MobileNetV2 too: no 13,000 px strip
        drawings = [svg for src in pictures.evaluate_all("els => els.map(e => e.outerHTML)")
                    for svg in svg_pictures(src)]  # fmt: skip
        graphs = [d for d in drawings if "kw-graph-node" in d]
        assert len(graphs) == 2
        for g in graphs:
            assert "<marker" in g  # arrowheads live inside the picture
            assert "marker-end=" in g
        assert any("Conv1" in g or "expanded_conv" in g for g in graphs)  # MobileNetV2's
        (curves,) = [d for d in drawings if "kw-graph-node" not in d]
        assert ">loss</text>" in curves
        assert asked == []
        page.screenshot(path=str(screenshots / "hosts_github.png"), full_page=True)
    finally:
        page.close()
    # A reader who prefers dark (GitHub's dark theme, VS Code): the pictures turn dark too.
    dark = browser.new_page(viewport={"width": 1000, "height": 900}, color_scheme="dark")
    try:
        _offline(dark)
        dark.goto(path.as_uri())
        shot = dark.locator("img.kw-pic").first.screenshot(
            path=str(screenshots / "hosts_github_dark_picture.png")
        )
        assert mean_luminance(shot) < 0.35
    finally:
        dark.close()


def test_saved_widget_state_is_small(executed):
    saved = executed.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    sizes = {mid: len(json.dumps(m["state"])) for mid, m in saved.items()}
    ours = {mid: s for mid, s in sizes.items() if "_kw_static" in saved[mid]["state"]}
    assert len(ours) == 3  # LivePlot, the MobileNetV2 graph, the %load_ext graph
    graph_data = {mid for mid in ours if "data" in saved[mid]["state"]}

    # The MobileNetV2 graph keeps its 155 layers as data (what the user asked to see);
    # every widget's code (_esm) is small, and everything else stays under 50 KB.
    def layers(mid):  # the graph's data travels as one JSON text
        data = saved[mid]["state"]["data"]
        return len((json.loads(data) if isinstance(data, str) else data)["nodes"])

    for mid, size in ours.items():
        assert len(saved[mid]["state"]["_esm"]) < 5_000, mid
        if mid not in graph_data or layers(mid) < 50:
            assert size < 50_000, (mid, size)


# -- data libraries after a page reload ---------------------------------------------------------
def test_views_render_again_after_a_page_reload_while_the_kernel_runs(notebook):
    # The graph's layers and the builder's catalog are data libraries, not saved widget state:
    # a reloaded page must fetch them from the running kernel again.
    nb = notebook([SETUP, "kw.graph(model)", "b = kw.SequentialBuilder((64,))\nb"])
    nb.run_all(timeout=120)
    page = nb.page
    page.wait_for_selector(".kw-graph .kw-graph-node", timeout=60_000)
    page.wait_for_selector(".kw-builder .kw-pal-item", timeout=60_000)
    before = page.locator(".kw-graph .kw-graph-node").count()
    assert before == 4  # pixels, hidden, skip, digit
    # Saved first: the reloaded page shows the outputs of the file (widget views by model id).
    page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_timeout(1000)
    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector(".kw-graph .kw-graph-node", timeout=60_000)
    page.wait_for_selector(".kw-builder .kw-pal-item", timeout=60_000)
    assert page.locator(".kw-graph .kw-graph-node").count() == before
    assert page.locator(".kw-builder .kw-pal-item").count() > 20
    assert page.locator(".kw-load-error").count() == 0
    assert page.locator(".kw-static:visible").count() == 0  # the live views hid their copies
    assert not nb.errors, nb.errors


# -- large libraries once per page ---------------------------------------------------------------
def test_libraries_are_sent_once_per_page_for_many_liveplots(notebook):
    count = (
        "from keras_widgets._widget import BaseWidget\n"
        "asked = []\n"
        "_serve = BaseWidget._serve_library\n"
        "def counting(self, w, content, buffers=None):\n"
        "    if isinstance(content, dict) and content.get('type') == 'kw-library':\n"
        "        asked.append(content.get('name'))\n"
        "    return _serve(self, w, content, buffers)\n"
        "BaseWidget._serve_library = counting\n"
    )
    plots = [
        f"p{i} = kw.LivePlot()\nfor s in range(20): p{i}.log(s, loss=1 / (s + {i} + 1))\np{i}"
        for i in range(3)
    ]
    nb = notebook([SETUP + count, *plots])
    nb.run_all(timeout=120)
    nb.page.wait_for_function(
        """() => [...document.querySelectorAll('.kw-liveplot .scatterlayer .trace path.js-line')]
            .filter(p => (p.getAttribute('d') || '').length > 20).length >= 3""",
        timeout=60_000,
    )
    # Each library once for the three of them: the view's code, then Plotly.js.
    assert nb.kernel("print(sorted(asked))").strip() == "['liveplot-view', 'plotly']"
    assert nb.page.locator(".kw-static:visible").count() == 0  # all three hid their copies
    assert not nb.errors, nb.errors
