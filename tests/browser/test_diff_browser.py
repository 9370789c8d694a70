"""kw.diff in JupyterLab + Chromium: the HTML table, the merged graph view, the saved picture."""

from __future__ import annotations

import json
import os
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCREENS = pathlib.Path(os.environ.get("KW_SCREENSHOTS", ROOT / "artifacts" / "screenshots"))
XSS = "<img src=x onerror=window.__xss=1>"

SETUP = (
    "import os\nos.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\nimport keras\nimport keras_widgets as kw"
)
# Two versions of a small model with a nested encoder: v2 drops a Dropout, adds a layer,
# widens one, and unfreezes the encoder.
MODELS = f"""
L = keras.layers
def make(v2):
    i = keras.Input((16,), name="features")
    e = L.Dense(32, activation="relu", name="enc_dense1")(i)
    encoder = keras.Model(i, L.Dense(8, name="enc_dense2")(e), name="encoder")
    encoder.trainable = v2
    x = keras.Input((16,), name="x")
    h = encoder(x)
    h = L.Dense(16, name={XSS!r})(h) if v2 else L.Dropout(0.1, name="drop")(h)
    h = L.Dense(32 if v2 else 16, activation="relu", name="hidden")(h)
    out = L.Dense(3, activation="softmax", name="head")(L.Concatenate(name="concat")([h, x]))
    return keras.Model(x, out, name="v2" if v2 else "v1")
d = kw.diff(make(False), make(True))
d
"""
GRAPH = "g = d.graph()\ng"


def _dismiss_news(page):
    page.add_style_tag(content=".Toastify { display: none !important; }")


def _strip_for_github(markup: str) -> str:
    """Roughly what GitHub's notebook view keeps: no <script>, <style> or style attributes."""
    markup = re.sub(r"<(script|style)\b.*?</\1>", "", markup, flags=re.S | re.I)
    return re.sub(r'\sstyle="[^"]*"', "", markup)


def test_diff_table_and_merged_graph(notebook, browser):
    nb = notebook([SETUP, MODELS, GRAPH], name="diff_v1_v2")
    nb.run_all(timeout=180)
    _dismiss_news(nb.page)
    counts = json.loads(nb.kernel("import json; print(json.dumps(d.counts))"))
    assert counts == {"added": 1, "removed": 1, "changed": 6, "same": 2}

    # The HTML table: one row per change, unchanged layers folded away.
    table = nb.page.locator(".kw-diff").first
    table.wait_for(timeout=60_000)
    for change in ("added", "removed", "changed", "same"):
        assert table.locator(f'tr[data-change="{change}"]').count() == counts[change]
    assert not table.locator('tr[data-change="same"]').first.is_visible()  # inside <details>
    hidden = table.locator('tr[data-change="changed"]', has_text="hidden")
    assert "units: 16 \u2192 32" in hidden.text_content()
    assert table.locator("td.kw-diff-name", has_text=XSS).count() == 1  # text, not markup
    assert nb.page.evaluate("window.__xss") is None
    nb.screenshot("diff_table", table)

    # The merged graph in kw.graph's view: every layer of both versions, the encoder open.
    graph = nb.page.locator(".kw-graph").first
    nb.page.wait_for_selector(".kw-graph[data-kw-layout-ms]", timeout=90_000)
    shown = json.loads(
        nb.kernel(
            "from keras_widgets._graph._static import visible_graph\n"
            "print(json.dumps({n['name']: n['status'] "
            "for n in visible_graph(g.data, set(g.expanded))[0]}))"
        )
    )
    assert graph.locator(".kw-graph-node").count() == len(shown) == 9
    # kw.graph's view marks each box with its status, and its legend says what marks mean.
    for status in ("added", "removed", "changed", "same"):
        expected = sum(1 for s in shown.values() if s == status)
        assert graph.locator(f'.kw-graph-node[data-status="{status}"]').count() == expected
    assert graph.locator('.kw-graph-node[data-status="removed"]', has_text="drop").count() == 1
    assert graph.locator(".kw-graph-legend-status").count() == 4
    assert graph.locator(".kw-graph-node", has_text="drop").count() == 1  # removed, still drawn
    assert graph.locator(".kw-graph-cluster", has_text="encoder").count() == 1
    assert "v1 \u2192 v2" in graph.locator(".kw-graph-title").text_content()
    assert graph.locator(".kw-graph-note").first.text_content() == (
        "1 added, 1 removed, 6 changed, 2 same"
    )
    # The marked static picture below is hidden while the view is live.
    static = nb.page.locator(".kw-static")  # keras_widgets._display's static copy
    assert static.count() == 1
    assert not static.is_visible()
    nb.page.mouse.move(5, 5)
    nb.screenshot("diff_graph", graph)
    assert not nb.errors

    # What a saved notebook shows on GitHub: the table and the marked picture, no styles.
    table_html = table.evaluate("el => el.outerHTML")
    picture = json.loads(nb.kernel("print(json.dumps(g.static_bundle()['text/html']))"))
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.route("**/*", lambda route: route.abort())  # nothing external may load
    page.set_content(
        "<html><body>" + _strip_for_github(table_html + picture) + "</body></html>",
        wait_until="domcontentloaded",
    )
    assert page.locator("del", has_text="drop").count() == 1
    # The picture is an SVG image (a data URI: GitHub keeps it); it loads with no network.
    img = page.locator("img.kw-pic")
    assert img.count() == 1
    assert img.evaluate("el => el.complete && el.naturalWidth > 0")
    from keras_widgets._display import svg_pictures

    (svg,) = svg_pictures(picture)
    assert svg.count('data-status="removed"') == 1
    assert svg.count('data-status="added"') == 1
    assert "~ changed (6)" in svg
    assert page.evaluate("window.__xss") is None
    page.screenshot(path=str(SCREENS / "diff_github_view.png"), full_page=True)
    page.close()


