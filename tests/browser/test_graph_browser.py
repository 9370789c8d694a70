"""kw.graph in JupyterLab + Chromium: layout, details panel, nested groups, escaping, static picture."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import nbformat
from _pictures import SOME_PICTURE_HAS, pictures, svg_text

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCREENS = pathlib.Path(os.environ.get("KW_SCREENSHOTS", ROOT / "artifacts" / "screenshots"))

SETUP = (
    "import os\nos.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\nimport keras\nimport keras_widgets as kw"
)


def wait_graph(nb, timeout=90_000):
    dismiss_news(nb.page)
    nb.page.wait_for_selector(".kw-graph[data-kw-layout-ms]", timeout=timeout)
    return nb.page.locator(".kw-graph").first


def dismiss_news(page):
    # JupyterLab asks about news on first start; keep its toasts out of screenshots.
    page.add_style_tag(content=".Toastify { display: none !important; }")


def test_resnet50_one_node_per_layer_and_details_panel(notebook):
    nb = notebook(
        [
            SETUP,
            "model = keras.applications.ResNet50(weights=None)\ng = kw.graph(model)\ng",
        ],
        name="graph_resnet50",
    )
    nb.run_all(timeout=180)
    graph = wait_graph(nb)
    n_layers = int(nb.kernel("print(len(model.layers))").strip())
    assert graph.locator(".kw-graph-node").count() == n_layers == 177
    assert graph.get_attribute("data-kw-nodes") == str(n_layers)
    # Click the first convolution: the panel shows its weights, computed in Python on request.
    node = graph.locator(".kw-graph-node", has_text="conv1_conv").first
    node.click()
    panel = graph.locator(".kw-graph-panel")
    panel.locator(".kw-graph-weights").wait_for(timeout=20_000)
    assert panel.locator(".kw-graph-panel-name").text_content() == "conv1_conv"
    assert "(7, 7, 3, 64)" in panel.locator(".kw-graph-weights").text_content()
    assert "9,408" in panel.text_content()
    assert "strides" in panel.locator(".kw-graph-config").text_content()
    nb.page.mouse.move(5, 5)  # end the hover highlight before the picture
    nb.screenshot("graph_resnet50")
    assert not nb.errors


NESTED = """
inner_in = keras.Input((16,), name="features")
h = keras.layers.Dense(32, activation="relu", name="enc_dense1")(inner_in)
h = keras.layers.Dropout(0.1, name="enc_drop")(h)
encoder = keras.Model(inner_in, keras.layers.Dense(8, name="enc_dense2")(h), name="encoder")
encoder.trainable = False
x = keras.Input((16,), name="x")
z = encoder(x)
skip = keras.layers.Concatenate(name="concat")([z, x])
out = keras.layers.Dense(3, activation="softmax", name="head")(skip)
model = keras.Model(x, out, name="classifier")
g = kw.graph(model)
g
"""


def test_nested_model_expands_and_collapses(notebook):
    nb = notebook([SETUP, NESTED], name="graph_nested")
    nb.run_all(timeout=120)
    graph = wait_graph(nb)
    nodes = graph.locator(".kw-graph-node")
    assert nodes.count() == 4  # x, encoder, concat, head
    assert graph.locator(".kw-graph-cluster").count() == 0
    encoder = graph.locator(".kw-graph-node", has_text="encoder")
    encoder.locator(".kw-graph-toggle").click()
    graph.locator(".kw-graph-cluster").wait_for()
    assert nodes.count() == 3 + 4  # the group opened in place: features, 2 dense, dropout
    assert graph.locator(".kw-graph-node", has_text="enc_dense1").count() == 1
    # The expansion state is a synced trait: Python sees it.
    assert nb.kernel("print(g.expanded == [g.to_dict()['groups'][0]['id']])").strip() == "True"
    graph.locator(".kw-graph-fit").click()
    nb.page.mouse.move(5, 5)
    nb.screenshot("graph_nested", graph)
    graph.locator(".kw-graph-cluster-head").click()
    graph.locator(".kw-graph-cluster").wait_for(state="detached")
    assert nodes.count() == 4
    assert nb.kernel("print(g.expanded)").strip() == "[]"

    # Search finds layers hidden in a closed group; Enter opens the group and selects one.
    graph.locator(".kw-graph-search").fill("enc_dense")
    assert graph.locator(".kw-graph-found").text_content() == "2 found"
    graph.locator(".kw-graph-search").press("Enter")
    graph.locator(".kw-graph-node.kw-current", has_text="enc_dense1").wait_for()
    assert graph.locator(".kw-graph-panel-name").text_content() == "enc_dense1"
    # Direction switch: a new layout, and Python sees the trait.
    graph.locator(".kw-graph-dir[data-dir=LR]").click()
    assert nb.kernel("print(g.direction)").strip() == "LR"
    # Export: a standalone SVG file with every drawn node.
    with nb.page.expect_download() as download:
        graph.locator(".kw-graph-export-svg").click()
    assert download.value.suggested_filename == "classifier.svg"
    svg = pathlib.Path(download.value.path()).read_text()
    assert svg.startswith("<svg")
    assert svg.count('class="kw-graph-node"') == nodes.count()  # state classes dropped
    with nb.page.expect_download() as download:
        graph.locator(".kw-graph-export-png").click()
    assert pathlib.Path(download.value.path()).read_bytes()[:4] == b"\x89PNG"
    assert not nb.errors


XSS = "<img src=x onerror=window.__xss=1>"


def test_layer_names_are_text_not_markup(notebook):
    cells = [
        SETUP,
        f"""
