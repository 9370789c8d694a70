"""The quickstart works for real: in JupyterLab 4 and Notebook 7, and as a saved HTML page."""

from __future__ import annotations

import pathlib
import re

import nbformat
import pytest
from _pictures import pictures, svg_text

QUICKSTART = pathlib.Path(__file__).parents[2] / "notebooks" / "01_quickstart.ipynb"


def _check_widgets_render_and_respond(nb, shot: str) -> None:
    page = nb.page
    nb.run_all(timeout=180)
    # The summary table (static HTML) with the model's layers.
    summary = page.locator(".kw-summary").first
    summary.wait_for(timeout=30_000)
    for layer in ("pixels", "hidden", "skip", "digit"):
        assert summary.get_by_text(layer, exact=True).count() >= 1, layer
    # The graph: one node per layer, and a click opens the details panel.
    page.wait_for_selector(".kw-graph .kw-graph-node", timeout=30_000)
    graph = page.locator(".kw-graph").first
    assert graph.locator(".kw-graph-node").count() >= 5
    graph.locator(".kw-graph-node", has_text="hidden").first.click()
    panel = graph.locator(".kw-graph-panel")
    panel.wait_for(state="visible", timeout=10_000)
    assert "Dense" in panel.inner_text()
    # The live plot drew its curves (Plotly traces with points).
    plot = page.locator(".kw-liveplot").first
    plot.wait_for(timeout=30_000)
    page.wait_for_function(
        """() => [...document.querySelectorAll('.kw-liveplot .scatterlayer .trace path.js-line')]
                .some(p => (p.getAttribute('d') || '').length > 50)""",
        timeout=30_000,
    )
    # Python saw the whole run.
    assert nb.kernel("print(len(live.history) > 0, model.count_params())").split() == [
        "True",
        str(_params()),
    ]
    plot.scroll_into_view_if_needed()
    nb.screenshot(shot)
    assert not nb.errors, nb.errors


def _params() -> int:
    # The quickstart's model: Dense(64) on 64 inputs, then Dense(10) on 64 + 64 features.
    return (64 * 64 + 64) + (128 * 10 + 10)


def test_quickstart_in_jupyterlab(notebook):
    nb = notebook(path=QUICKSTART, name="quickstart_lab", height=1200)
    _check_widgets_render_and_respond(nb, "quickstart_lab")


def test_quickstart_in_notebook7(notebook7):
    nb = notebook7(path=QUICKSTART, name="quickstart_nb7", height=1200)
    _check_widgets_render_and_respond(nb, "quickstart_notebook7")


@pytest.fixture(scope="module")
def executed_quickstart_html(tmp_path_factory):
    """Execute the quickstart headless (nbclient, no browser) and export it to HTML."""
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    out = tmp_path_factory.mktemp("quickstart")
    nb = nbformat.read(QUICKSTART, as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3").execute()
    body, _ = HTMLExporter().from_notebook_node(nb)
    path = out / "01_quickstart.html"
    path.write_text(body, encoding="utf-8")
    return path


def test_saved_quickstart_shows_summary_curves_and_graph(
    browser, executed_quickstart_html, screenshots
):
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    try:
        # No kernel, no server: the file on its own, offline.
        page.route("http*://**", lambda route: route.abort())
        page.goto(executed_quickstart_html.as_uri())
        summary = page.locator(".kw-summary").first
        summary.wait_for(timeout=10_000)
        assert summary.get_by_text("hidden", exact=True).count() >= 1
        drawings = pictures(page.locator("body"))
        # The graph's static picture: an SVG naming the layers.
        graphs = [d for d in drawings if "digit" in svg_text(d) and "hidden" in svg_text(d)]
        assert len(graphs) >= 1
        # The curves' static picture: an SVG with paths for loss and accuracy.
        curves = [d for d in drawings if "loss" in svg_text(d) and "accuracy" in svg_text(d)]
        assert len(curves) >= 1
        assert curves[0].count("<path") >= 2
        for img in page.locator("img.kw-pic").all():
            assert img.evaluate("e => e.complete && e.naturalWidth") > 100
        # The last cell (`%load_ext keras_widgets` then `model`): its widget output is blank
        # offline (nbconvert renders widgets from a CDN), so the static copies must be there.
        last = page.locator(".jp-CodeCell").last
        assert "%load_ext keras_widgets" in last.locator(".jp-InputArea").inner_text()
        ext_summary = last.locator(".kw-summary")
        assert ext_summary.count() == 1
        assert ext_summary.is_visible()
        for layer in ("pixels", "hidden", "skip", "digit"):
            assert ext_summary.get_by_text(layer, exact=True).count() >= 1, layer
        ext_graph = last.locator("img.kw-pic")
        assert ext_graph.count() == 1
        assert ext_graph.is_visible()
        (ext_svg,) = pictures(last)
        assert len(re.findall(r'class="kw-graph-node[" ]', ext_svg)) >= 5
        last.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshots / "quickstart_static_load_ext.png"))
        page.locator("img.kw-pic").first.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshots / "quickstart_static_html.png"), full_page=True)
    finally:
        page.close()
