"""kw.SequentialBuilder in JupyterLab: click a CNN together, see shapes and errors, round-trip
edits between the view and Python."""

from __future__ import annotations

import json
import os
import pathlib

XSS = "<img src=x onerror=window.__xss=1>"
PRELUDE = os.environ.get("KW_BUILDER_PRELUDE", "")
ROOT = pathlib.Path(__file__).resolve().parents[2]
SCREENSHOTS = pathlib.Path(os.environ.get("KW_SCREENSHOTS", ROOT / "artifacts" / "screenshots"))


def _card(page, i):
    return page.locator(".kw-builder .kw-layer").nth(i)


def _field(page, i, arg):
    return _card(page, i).locator(f'.kw-field[data-arg="{arg}"]')


def _py(nb, code):
    return json.loads(nb.kernel(f"import json\nprint(json.dumps({code}))").strip().splitlines()[-1])


def test_builder_click_edit_validate_and_sync(notebook):
    nb = notebook(
        [
            PRELUDE + "import keras_widgets as kw\n"
            f"b = kw.SequentialBuilder(input_shape=(28, 28, 1), name={XSS!r})\n"
            "b"
        ],
        height=1500,
    )
    nb.run_all()
    page = nb.page
    # JupyterLab's notifications (e.g. the news prompt) would cover the widget in screenshots.
    page.add_style_tag(content=".jp-toast-container, .Toastify { display: none !important; }")
    page.wait_for_selector(".kw-builder .kw-pal-item", timeout=60_000)
    root = page.locator(".kw-builder")

    # The name is text, never markup.
    assert root.locator(".kw-b-title").text_content() == XSS
    assert page.evaluate("window.__xss") is None

    # Build a CNN by clicking the palette.
    for i, layer in enumerate(["Conv2D", "MaxPooling2D", "Flatten", "Dense"]):
        root.locator(f'.kw-pal-item[data-type="{layer}"]').click()
        page.wait_for_function(
            f"document.querySelectorAll('.kw-builder .kw-layer').length === {i + 1}"
        )
    shapes = ["(None, 26, 26, 32)", "(None, 13, 13, 32)", "(None, 5408)", "(None, 32)"]
    for i, shape in enumerate(shapes):
        page.wait_for_function(
            "([i, s]) => document.querySelectorAll('.kw-builder .kw-layer')[i]"
            ".querySelector('.kw-shape').textContent === s",
            arg=[i, shape],
        )
    assert _py(nb, "[s['type'] for s in b.layers]") == [
        "Conv2D",
        "MaxPooling2D",
        "Flatten",
        "Dense",
    ]

    # A bad kernel size marks the field (and only the field); shapes below become unknown.
    kernel = _field(page, 0, "kernel_size")
    kernel.locator("input").fill("abc")
    page.wait_for_selector('.kw-layer .kw-field[data-arg="kernel_size"].kw-invalid')
    assert kernel.locator(".kw-f-msg").text_content().strip() != ""
    assert "kw-card-error" not in (_card(page, 0).get_attribute("class") or "")
    assert root.locator(".kw-status").text_content().startswith("1 problem")
    nb.screenshot("builder_field_error", _card(page, 0))

    # A valid but too large kernel is a shape error: the layer is marked with a short message.
    kernel.locator("input").fill("30")
    page.wait_for_selector(".kw-layer.kw-card-error")
    assert _card(page, 0).get_attribute("data-type") == "Conv2D"
    assert "kw-invalid" not in kernel.get_attribute("class")
    message = _card(page, 0).locator(".kw-card-msg").text_content()
    assert 0 < len(message) <= 200
    assert _card(page, 1).locator(".kw-shape").text_content() == "?"
    nb.screenshot("builder_shape_error", root.locator(".kw-stack"))

    # Fix it: everything is valid again and the view's total matches the kernel's model.
    kernel.locator("input").fill("3")
    page.wait_for_function(
        "!document.querySelector('.kw-builder .kw-card-error, .kw-builder .kw-invalid')"
    )
    page.wait_for_function(
        "document.querySelectorAll('.kw-builder .kw-layer .kw-shape')[3].textContent"
        " === '(None, 32)'"
    )
    assert _py(nb, "b.layers[0]['config']['kernel_size']") in (3, [3, 3])
    shown = int(root.locator(".kw-total-params").text_content().replace(",", ""))
    assert shown == _py(nb, "b.model.count_params()") == 173_408
    assert root.locator(".kw-sum-total").text_content() == "173,408"

    # MACs per sample update live with an edit, and agree with kw.summary of the built model.
    conv_macs = _card(page, 0).locator(".kw-macs")
    assert conv_macs.text_content() == "195 K MACs"  # 26 * 26 * 32 outputs x 3 * 3 * 1 taps
    total_before = root.locator(".kw-total-macs").text_content()
    kernel.locator("input").fill("5")
    page.wait_for_function(
        "document.querySelector('.kw-builder .kw-layer .kw-macs').textContent === '461 K MACs'"
    )  # 24 * 24 * 32 x 5 * 5
    page.wait_for_function(
        "(t) => document.querySelector('.kw-builder .kw-total-macs').textContent !== t",
        arg=total_before,
    )
    assert _py(nb, "b.validate()['total_macs'] == kw.summary(b.model).macs")
    kernel.locator("input").fill("3")
    page.wait_for_function(
        "document.querySelector('.kw-builder .kw-layer .kw-macs').textContent === '195 K MACs'"
    )

    # Python edits appear in the view.
    nb.kernel("b.set(3, units=10, activation='softmax')\nb.insert(3, 'Dropout', rate=0.25)")
    page.wait_for_function("document.querySelectorAll('.kw-builder .kw-layer').length === 5")
    assert _card(page, 3).get_attribute("data-type") == "Dropout"
    page.wait_for_function(
        "document.querySelectorAll('.kw-builder .kw-layer')[4]"
        ".querySelector('.kw-field[data-arg=\"units\"] input').value === '10'"
    )
    assert _card(page, 4).locator(".kw-shape").text_content() == "(None, 10)"

    # Keyboard reorder (Alt+ArrowUp on a focused card), then undo with the button.
    _card(page, 3).focus()
    page.keyboard.press("Alt+ArrowUp")
    page.wait_for_function(
        "document.querySelectorAll('.kw-builder .kw-layer')[2].dataset.type === 'Dropout'"
    )
    assert _py(nb, "[s['type'] for s in b.layers]")[2] == "Dropout"
    root.locator(".kw-undo").click()
    page.wait_for_function(
        "document.querySelectorAll('.kw-builder .kw-layer')[3].dataset.type === 'Dropout'"
    )
    assert _py(nb, "[s['type'] for s in b.layers]")[3] == "Dropout"

    # Ctrl+Z inside the widget undoes too; Ctrl+Shift+Z redoes.
    nb.kernel("b.compile(optimizer='sgd', learning_rate=0.01)")
    page.wait_for_function("document.querySelector('.kw-builder .kw-c-optimizer').value === 'sgd'")
    assert root.locator(".kw-c-momentum").count() == 1
    assert "keras.optimizers.SGD" in root.locator(".kw-code").text_content()

    # The model name set from Python replaces the title (still as text).
    nb.kernel(
        "b.name = 'mnist_cnn'\n"
        "b.compile(loss='sparse_categorical_crossentropy', metrics=['accuracy'])"
    )
    page.wait_for_function(
        "document.querySelector('.kw-builder .kw-b-title').textContent === 'mnist_cnn'"
    )
    page.wait_for_function(
        "document.querySelector('.kw-builder .kw-c-loss').value"
        " === 'sparse_categorical_crossentropy'"
    )
    assert root.locator(".kw-status.kw-ok").count() == 1

    assert nb.errors == []
    assert page.evaluate("window.__xss") is None
    page.mouse.move(0, 0)
    nb.screenshot("builder", root)


