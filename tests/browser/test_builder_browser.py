"""kw.SequentialBuilder in JupyterLab: click a CNN together, see shapes and errors, round-trip
edits between the view and Python."""

from __future__ import annotations

import json
import os

XSS = "<img src=x onerror=window.__xss=1>"
PRELUDE = os.environ.get("KW_BUILDER_PRELUDE", "")


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
