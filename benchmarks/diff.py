"""kw.diff: seconds to diff two models, against the walk it needs anyway.

Anchor measured in the same run: ``graph_data`` of both models (the walk a diff starts
from). Cases: ResNet50 vs ResNet101 (names match), MobileNetV2 alpha 1.0 vs 0.5 (same
names, every width changed), and two builds of a 2,000-layer Dense chain with made-up names
and one layer inserted in the middle (no name anchors: the structural alignment does it all).

    python benchmarks/diff.py
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import time

import keras

import keras_widgets as kw
from keras_widgets._graph import graph_data


def chain(n: int, insert_at: int | None = None) -> keras.Model:
    x = keras.Input((8,))
    h = x
    for i in range(n):
        if i == insert_at:
            h = keras.layers.Dense(8, activation="relu")(h)
        h = keras.layers.Dense(8)(h)
    return keras.Model(x, h)


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    cases = [
        (
            "ResNet50 vs ResNet101",
            keras.applications.ResNet50(weights=None),
            keras.applications.ResNet101(weights=None),
        ),
        (
            "MobileNetV2 1.0 vs 0.5",
            keras.applications.MobileNetV2(weights=None, alpha=1.0),
            keras.applications.MobileNetV2(weights=None, alpha=0.5),
        ),
        ("2,000-layer chain, made-up names, +1", chain(2000), chain(2000, insert_at=1000)),
    ]
    print(f"{'case':38} {'layers':>11} {'diff s':>8} {'anchor s':>9} {'ratio':>6}  counts")
    for label, a, b in cases:
        anchor = best(lambda a=a, b=b: (graph_data(a, True), graph_data(b, True)))
        t = best(lambda a=a, b=b: kw.diff(a, b))
        d = kw.diff(a, b)
        sizes = f"{len(a.layers)}/{len(b.layers)}"
        print(f"{label:38} {sizes:>11} {t:8.2f} {anchor:9.2f} {t / anchor:6.1f}  {d.counts}")


if __name__ == "__main__":
    main()