def test_builder_presets_drag_insert_undo_and_copy(notebook):
    nb = notebook([PRELUDE + "import keras_widgets as kw\nb = kw.SequentialBuilder()\nb"])
    nb.run_all()
    page = nb.page
    page.wait_for_selector(".kw-builder .kw-pal-item", timeout=60_000)
    root = page.locator(".kw-builder")
    layers = "[...document.querySelectorAll('.kw-builder .kw-layer')].map(e => e.dataset.type)"

    # An empty builder asks for an input shape; typing one clears the error.
    assert root.locator(".kw-card-input.kw-invalid").count() == 1
    root.locator(".kw-input-shape").fill("100")
    page.wait_for_function("!document.querySelector('.kw-builder .kw-card-input.kw-invalid')")
    assert _py(nb, "b.input_shape") == [100]

    # A preset from the menu.
    root.locator(".kw-b-presets").select_option("MLP classifier")
    page.wait_for_function(f"{layers}.join() === 'Dense,Dense'")
    assert _py(nb, "[s['type'] for s in b.layers]") == ["Dense", "Dense"]

    # Drag a palette item onto the stack, above the first card.
    root.locator('.kw-pal-item[data-type="Dropout"]').drag_to(
        root.locator(".kw-layer").nth(0), target_position={"x": 40, "y": 4}
    )
    page.wait_for_function(f"{layers}.join() === 'Dropout,Dense,Dense'")

    # Insert between two cards with the "+" gap, then a palette click.
    gap = root.locator('.kw-gap[data-index="2"]')
    gap.hover()
    gap.locator(".kw-gap-btn").click()
    assert root.locator(".kw-gap-active").count() == 1
    root.locator('.kw-pal-item[data-type="BatchNormalization"]').click()
    page.wait_for_function(f"{layers}.join() === 'Dropout,Dense,BatchNormalization,Dense'")
    assert root.locator(".kw-gap-active").count() == 0
    # BatchNormalization's moving statistics are non-trainable: the totals say so.
    page.wait_for_function(
        "document.querySelector('.kw-builder .kw-nontrainable').textContent === '128'"
    )

    # Reorder by dragging a card's handle.
    card = root.locator(".kw-layer").nth(0)
    card.locator(".kw-handle").hover()
    page.mouse.down()
    box = root.locator(".kw-layer").nth(3).bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + box["height"] - 3, steps=8)
    page.mouse.up()
    page.wait_for_function(f"{layers}.join() === 'Dense,BatchNormalization,Dense,Dropout'")

    # Ctrl+Z inside the widget undoes, Ctrl+Shift+Z redoes.
    root.locator(".kw-layer").nth(0).focus()
    page.keyboard.press("Control+z")
    page.wait_for_function(f"{layers}.join() === 'Dropout,Dense,BatchNormalization,Dense'")
    page.keyboard.press("Control+Shift+z")
    page.wait_for_function(f"{layers}.join() === 'Dense,BatchNormalization,Dense,Dropout'")

    # Remove, duplicate and collapse from the card buttons.
    root.locator(".kw-layer").nth(3).locator(".kw-remove").click()
    page.wait_for_function(f"{layers}.length === 3")
    root.locator(".kw-layer").nth(0).locator(".kw-dup").click()
    page.wait_for_function(f"{layers}.join() === 'Dense,Dense,BatchNormalization,Dense'")
    root.locator(".kw-layer").nth(1).locator(".kw-collapse").click()
    page.wait_for_selector(".kw-builder .kw-layer.kw-collapsed")
    assert _py(nb, "[s['collapsed'] for s in b._state.layers]") == [False, True, False, False]

    # A regularizer from the advanced section reaches the model.
    dense = root.locator(".kw-layer").nth(0)
    dense.locator(".kw-adv > summary").click()
    reg = dense.locator('.kw-field[data-arg="kernel_regularizer"]')
    reg.locator("select").select_option("L2")
    reg.locator(".kw-reg-l2").fill("0.001")
    page.wait_for_function(
        "document.querySelector('.kw-builder .kw-code').textContent.includes('l2=0.001')"
    )
    assert _py(nb, "b.layers[0]['config']['kernel_regularizer']") == {"type": "L2", "l2": 0.001}
    assert _py(nb, "type(b.model.layers[0].kernel_regularizer).__name__") == "L2"

    # Copy code puts exactly the generated code on the clipboard.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    root.locator(".kw-copy").click()
    page.wait_for_function(
        "document.querySelector('.kw-builder .kw-copy').textContent !== 'Copy code'"
    )
    assert page.evaluate("navigator.clipboard.readText()") == _py(nb, "b.to_code()")
    assert nb.errors == []


