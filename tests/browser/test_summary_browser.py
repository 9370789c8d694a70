"""kw.summary and %load_ext keras_widgets in a real JupyterLab + Chromium, and the static
HTML of a saved notebook (nbconvert) in Chromium."""

from __future__ import annotations

import pathlib

import nbformat

XSS = "<img src=x onerror=window.__xss=1>"

IMPORTS = """\
import os
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras
from keras import layers
import keras_widgets as kw
"""

# A small two-tower model: two inputs, a nested Sequential head, two outputs, a frozen layer.
MODEL = """\
image = keras.Input((32, 32, 3), name="image")
meta = keras.Input((8,), name="metadata")
x = layers.Conv2D(16, 3, activation="relu", name="conv_1")(image)
x = layers.BatchNormalization(name="bn_1")(x)
x = layers.MaxPooling2D(name="pool_1")(x)
x = layers.Conv2D(32, 3, activation="relu", name="conv_2")(x)
x = layers.GlobalAveragePooling2D(name="gap")(x)
m = layers.Dense(16, activation="relu", name="meta_dense")(meta)
h = layers.Concatenate(name="concat")([x, m])
head = keras.Sequential(
    [layers.Dense(64, activation="relu"), layers.Dropout(0.2), layers.Dense(32, activation="relu")],
    name="head",
)
h = head(h)
label = layers.Dense(10, activation="softmax", name="label")(h)
score = layers.Dense(1, name="score")(h)
model = keras.Model([image, meta], [label, score], name="two_tower")
model.get_layer("bn_1").trainable = False
"""

ROWS = "#{} .kw-sum-table tbody tr"


def visible_names(page, output) -> list[str]:
    return [
        n.strip()
        for n in output.locator(".kw-sum-table tbody tr:visible .kw-lname").all_inner_texts()
    ]


def test_summary_of_functional_model_renders_in_jupyterlab(notebook):
    nb = notebook([IMPORTS, MODEL, "kw.summary(model)"], name="summary_functional")
    nb.run_all()
    out = nb.page.locator(".jp-OutputArea-output .kw-summary")
    out.wait_for(timeout=60_000)
    assert out.count() == 1

    expected = nb.kernel(
        "s = kw.summary(model)\n"
        "print('|'.join(r.name for r in s.rows if r.depth == 0))\n"
        "print(f'{s.totals.total_params:,}')"
    ).split()
    top_level, total = expected[0].split("|"), expected[1]
    # nested rows start collapsed: exactly the model's own layers are visible
    assert visible_names(nb.page, out) == top_level
    headers = out.locator("thead th").all_inner_texts()
    assert headers == [
        "Layer (type)",
        "Output shape",
        "Param #",
        "MACs",
        "FLOPs",
        "Activations (batch 1)",
        "Connected to",
        "Trainable",
    ]
    concat = out.locator("tbody tr", has_text="concat").first
    cells = concat.locator("td").all_inner_texts()
    # shape, params, MACs, FLOPs, activations, connected to (a merge: no MACs, 48 adds)
    assert cells[1:3] == ["(None, 48)", "0"]
    assert cells[3] == "0"
    assert cells[6] == "gap[0][0], meta_dense[0][0]"
    assert out.locator("tbody tr", has_text="conv_2").locator("td").nth(2).inner_text() == "4,640"
    assert total in out.locator(".kw-sum-totals").inner_text()

    # the caret (a label for a hidden checkbox: CSS only, no JavaScript) expands "head"
    out.locator("label.kw-caret").click()
    names = visible_names(nb.page, out)
    assert names[names.index("head") + 1 : names.index("head") + 4] == [
        "dense",
        "dropout",
        "dense_1",
    ]
    nb.page.mouse.move(0, 0)  # no hover highlight in the picture
    # keep JupyterLab's "news" toast out of the picture
    nb.page.add_style_tag(content=".Toastify__toast-container{display:none!important}")
    shot = nb.screenshot("summary_functional", locator=out)
    assert shot.stat().st_size > 10_000
    name_color = out.locator(".kw-lname").first.evaluate("e => getComputedStyle(e).color")
    assert luminance(name_color) < 0.4, name_color  # dark text on the light theme
    # JupyterLab's dark theme: our colours come from its CSS variables. The theme is a
    # user setting of the shared server, so switch back even if an assertion fails.
    try:
        set_theme(nb.page, "JupyterLab Dark", light=False)
        name_color = out.locator(".kw-lname").first.evaluate("e => getComputedStyle(e).color")
        assert luminance(name_color) > 0.6, name_color  # light text on the dark background
        nb.screenshot("summary_functional_dark", locator=out)
    finally:
        set_theme(nb.page, "JupyterLab Light", light=True)

    out.locator("label.kw-caret").click()
    assert "dropout" not in visible_names(nb.page, out)
    assert nb.errors == []


