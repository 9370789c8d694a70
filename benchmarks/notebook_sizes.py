"""Sizes of the tutorials once executed: the .ipynb (with saved widget state) and its HTML.

    python benchmarks/notebook_sizes.py [--keep DIR] [notebooks/01_quickstart.ipynb ...]

Runs ``jupyter nbconvert --to notebook --execute`` then ``jupyter nbconvert --to html`` on
each tutorial (all of notebooks/ by default) and prints, per notebook, the .ipynb and HTML
sizes, the number of saved widget models and the largest saved state of one widget, then the
largest outputs of the largest notebook (``--keep DIR`` keeps the executed files). The
anchor, measured in the same run, is the size of Plotly.js (the largest library a widget
uses), which each LivePlot used to carry in its saved state. Goals: every executed tutorial
< 600 KB (.ipynb and HTML), every widget's saved state < 50 KB. Last line:
``max_ipynb_kb <n> max_html_kb <n> max_widget_state_kb <n> plotly_kb <n>``.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def widget_states(nb: dict) -> dict[str, int]:
    """model id -> bytes of its saved state (JSON), for every widget the notebook saved."""
    saved = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {})
    return {
        mid: len(json.dumps(model.get("state", {}), separators=(",", ":")).encode())
        for mid, model in saved.get("state", {}).items()
    }


def measure(path: pathlib.Path, out: pathlib.Path) -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    executed = out / path.name
    subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=600", f"--output-dir={out}", str(path)],
        check=True, capture_output=True, env=env, cwd=out,
    )  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", str(executed)],
        check=True, capture_output=True, env=env, cwd=out,
    )  # fmt: skip
    states = widget_states(json.loads(executed.read_text(encoding="utf-8")))
    return {
        "ipynb": executed.stat().st_size,
        "html": executed.with_suffix(".html").stat().st_size,
        "widgets": len(states),
        "largest_state": max(states.values(), default=0),
    }


def largest_outputs(nb: dict, n: int = 5) -> list[tuple[int, int, str]]:
    """The ``n`` largest outputs: (bytes, cell index, mime type) of each output's biggest part."""
    found = []
    for i, cell in enumerate(nb.get("cells", [])):
        for out in cell.get("outputs", []):
            for mime, value in out.get("data", {}).items():
                text = value if isinstance(value, str) else json.dumps(value)
                found.append((len(text.encode()), i, mime))
    return sorted(found, reverse=True)[:n]


def main(argv: list[str]) -> None:
    keep = None
    if argv[:1] == ["--keep"]:
        keep, argv = pathlib.Path(argv[1]), argv[2:]
        keep.mkdir(parents=True, exist_ok=True)
    paths = [pathlib.Path(p) for p in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    plotly = (ROOT / "keras_widgets" / "static" / "plotly.js").stat().st_size
    rows = []
    with tempfile.TemporaryDirectory(prefix="kw-sizes-") as tmp:
        out = keep or pathlib.Path(tmp)
        for path in paths:
            r = measure(path.resolve(), out)
            r["name"] = path.name
            r["outputs"] = largest_outputs(json.loads((out / path.name).read_text("utf-8")))
            rows.append(r)
            print(
                f"{path.name:42s} ipynb {r['ipynb'] / 1e3:8.1f} KB  html {r['html'] / 1e3:8.1f} KB"
                f"  widgets {r['widgets']:3d}  largest widget state {r['largest_state'] / 1e3:6.1f} KB",
                flush=True,
            )
    big = max(rows, key=lambda r: r["html"])
    print(f"largest outputs of {big['name']}:")
    for size, cell, mime in big["outputs"]:
        print(f"  cell {cell:3d}  {mime:45s} {size / 1e3:8.1f} KB")
    print(
        f"max_ipynb_kb {max(r['ipynb'] for r in rows) / 1e3:.0f} "
        f"max_html_kb {max(r['html'] for r in rows) / 1e3:.0f} "
        f"max_widget_state_kb {max(r['largest_state'] for r in rows) / 1e3:.1f} "
        f"plotly_kb {plotly / 1e3:.0f}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