def test_builder_transfer_learning_augmentation_and_rejections(notebook):
    nb = notebook(
        [
            PRELUDE + "import keras_widgets as kw\n"
            "from keras_widgets._builder import _core\n"
            "b = kw.SequentialBuilder(input_shape=(64, 64, 3))\n"
            "b"
        ],
        height=1500,
    )
    nb.run_all()
    page = nb.page
    page.add_style_tag(content=".jp-toast-container, .Toastify { display: none !important; }")
    page.wait_for_selector(".kw-builder .kw-pal-item", timeout=60_000)
    root = page.locator(".kw-builder")
    count = "document.querySelectorAll('.kw-builder .kw-layer').length"

    # Augmentation from the palette.
    root.locator('.kw-pal-item[data-type="RandomFlip"]').click()
    page.wait_for_function(f"{count} === 1")
    page.wait_for_function(
        "document.querySelector('.kw-builder .kw-layer .kw-shape').textContent"
        " === '(None, 64, 64, 3)'"
    )

    # A pretrained base from its own palette group; weights=None (nothing downloads).
    group = root.locator('.kw-pal-group[data-group="Pretrained base"]')
    assert group.locator(".kw-pal-item").count() >= 30  # every keras.applications model
    group.locator('.kw-pal-item[data-type="VGG16"]').click()
    page.wait_for_function(f"{count} === 2")
    base = _card(page, 1)
    assert "downloads the weights" in base.locator(".kw-card-note").text_content()
    base.locator('.kw-field[data-arg="weights"] select').select_option(label="None")
    page.wait_for_function(
        "document.querySelectorAll('.kw-builder .kw-layer')[1]"
        ".querySelector('.kw-shape').textContent === '(None, 2, 2, 512)'"
    )
    assert _py(nb, "b.layers[1]['config']['weights']") is None
    trainable = "document.querySelector('.kw-builder .kw-trainable').textContent"
    page.wait_for_function(f"{trainable} === '0'")  # frozen by default
    assert root.locator(".kw-nontrainable").text_content() == "14,714,688"
    base.locator('.kw-field[data-arg="freeze"] select').select_option("trainable")
    page.wait_for_function(f"{trainable} === '14,714,688'")
    assert _py(nb, "b.validate()['trainable_params']") == 14_714_688
    base.locator('.kw-field[data-arg="freeze"] select').select_option("frozen")
    page.wait_for_function(f"{trainable} === '0'")
    assert "base.trainable = False" in root.locator(".kw-code").text_content()

    # The base's inside, one click away: its summary rows, then its graph picture.
    base.locator(".kw-inside-summary").click()
    table = base.locator(".kw-inside-table")
    table.wait_for(timeout=60_000)
    names = table.locator("tbody tr td:first-child").all_inner_texts()
    assert names[1:3] == ["block1_conv1", "block1_conv2"]
    assert len(names) == 19  # VGG16 without its top: input, 13 convolutions, 5 poolings
    assert "14,714,688 params (0 trainable)" in base.locator(".kw-inside-title").text_content()
    base.locator(".kw-inside-graph").click()
    picture = base.locator("img.kw-inside-picture")
    picture.wait_for(timeout=60_000)
    page.wait_for_function(
        "document.querySelector('img.kw-inside-picture').complete"
        " && document.querySelector('img.kw-inside-picture').naturalHeight > 1000"
    )
    nb.screenshot("builder_base_inside", base)
    base.locator(".kw-inside-hide").click()
    assert base.locator(".kw-inside-picture").count() == 0

    # Edit a LayerNormalization (its axis=[-1] survives).
    root.locator('.kw-pal-item[data-type="LayerNormalization"]').click()
    page.wait_for_function(f"{count} === 3")
    norm = _card(page, 2)
    norm.locator(".kw-adv > summary").click()
    norm.locator('.kw-field[data-arg="epsilon"] input').fill("0.01")
    page.wait_for_function(
        "document.querySelector('.kw-builder .kw-code').textContent"
        ".includes('LayerNormalization(epsilon=0.01)')"
    )
    assert _py(nb, "b.layers[2]['config']") == {"epsilon": 0.01}

    # A rejected edit says why in the view (a lower limit, to keep the page small).
    nb.kernel("_core.MAX_LAYERS = 3")
    root.locator('.kw-pal-item[data-type="Dense"]').click()
    page.wait_for_selector(".kw-builder .kw-b-notice:not([hidden])")
    assert "at most 3 layers" in root.locator(".kw-b-notice").text_content()
    assert root.locator(".kw-layer").count() == 3
    assert "at most 3 layers" in _py(nb, "b.last_error")
    nb.kernel("_core.MAX_LAYERS = 500")
    assert nb.errors == []
    page.mouse.move(0, 0)
    nb.screenshot("builder_transfer_learning", root)