def test_diff_side_by_side_marks_both_graphs_and_links_the_selection(notebook):
    side = "s = d.graph(view='side')\ns"
    nb = notebook([SETUP, MODELS.replace("\nd\n", "\n"), side], name="diff_side")
    nb.run_all(timeout=180)
    _dismiss_news(nb.page)
    nb.page.wait_for_function(
        "document.querySelectorAll('.kw-graph[data-kw-layout-ms]').length === 2", timeout=90_000
    )
    before, after = nb.page.locator(".kw-graph").nth(0), nb.page.locator(".kw-graph").nth(1)
    # Side by side, each half of the output's width.
    box_a, box_b = before.bounding_box(), after.bounding_box()
    assert box_b["x"] >= box_a["x"] + box_a["width"] - 2
    assert abs(box_a["width"] - box_b["width"]) < 4
    assert "v1" in before.locator(".kw-graph-title").text_content()
    assert "v2" in after.locator(".kw-graph-title").text_content()
    # A shows its removed layer, B its added one; both mark the changed ones.
    assert before.locator('.kw-graph-node[data-status="removed"]', has_text="drop").count() == 1
    assert before.locator('.kw-graph-node[data-status="added"]').count() == 0
    assert after.locator('.kw-graph-node[data-status="added"]').count() == 1
    assert after.locator('.kw-graph-node[data-status="removed"]').count() == 0
    changed = before.locator('.kw-graph-node[data-status="changed"]', has_text="hidden")
    assert after.locator('.kw-graph-node[data-status="changed"]', has_text="hidden").count() == 1

    # Selecting a layer in A selects the same layer in B (in the page, no kernel round trip).
    changed.click()
    b_selected = after.locator(".kw-graph-node.kw-selected")
    b_selected.wait_for(timeout=10_000)
    assert "hidden" in b_selected.text_content()
    assert after.locator(".kw-graph-panel-name").text_content() == "hidden"
    assert before.locator(".kw-graph-panel-name").text_content() == "hidden"
    # Each side's details are its own layer's: 16 units before, 32 after.
    after.locator(".kw-graph-config", has_text="units").wait_for(timeout=30_000)
    before.locator(".kw-graph-config", has_text="units").wait_for(timeout=30_000)
    units = [
        g.locator(".kw-graph-config tr", has_text="units").locator("td").text_content()
        for g in (before, after)
    ]
    assert units == ["16", "32"]
    selected = json.loads(
        nb.kernel("import json; print(json.dumps([s.before.selected, s.after.selected]))")
    )
    assert selected[0] == selected[1] != ""
    nb.page.mouse.move(5, 5)
    nb.screenshot("diff_side_by_side", nb.page.locator(".widget-hbox", has=before).last)

    # Closing the details in one closes them in both.
    before.locator(".kw-graph-close").click()
    after.locator(".kw-graph-panel").wait_for(state="hidden", timeout=10_000)
    assert after.locator(".kw-graph-node.kw-selected").count() == 0
    # A layer only A has: B clears its selection; back in B, a click selects in A again.
    before.locator('.kw-graph-node[data-status="removed"]', has_text="drop").click()
    before.locator(".kw-graph-panel-name", has_text="drop").wait_for(timeout=10_000)
    after.locator(".kw-graph-panel").wait_for(state="hidden", timeout=10_000)
    assert after.locator(".kw-graph-node.kw-selected").count() == 0
    after.locator(".kw-graph-node", has_text="head").click()
    before.locator(".kw-graph-panel-name", has_text="head").wait_for(timeout=10_000)
    assert "head" in before.locator(".kw-graph-node.kw-selected").text_content()
    assert not nb.errors