i = keras.Input((4,), name="inp")
o = keras.layers.Dense(2, name={XSS!r})(i)
g = kw.graph(keras.Model(i, o, name="xss_model"))
g
""",
    ]
    nb = notebook(cells, name="graph_xss")
    nb.run_all()
    graph = wait_graph(nb)
    node = graph.locator(".kw-graph-node", has_text=XSS)
    assert node.count() == 1
    assert node.locator("title").text_content().startswith(XSS)  # tooltip
    node.click()
    panel_name = graph.locator(".kw-graph-panel-name")
    panel_name.wait_for()
    assert panel_name.text_content() == XSS
    graph.locator(".kw-graph-weights").wait_for(timeout=20_000)
    assert nb.page.locator(".jp-OutputArea img").count() == 0  # nothing became an element
    assert nb.page.evaluate("window.__xss") is None
    assert not nb.errors


def _nbconvert_html(path: pathlib.Path) -> pathlib.Path:
    subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", str(path)],
        check=True,
        capture_output=True,
    )
    return path.with_suffix(".html")


def _open_html(browser, path: pathlib.Path):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(path.as_uri())
    return page


def test_static_picture_without_any_front_end(browser, tmp_path):
    """A notebook run headless (nbclient, as CI does) shows the Python-drawn graph in HTML."""
    import nbclient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SETUP), nbformat.v4.new_code_cell(NESTED)]
    nb.cells.append(
        nbformat.v4.new_code_cell(f"""
i = keras.Input((4,), name="inp")
kw.graph(keras.Model(i, keras.layers.Dense(2, name={XSS!r})(i)))""")
    )
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=300).execute()
    path = tmp_path / "headless.ipynb"
    nbformat.write(nb, path)
    page = _open_html(browser, _nbconvert_html(path))
    static = page.locator(".kw-static")
    assert static.count() == 2
    assert static.first.is_visible()
    (first,) = pictures(static.first)
    assert first.count('class="kw-graph-node"') == 4
    assert "encoder" in svg_text(first)
    (second,) = pictures(static.nth(1))
    assert XSS in svg_text(second)  # as text: escaped inside the picture
    assert page.evaluate("window.__xss") is None
    page.screenshot(path=str(SCREENS / "graph_static_nbclient.png"))
    page.close()


def test_static_picture_is_the_front_ends_drawing(notebook, browser, lab):
    """Rendered in JupyterLab, the view sends its SVG back; the saved notebook keeps it."""
    nb = notebook([SETUP, NESTED], name="graph_saved")
    nb.run_all(timeout=120)
    graph = wait_graph(nb)
    # The live view hides the static output that sits below it.
    assert nb.page.locator(".kw-static").count() == 1
    assert not nb.page.locator(".kw-static").is_visible()
    for _ in range(40):
        if nb.kernel("print(g._svg is not None)").strip() == "True":
            break
        nb.page.wait_for_timeout(250)
    else:
        raise AssertionError("the front-end never sent its drawing")
    # The update reached the output: the static picture now holds the front-end's SVG.
    nb.page.wait_for_function(SOME_PICTURE_HAS, arg="kw-graph-edges")
    nb.page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    path = lab[1] / "graph_saved.ipynb"
    for _ in range(40):
        saved = json.loads(path.read_text())
        if "kw-graph-edges" in json.dumps(saved):
            break
        nb.page.wait_for_timeout(250)
    page = _open_html(browser, _nbconvert_html(path))
    static = page.locator(".kw-static")
    assert static.count() == 1
    assert static.is_visible()
    (svg,) = pictures(static)
    edges = ET.fromstring(svg).find(".//{*}g[@class='kw-graph-edges']")
    assert len(edges.findall(".//{*}path")) >= 3
    nodes = re.findall(r'class="kw-graph-node[" ]', svg)
    assert len(nodes) == graph.locator(".kw-graph-node").count()
    page.screenshot(path=str(SCREENS / "graph_static_saved.png"))
    page.close()


def test_load_ext_shows_summary_and_graph_tabs(notebook):
    model = (
        "x = keras.Input((8,), name='x')\n"
        "h = keras.layers.Dense(8, name='hidden')(x)\n"
        "model = keras.Model(x, keras.layers.Add(name='skip')([x, h]), name='tiny_skip')"
    )
    nb = notebook(["%load_ext keras_widgets", SETUP, model, "model"], name="graph_load_ext")
    nb.run_all()
    out = nb.page.locator(".jp-OutputArea-output").filter(has=nb.page.locator(".lm-TabBar"))
    out.locator(".kw-summary").wait_for(timeout=60_000)
    assert out.locator(".kw-summary").is_visible()
    # The static copies below (summary and picture, for saved notebooks) are hidden by the
    # graph view, rendered although its tab is not open yet: nothing shows twice.
    static = nb.page.locator(".jp-Cell").last.locator(".kw-static")
    assert static.count() == 2
    nb.page.wait_for_function(
        "() => [...document.querySelectorAll('.kw-static')]"
        ".every(e => getComputedStyle(e).display === 'none')",
        timeout=10_000,
    )
    assert nb.page.locator(".kw-summary:visible").count() == 1
    nb.screenshot("graph_load_ext_cell", nb.page.locator(".jp-Cell").last)
    out.locator(".lm-TabBar-tab", has_text="Graph").click()
    graph = out.locator(".kw-graph")
    graph.locator(".kw-graph-node").first.wait_for()
    assert graph.locator(".kw-graph-node").count() == 3
    assert graph.locator(".kw-graph-node", has_text="skip").is_visible()
    dismiss_news(nb.page)
    nb.screenshot("graph_load_ext", out)
    assert not nb.errors