STATIC_CELLS = [
    "import os\n"
    'os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"\n'
    "import keras_widgets as kw\n"
    "b = kw.SequentialBuilder()\n"
    "b.load_preset('MNIST CNN (keras.io)')\n"
    "b.set(0, name='<img src=x onerror=window.__xss=1>')\n"
    "b"
]


def test_builder_static_picture_in_nbconvert_html_offline(browser, tmp_path):
    import re

    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in STATIC_CELLS]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    static = [o for o in outputs if "text/html" in o.get("data", {})]
    assert len(static) == 1
    html_out = static[0]["data"]["text/html"]
    assert "kw-b-static" in html_out
    assert "<img" not in html_out  # the name is text
    html, _ = HTMLExporter().from_notebook_node(nb)
    # GitHub strips <style> elements and style attributes: the picture must read the same.
    stripped = re.sub(r"<style.*?</style>", "", html, flags=re.S)
    stripped = re.sub(r'\sstyle="[^"]*"', "", stripped)
    for name, text in (("full", html), ("stripped", stripped)):
        path = tmp_path / f"{name}.html"
        path.write_text(text)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        try:
            page.route(
                "**/*",
                lambda route: (
                    route.continue_() if route.request.url.startswith("file:") else route.abort()
                ),
            )
            page.goto(path.as_uri())
            table = page.locator(".kw-b-static table")
            table.wait_for(state="visible", timeout=30_000)
            rows = table.locator("tbody tr")
            assert rows.count() == 8  # Input + 7 layers
            cells = rows.nth(1).locator("td")
            assert cells.nth(1).inner_text() == "Conv2D"
            assert cells.nth(2).inner_text() == "<img src=x onerror=window.__xss=1>"
            assert cells.nth(3).inner_text() == "(None, 26, 26, 32)"
            assert cells.nth(4).inner_text() == "320"
            foot = table.locator("tfoot").inner_text()
            assert "Total params" in foot
            assert "34,826" in foot
            code = page.locator(".kw-b-static pre").inner_text()
            assert "keras.layers.Conv2D(filters=32" in code
            assert "model.compile(" in code
            assert page.evaluate("window.__xss") is None
            if name == "full":
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.locator(".kw-b-static").screenshot(
                    path=str(SCREENSHOTS / "builder_static.png")
                )
        finally:
            page.close()