def set_theme(page, theme: str, light: bool) -> None:
    page.evaluate(
        f"window.jupyterapp.commands.execute('apputils:change-theme', {{theme: '{theme}'}})"
    )
    page.wait_for_selector(
        f"body[data-jp-theme-light='{str(light).lower()}']", state="attached", timeout=30_000
    )
    page.wait_for_timeout(500)  # the theme's CSS variables land just after the attribute


def luminance(css_color: str) -> float:
    """0 (black) .. 1 (white) for an ``rgb(r, g, b)`` / ``rgba(...)`` string."""
    r, g, b = (float(v) for v in css_color[css_color.index("(") + 1 : -1].split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def test_load_ext_renders_a_model_as_its_summary(notebook):
    nb = notebook(
        [
            "%load_ext keras_widgets",
            IMPORTS + "seq = keras.Sequential([keras.Input((4,)), "
            "layers.Dense(3, name='ext_dense'), layers.Dense(1, name='ext_out')], name='ext_model')",
            "seq",
        ]
    )
    nb.run_all()
    # The live tabs show the summary; the static copy below (for saved notebooks) is hidden.
    out = nb.page.locator(".jp-OutputArea-output .kw-summary:visible")
    out.wait_for(timeout=60_000)
    assert visible_names(nb.page, out) == ["ext_dense", "ext_out"]
    assert "ext_model" in out.locator(".kw-sum-title").inner_text()
    static = nb.page.locator(".jp-OutputArea-output .kw-static .kw-summary")
    assert static.count() == 1
    assert static.is_hidden()
    assert nb.kernel(
        "print('keras_widgets' in get_ipython().extension_manager.loaded)"
    ).strip() == ("True")


def test_names_are_text_never_markup_in_chromium(notebook):
    code = (
        IMPORTS + "x = keras.Input((3,), name='x')\n"
        f"y = layers.Dense(2, name={XSS!r})(x)\n"
        "z = layers.Add()([y, layers.Dense(2)(x)])\n"
        f"evil = keras.Model(x, z, name={XSS!r})\n"
        "kw.summary(evil)"
    )
    nb = notebook([code])
    nb.run_all()
    out = nb.page.locator(".jp-OutputArea-output .kw-summary")
    out.wait_for(timeout=60_000)
    nb.page.wait_for_timeout(500)  # give a broken image's onerror time to fire
    assert nb.page.evaluate("window.__xss") is None
    assert out.locator("img").count() == 0
    assert XSS in visible_names(nb.page, out)
    assert XSS in out.locator(".kw-sum-title").inner_text()
    assert f"{XSS}[0][0]" in out.locator("td.kw-conn").all_inner_texts()[-1]


def test_saved_notebook_html_keeps_the_static_table(browser, tmp_path):
    """Executed and exported with nbconvert: the table (and its CSS-only toggle) work
    without a kernel or JupyterLab."""
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(IMPORTS + MODEL + "kw.summary(model)")]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    body, _ = HTMLExporter().from_notebook_node(nb)
    page_path = pathlib.Path(tmp_path) / "saved.html"
    page_path.write_text(body)

    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.goto(page_path.as_uri())
        out = page.locator(".kw-summary")
        out.wait_for(timeout=30_000)
        names = visible_names(page, out)
        assert names[:2] == ["image", "conv_1"]
        assert "dropout" not in names
        out.locator("label.kw-caret").click()
        assert "dropout" in visible_names(page, out)
    finally:
        page.close()
