"""kw.summary vs Keras' own model.summary() on three large keras.applications models.

    python benchmarks/summary.py [--repeats 5]

For each model, prints the best-of-N time of ``model.summary()`` (output captured through
``print_fn``) and of ``kw.summary(model)._repr_html_()``, measured in the same run, then a
line ``ratio <max over models of ours / keras>`` (goal: <= 0.5), and last what counting
MACs / FLOPs adds: ``kw.summary(model)`` minus ``kw.summary(model, show_cost=False)`` on
EfficientNetB7, ``counting ms <added>`` (goal: <= 30).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras

import keras_widgets as kw

MODELS = {
    "EfficientNetB7": keras.applications.EfficientNetB7,
    "DenseNet201": keras.applications.DenseNet201,
    "ResNet50": keras.applications.ResNet50,
}


def best_of(fn, repeats: int) -> tuple[float, float]:
    """(min, median) wall time of ``fn()`` over ``repeats`` runs."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def keras_summary(model) -> None:
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    assert lines


def ours(model) -> None:
    assert kw.summary(model)._repr_html_()


def counting_ms(model, repeats: int) -> tuple[float, float, float]:
    """(with costs, without, added) best-of-N milliseconds of kw.summary(model) as data."""
    with_cost, _ = best_of(lambda: kw.summary(model), repeats)
    without, _ = best_of(lambda: kw.summary(model, show_cost=False), repeats)
    return 1000 * with_cost, 1000 * without, 1000 * (with_cost - without)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    ratios = []
    print(
        f"{'model':16} {'layers':>6} {'keras s':>9} {'ours s':>9} {'ratio':>6}  (min of {args.repeats})"
    )
    for name, make in MODELS.items():
        model = make(weights=None)
        ours(model)  # warm up imports (pandas-free, but the first call imports our module)
        keras_summary(model)
        k_min, k_med = best_of(lambda m=model: keras_summary(m), args.repeats)
        o_min, o_med = best_of(lambda m=model: ours(m), args.repeats)
        ratio = o_min / k_min
        ratios.append(ratio)
        print(
            f"{name:16} {len(model.layers):6d} {k_min:9.4f} {o_min:9.4f} {ratio:6.3f}"
            f"  (median keras {k_med:.4f}, ours {o_med:.4f})"
        )
        if name == "EfficientNetB7":
            counting = counting_ms(model, args.repeats)
        del model
        keras.backend.clear_session()
    print(f"ratio {max(ratios):.3f}")
    with_cost, without, added = counting
    print(
        f"EfficientNetB7 kw.summary: {with_cost:.1f} ms with MACs/FLOPs, {without:.1f} ms "
        f"without (min of {args.repeats})"
    )
    print(f"counting ms {added:.1f}")


if __name__ == "__main__":
    main()