# Layout checks of one builder, read in the page: nothing of the view is cut off.
LAYOUT = """root => {
    const r = root.getBoundingClientRect();
    const out = [];
    const cut = (e) => e.scrollWidth > e.clientWidth + 1;
    if (cut(root)) out.push(`builder scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
    for (const sel of ['.kw-side', '.kw-layer', '.kw-palette-col', '.kw-compile']) {
        for (const e of root.querySelectorAll(sel)) {
            const b = e.getBoundingClientRect();
            if (b.right > r.right + 0.5) out.push(`${sel} right ${b.right} > builder ${r.right}`);
            if (cut(e)) out.push(`${sel} clips its content`);
        }
    }
    const labels = [];
    for (const chip of root.querySelectorAll('.kw-pal-item')) {
        if (cut(chip) || chip.scrollHeight > chip.clientHeight + 1)
            out.push(`chip ${chip.dataset.type} cut`);
        labels.push(chip.innerText.replace(/\\s+/g, ''));
    }
    if (new Set(labels).size !== labels.length) out.push('two chips read the same');
    for (const card of root.querySelectorAll('.kw-layer')) {
        const tops = ['.kw-collapse', '.kw-dup', '.kw-remove']
            .map((s) => Math.round(card.querySelector(s).getBoundingClientRect().top));
        if (new Set(tops).size !== 1) out.push(`card buttons split over lines: ${tops}`);
    }
    // A side-summary name wraps between words, never inside one ("GlobalAverageP|ooling2D").
    for (const td of root.querySelectorAll('.kw-side .kw-summary tbody td:first-child')) {
        const name = td.lastChild;  // the text after the row number
        const range = document.createRange();
        range.selectNodeContents(name);
        const lines = new Set([...range.getClientRects()].map((b) => Math.round(b.top / 4)));
        const words = name.textContent.split('\u200b').length;
        if (lines.size > words) out.push(`summary name broken inside a word: ${name.textContent}`);
    }
    return { problems: out, chips: labels.length };
}"""


