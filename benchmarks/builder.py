"""Sequential builder: milliseconds from a single-field edit to the updated view, and the time
``from_model`` takes on a long stack.

Printed in one run:

- one edit on a 500-layer stack through the widget (message in -> state, report, code synced);
  goal <= 10 ms median;
- one edit on a 50-layer stack through the widget; goal <= 5 ms median;
- ``SequentialBuilder.from_model`` of a 500-layer ``keras.Sequential``; goal <= 1 s;
- a rejected edit (the 501st add) through the widget;

with anchors measured in the same run: rebuilding a ``keras.Sequential`` of the 50-layer stack
(what a naive builder does on each edit) and shape inference of every layer from a cold cache.

    python benchmarks/builder.py
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import random
import statistics
import time

import keras

from keras_widgets import SequentialBuilder
from keras_widgets._builder import _core

N_EDITS = 200


def make_builder(n_conv: int, n_dense: int) -> SequentialBuilder:
    b = SequentialBuilder(input_shape=(32, 32, 3))
    for _ in range(n_conv):
        b._state.add("Conv2D", filters=16, kernel_size=3, padding="same", activation="relu")
    b._state.add("Flatten")
    for _ in range(n_dense):
        b._state.add("Dense", units=64, activation="relu")
    return b


def random_edit(rng: random.Random, b: SequentialBuilder) -> dict:
    layers = b._state.view_dict()["layers"]
    while True:
        i = rng.randrange(len(layers))
        layer = layers[i]
        if layer["type"] == "Conv2D":
            name, value = rng.choice(
                [
                    ("filters", rng.choice([8, 16, 24, 32])),
                    ("kernel_size", rng.choice([1, 3, 5])),
                    ("activation", rng.choice(["relu", "gelu", "tanh"])),
                    ("use_bias", rng.choice([True, False])),
                ]
            )
        elif layer["type"] == "Dense":
            name, value = rng.choice(
                [
                    ("units", rng.choice([32, 64, 96, 128])),
                    ("activation", rng.choice(["relu", "gelu", "tanh"])),
                ]
            )
        else:
            continue
        return {"op": "set_arg", "id": layer["id"], "index": i, "name": name, "value": value}


def through_widget(b: SequentialBuilder, edit: dict) -> float:
    t = time.perf_counter()
    b.widget._handle_custom_msg({"type": "edit", "edit": edit}, [])
    return (time.perf_counter() - t) * 1000


def edits(b: SequentialBuilder, n: int, seed: int = 0) -> list[float]:
    rng = random.Random(seed)
    assert b.widget is not None  # create the view and sync once
    out = [through_widget(b, random_edit(rng, b)) for _ in range(n)]
    assert b.last_error is None, b.last_error
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> None:
    small = make_builder(35, 14)  # 50 layers
    big = make_builder(349, 150)  # 500 layers
    small.validate()
    big.validate()

    rebuild = []
    for _ in range(3):
        t = time.perf_counter()
        model = small.model
        rebuild.append((time.perf_counter() - t) * 1000)
        del model
    keras.utils.clear_session()
    cold = []
    for _ in range(3):
        _core._CACHE.clear()
        _core._WEIGHTLESS.clear()
        state = _core.BuilderState.from_dict(small._state.to_dict())
        t = time.perf_counter()
        state.validate()
        cold.append((time.perf_counter() - t) * 1000)

    e50 = edits(small, N_EDITS)
    e500 = edits(big, N_EDITS)

    # A rejected edit: the 501st layer. It must not validate, generate code nor sync.
    rejected = [through_widget(big, {"op": "add", "type": "Dense"}) for _ in range(50)]
    assert big.last_error
    assert "at most" in big.last_error

    model = big.model
    t = time.perf_counter()
    again = SequentialBuilder.from_model(model)
    from_model_s = time.perf_counter() - t
    assert len(again.layers) == 500

    naive = statistics.median(rebuild)
    m50, m500 = statistics.median(e50), statistics.median(e500)
    print(f"anchor: naive rebuild of the 50-layer keras.Sequential: {naive:.1f} ms median")
    print(
        f"anchor: validating the 50-layer stack from a cold cache: {statistics.median(cold):.1f} ms"
    )
    print(
        f"edit on a 50-layer stack through the widget: median {m50:.2f} ms, "
        f"p95 {pct(e50, 0.95):.2f} ms; goal <= 5 ms: {'met' if m50 <= 5 else 'NOT met'}"
    )
    print(
        f"edit on a 500-layer stack through the widget: median {m500:.2f} ms, "
        f"p95 {pct(e500, 0.95):.2f} ms; goal <= 10 ms: {'met' if m500 <= 10 else 'NOT met'}"
    )
    print(
        f"rejected edit (501st add) through the widget: median {statistics.median(rejected):.3f} ms"
    )
    print(
        f"from_model of a 500-layer Sequential: {from_model_s:.2f} s; "
        f"goal <= 1 s: {'met' if from_model_s <= 1 else 'NOT met'}"
    )
    print(f"ratio naive rebuild / 50-layer edit: {naive / m50:.0f}x")


if __name__ == "__main__":
    main()
