"""kw.graph at every size, in JupyterLab + headless Chromium (the browser-test harness).

    python benchmarks/graph.py [--sizes 1000,10000,50000] [--apps ResNet50,EfficientNetB7]
                               [--no-netron]

One run prints, per graph:

- ``layers``: nodes drawn; ``source``: a real Keras Functional model (residual blocks
  Dense-LayerNormalization-Dense-Add, built in the kernel; 50k layers would take many minutes to
  build, so that size is synthetic graph data of the same shape fed to the same widget);
- ``first draw s``: from running the display cell to the first drawing on screen (goal <= 1 s at
  1k, <= 3 s at 10k, <= 10 s at 50k), as the harness sees it; ``in page s``: the same span
  timed inside the page (to the view's "drawn" phase), without the harness' round trips;
- ``view ms``: the part spent in the view (``data-kw-layout-ms``: layout + drawing);
- ``longest task ms``: the longest main-thread task while it appeared (PerformanceObserver
  "longtask"; goal: never > 200 ms);
- ``pan fps``: frames per second (requestAnimationFrame) during a 2 s scripted pan, one wheel
  event a frame (goal >= 30 at 10k); ``zoom fps`` likewise with Ctrl+wheel zoom;
- ``draw ms``: canvas mode, our drawing's share of a frame (moving average), the rest of a
  frame is the browser's; ``mode``: svg or canvas; ``data KB``: the graph data's JSON text as
  the widget sends it (columns, keras_widgets/_graph/_columns.py).

The first row, a 5-layer model, is an anchor: the fixed cost of running a cell and showing a
widget in JupyterLab on this machine (most of the 1k figure). The phases of each drawing
(``data-kw-phases``: ms since page start) are printed as each graph is measured.

Then the anchor, in the same run: Netron (the ``netron`` package, if installed) serving the same
10k model saved as ``.keras`` to the same Chromium, seconds until its graph is drawn; and the
ratio. Layout engines measured before choosing ours (node 20, residual chains, not packed):
dagre 3.1.3 (longest-path) 2.5 s at 1,000 nodes and "Maximum call stack size exceeded" from
5,000; elkjs 0.11 (layered) 8.0 s at 1,000 and the same error at 10,000. Ours (js/graph/big.js):
20 ms at 1,000, 180 ms at 10,000, 450 ms at 50,000 in node.
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
import nbformat

GOALS = {1_000: 1.0, 10_000: 3.0, 50_000: 10.0}
REAL_MAX = 10_000  # bigger residual models are synthetic data

RESIDUAL = """
def residual(n, width=64):
    x = inp = keras.Input((width,), name="x")
    count, b = 1, 0
    while count + 4 <= n:
        h = keras.layers.Dense(width, name=f"dense_{b}_a")(x)
        h = keras.layers.LayerNormalization(name=f"layer_norm_{b}")(h)
        h = keras.layers.Dense(width, name=f"dense_{b}_b")(h)
        x = keras.layers.Add(name=f"add_{b}")([x, h])
        count, b = count + 4, b + 1
    return keras.Model(inp, x, name=f"residual_{n}")