def test_builder_lays_out_from_1000_to_1400_px(notebook):
    # The file browser stays open (JupyterLab's default): the notebook gets ~250 px less.
    nb = notebook(
        [
            "import keras_widgets as kw\n"
            "b = kw.SequentialBuilder(input_shape=(32, 32, 3))\n"
            "b.add('Conv2D', filters=16, kernel_size=3, activation='relu')\n"
            "b.add('GlobalAveragePooling2D')\n"
            "b.add('Dense', units=10, activation='softmax')\n"
            "b.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n"
            "b"
        ],
        width=1400,
        height=1000,
    )
    nb.run_all()
    page = nb.page
    page.add_style_tag(content=".jp-toast-container, .Toastify { display: none !important; }")
    page.wait_for_selector(".kw-builder .kw-pal-item", timeout=60_000)
    assert page.locator(".jp-FileBrowser").first.is_visible()
    root = page.locator(".kw-builder").first
    for width in (1000, 1100, 1200, 1300, 1400):
        page.set_viewport_size({"width": width, "height": 1800})  # the whole view on screen
        page.wait_for_timeout(400)  # JupyterLab lays the panels out again
        found = root.evaluate(LAYOUT)
        assert found["chips"] > 50
        assert found["problems"] == [], (width, found["problems"])
        if width in (1000, 1400):
            root.screenshot(path=str(SCREENSHOTS / f"builder_width_{width}.png"))
    assert not nb.errors, nb.errors
