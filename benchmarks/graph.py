"""kw.graph vs keras.utils.plot_model on three large keras.applications models.

    python benchmarks/graph.py [--repeats 5] [--models ResNet50,DenseNet201,EfficientNetB7]

For ResNet50, DenseNet201 and EfficientNetB7 (``weights=None``) prints, in one run:

- ``extract ms``: best-of-N time of ``graph_data(model)`` in this process (goal <= 100 ms);
- ``render s``: from running the cell ``kw.graph(model)`` in JupyterLab (headless Chromium,
  the browser-test harness) to the finished layout drawn on screen: kernel-side extraction,
  the comm, dagre layout and SVG drawing (goal <= 2 s for EfficientNetB7);
- ``layout ms``: the part spent in the view (``data-kw-layout-ms``, set by js/graph);
- ``plot_model s``: ``keras.utils.plot_model(model, show_shapes=True)`` or ``failed`` (it needs
  pydot and graphviz' ``dot``), and the ratio plot_model / render where both ran.

The last line is ``render_s <EfficientNetB7 first render seconds>``.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
import conftest as harness  # the browser-test harness: Chromium flags, ports, Notebook
import keras
import nbformat

from keras_widgets._graph import graph_data

MODELS = ("ResNet50", "DenseNet201", "EfficientNetB7")


def extraction_ms(model, repeats: int) -> float:
    graph_data(model)  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        graph_data(model)
        times.append(time.perf_counter() - t0)
    return min(times) * 1000


def plot_model_s(model) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        try:
            keras.utils.plot_model(model, to_file=os.path.join(tmp, "m.png"), show_shapes=True)
        except BaseException as err:  # ImportError (pydot), OSError / crash of `dot`
            return f"failed ({type(err).__name__})"
        if not os.path.exists(os.path.join(tmp, "m.png")):
            return "failed (no pydot)"  # Keras prints a hint and returns without drawing
        return f"{time.perf_counter() - t0:.2f}"


class Lab:
    """JupyterLab + headless Chromium, started as the browser tests do."""

    def __init__(self):
        from playwright.sync_api import sync_playwright

        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="kw-bench-"))
        (self.tmp / "nb").mkdir()
        self.port = harness._free_port()
        self.log = open(self.tmp / "lab.log", "w")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={self.port}",
                "--ServerApp.ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=",
                "--ServerApp.disable_check_xsrf=True", "--allow-root",
                f"--ServerApp.root_dir={self.tmp / 'nb'}",
                f"--LabApp.workspaces_dir={self.tmp / 'ws'}",
                f"--LabApp.user_settings_dir={self.tmp / 'settings'}",
                "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
            ],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=self.tmp,
        )  # fmt: skip
        harness._wait_for_port(self.port, self.proc)
        self.pw = sync_playwright().start()
        self.browser = self.pw.chromium.launch(
            executable_path=harness.CHROMIUM, headless=True, args=harness.CHROMIUM_ARGS
        )

    def open(self, cells: list[str]) -> harness.Notebook:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        (self.tmp / "nb" / "bench.ipynb").write_text(json.dumps(nb))
        page = self.browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"http://127.0.0.1:{self.port}/lab/tree/bench.ipynb?reset")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        notebook = harness.Notebook(page, "bench")
        notebook.wait_idle(120)
        return notebook

    def close(self):
        self.browser.close()
        self.pw.stop()
        self.proc.terminate()
        self.proc.wait(timeout=20)
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def render_times(names: list[str]) -> dict[str, tuple[float, float]]:
    """name -> (seconds from running the display cell to the drawn layout, view's layout ms)."""
    lab = Lab()
    try:
        nb = lab.open(["import keras_widgets as kw\ng = kw.graph(current)\ng"])
        nb.kernel("import os, keras, keras_widgets as kw; os.environ['TF_CPP_MIN_LOG_LEVEL']='3'")
        out = {}
        for name in names:
            nb.kernel(f"current = keras.applications.{name}(weights=None)", timeout=600)
            n_layers = int(nb.kernel("print(len(current.layers))").strip())
            page = nb.page
            page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
            page.wait_for_selector(".kw-graph", state="detached")
            t0 = page.evaluate("performance.now()")
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            page.wait_for_selector(".kw-graph[data-kw-layout-ms]", timeout=120_000)
            t1 = page.evaluate("performance.now()")
            graph = page.locator(".kw-graph").first
            assert int(graph.get_attribute("data-kw-nodes")) == n_layers, name
            out[name] = ((t1 - t0) / 1000, float(graph.get_attribute("data-kw-layout-ms")))
            nb.wait_idle(120)
        return out
    finally:
        lab.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--models", default=",".join(MODELS))
    args = parser.parse_args()
    names = args.models.split(",")
    rows = {}
    for name in names:
        model = getattr(keras.applications, name)(weights=None)
        rows[name] = (len(model.layers), extraction_ms(model, args.repeats), plot_model_s(model))
        del model
    renders = render_times(names)
    print(
        f"{'model':16} {'layers':>6} {'extract ms':>10} {'render s':>9} {'layout ms':>9} "
        f"{'plot_model s':>16} {'plot/render':>11}"
    )
    for name in names:
        layers, extract, plot = rows[name]
        render, layout = renders[name]
        ratio = f"{float(plot) / render:.1f}x" if not plot.startswith("failed") else "n/a"
        print(
            f"{name:16} {layers:>6} {extract:>10.1f} {render:>9.2f} {layout:>9.0f} "
            f"{plot:>16} {ratio:>11}"
        )
    if "EfficientNetB7" in renders:
        print(f"render_s {renders['EfficientNetB7'][0]:.2f}")


if __name__ == "__main__":
    main()