"""

LONG_TASKS = """() => {
    window.__kwLong = [];
    if (window.__kwObserver) return;
    window.__kwObserver = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__kwLong.push(e.duration);
    });
    window.__kwObserver.observe({ type: "longtask" });
}"""

MOVE = """async ([ms, zoom]) => {
    const vp = document.querySelector(".kw-graph-viewport");
    const r = vp.getBoundingClientRect();
    const times = [];
    let i = 0;
    await new Promise((done) => {
        const start = performance.now();
        const step = (t) => {
            times.push(t);
            const dy = zoom ? (i++ % 60 < 30 ? 20 : -20) : 30;
            vp.dispatchEvent(new WheelEvent("wheel", { deltaY: dy, ctrlKey: zoom, bubbles: true,
                cancelable: true, clientX: r.x + r.width / 2, clientY: r.y + r.height / 2 }));
            if (t - start < ms) requestAnimationFrame(step); else done();
        };
        requestAnimationFrame(step);
    });
    return (times.length - 1) / ((times.at(-1) - times[0]) / 1000);
}"""


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


def measure(nb, setup: str, timeout: float = 600) -> dict:
    """Run ``setup`` in the kernel (it defines ``g``), then time the display cell."""
    page = nb.page
    nb.kernel(setup, timeout=timeout)
    sent = nb.kernel("print(len(g.get_state('data')['data']))", timeout=timeout)
    page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.wait_for_selector(".kw-graph", state="detached")
    page.evaluate(LONG_TASKS)
    t0 = page.evaluate("performance.now()")
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_selector(".kw-graph[data-kw-layout-ms]", timeout=300_000)
    t1 = page.evaluate("performance.now()")
    page.wait_for_timeout(1500)  # tasks right after the first drawing count too
    graph = page.locator(".kw-graph").first
    out = {
        "layers": int(graph.get_attribute("data-kw-nodes")),
        "first_draw_s": (t1 - t0) / 1000,
        "view_ms": float(graph.get_attribute("data-kw-layout-ms")),
        "longest_task_ms": max(page.evaluate("window.__kwLong"), default=0.0),
        "mode": graph.get_attribute("data-kw-mode"),
        "phases": graph.get_attribute("data-kw-phases"),
        "data_kb": int(sent.strip() or 0) / 1000,
    }
    # The same drawing timed inside the page (its "drawn" phase, same clock as t0): without
    # the harness' own round trips to the browser, which first_draw_s includes.
    drawn = [p for p in out["phases"].split() if p.startswith("drawn@")]
    out["in_page_s"] = (float(drawn[-1].split("@")[1]) - t0) / 1000 if drawn else float("nan")
    page.evaluate(LONG_TASKS)
    out["pan_fps"] = page.evaluate(MOVE, [2000, False])
    out["zoom_fps"] = page.evaluate(MOVE, [2000, True])
    out["pan_longest_task_ms"] = max(page.evaluate("window.__kwLong"), default=0.0)
    draw_ms = page.locator(".kw-graph-viewport").first.get_attribute("data-kw-draw-ms")
    out["draw_ms"] = float(draw_ms) if draw_ms else float("nan")  # canvas: our part of a frame
    nb.wait_idle(120)
    return out


def netron_s(path: pathlib.Path, browser, layers: int) -> str:
    """Seconds for Netron to draw ``path`` in the same Chromium, or why not."""
    if shutil.which("netron") is None:
        return "not installed"
    port = harness._free_port()
    proc = subprocess.Popen(
        ["netron", str(path), "--port", str(port), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        harness._wait_for_port(port, proc)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        # Netron reports usage to an outside host: nothing leaves this machine.
        page.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(f"http://127.0.0.1:{port}/")
                else route.abort()
            ),
        )
        t0 = time.perf_counter()
        page.goto(f"http://127.0.0.1:{port}/", wait_until="domcontentloaded")
        # First start: Netron asks to accept its cookies before it opens the model. Netron
        # forbids window.eval, so only locators (Playwright's isolated world) are used here.
        accept = page.locator("#message-button", has_text="Accept")
        try:
            accept.click(timeout=5_000)
        except Exception:  # no consent asked (already accepted)
            pass
        # Each layer is an SVG group of class "node"; the page shows the graph ("default"
        # screen, splash gone) once it is laid out and drawn.
        page.locator("svg .node").nth(layers // 2).wait_for(state="attached", timeout=600_000)
        page.locator("body.default").wait_for(state="attached", timeout=600_000)
        seconds = time.perf_counter() - t0
        page.screenshot(path=str(ROOT / "artifacts" / f"netron_{layers}.png"))
        page.close()
        return f"{seconds:.2f}"
    except Exception as err:  # the anchor failing must not lose our figures
        return f"failed ({type(err).__name__})"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--apps", default="ResNet50,EfficientNetB7")
    parser.add_argument("--no-netron", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    apps = [a for a in args.apps.split(",") if a]
    rows: dict[str, dict] = {}
    saved = pathlib.Path(tempfile.mkdtemp(prefix="kw-bench-keras-")) / "residual_10000.keras"
    lab = Lab()
    try:
        nb = lab.open(["g"])
        nb.kernel(
            "import os; os.environ['TF_CPP_MIN_LOG_LEVEL']='3'\n"
            "import keras, keras_widgets as kw\n"
            "from keras_widgets._graph import GraphWidget\n"
            f"import sys; sys.path.insert(0, {str(ROOT / 'tests')!r})\n"
            "from _graph_synthetic import residual_graph_data\n" + RESIDUAL,
            timeout=300,
        )
        # The fixed cost of running a cell and showing a widget here, for reading the rest.
        row = measure(nb, "model = residual(5)\ng = kw.graph(model)")
        row["source"] = "Keras model"
        rows["anchor: 5 layers"] = row
        print(f"measured anchor: {row}", flush=True)
        for n in sizes:
            if n <= REAL_MAX:
                setup = f"model = residual({n})\ng = kw.graph(model)"
                source = "Keras model"
            else:
                setup = f"g = GraphWidget.from_data(residual_graph_data({n}))"
                source = "synthetic data"
            row = measure(nb, setup, timeout=1800)
            row["source"] = source
            if n == 10_000 and n <= REAL_MAX and not args.no_netron:
                nb.kernel(f"model.save({str(saved)!r})", timeout=600)
            rows[f"residual {n:,}"] = row
            print(f"measured residual {n:,}: {row}", flush=True)
        for name in apps:
            row = measure(
                nb, f"model = keras.applications.{name}(weights=None)\ng = kw.graph(model)"
            )
            row["source"] = "Keras model"
            rows[name] = row
            print(f"measured {name}: {row}", flush=True)
        netron = "skipped"
        if not args.no_netron:
            netron = (
                netron_s(saved, lab.browser, 10_000) if saved.exists() else "no 10k model saved"
            )
    finally:
        lab.close()
        shutil.rmtree(saved.parent, ignore_errors=True)

    print()
    print(
        f"{'graph':18} {'source':15} {'layers':>7} {'first draw s':>12} {'goal s':>6} "
        f"{'in page s':>9} {'view ms':>8} {'longest task ms':>15} {'pan fps':>7} {'zoom fps':>8} "
        f"{'draw ms':>7} {'mode':>6} {'data KB':>8}"
    )
    for name, r in rows.items():
        n = int(name.split()[-1].replace(",", "")) if name.startswith("residual") else None
        goal = f"{GOALS[n]:.0f}" if n in GOALS else "-"
        print(
            f"{name:18} {r['source']:15} {r['layers']:>7} {r['first_draw_s']:>12.2f} {goal:>6} "
            f"{r['in_page_s']:>9.2f} {r['view_ms']:>8.0f} {r['longest_task_ms']:>15.0f} "
            f"{r['pan_fps']:>7.1f} {r['zoom_fps']:>8.1f} {r['draw_ms']:>7.2f} {r['mode']:>6} "
            f"{r['data_kb']:>8.0f}"
        )
    print("goals: first draw as above; pan fps >= 30 at 10k; longest task <= 200 ms")
    anchor = rows["anchor: 5 layers"]["first_draw_s"]
    print(
        "first draw / anchor: "
        + ", ".join(f"{k} {r['first_draw_s'] / anchor:.1f}x" for k, r in rows.items())
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {os.cpu_count()} cores, load average {load:.1f} (other work slows every figure)"
    )
    ten = rows.get("residual 10,000")
    if ten:
        print(f"netron_10k_s {netron}")
        if not netron.startswith(("failed", "not", "skipped", "no ")):
            print(f"netron / kw.graph at 10k: {float(netron) / ten['first_draw_s']:.1f}x")


if __name__ == "__main__":
    main()
