"""js/shared/voila.js in Chromium, on pages shaped like Voila's (no server): where an early
view goes, how the real view adopts it, and that every other case leaves the page alone.

The end-to-end proof (a real Voila server, a LivePlot streaming in its fit cell) is
tests/browser/test_hosts.py::test_voila_streams_a_liveplot_created_in_the_fit_cell.
"""

from __future__ import annotations

import json
import pathlib

import pytest

SOURCE = (pathlib.Path(__file__).parents[2] / "js" / "shared" / "voila.js").read_text()

# What Voila 0.5.13 renders with progressive rendering (templates/lab/index.html.j2, and the
# skeletons its front end adds to every cell until the cell's outputs arrive).
CELL = (
    '<div cell-index="{i}"><script></script>'
    '<div class="jp-Cell jp-CodeCell{empty}" id="cell-id={i}"></div>{skeleton}</div>'
)
SKELETON = '<div class="voila-skeleton-container"></div>'

# A fake widget model, a draw() that marks its element (or fails), and Voila's own step of
# putting a cell's outputs in the page (remove the skeleton, append an output area).
HARNESS = """
window.kw = { watchEarlyShows, countView, adoptEarly };
window.makeModel = (uid) => {
  const state = { _kw_static: uid, _kw_cell_shows: 0 }, handlers = {};
  return {
    get: (k) => state[k],
    on: (ev, cb) => { (handlers[ev] ||= []).push(cb); },
    off: (ev, cb) => { handlers[ev] = (handlers[ev] || []).filter((h) => h !== cb); },
    show() { state._kw_cell_shows += 1; (handlers["change:_kw_cell_shows"] || []).forEach((h) => h()); },
  };
};
window.draws = [];
window.drawer = (ok) => async (el) => {
  await new Promise((r) => setTimeout(r, 20));
  if (!ok) return null;
  const view = document.createElement("div");
  view.className = "view";
  el.append(view);
  window.draws.push(view);
  return () => view.remove();
};
window.cellEnds = (i) => {
  const cell = document.querySelector(`[cell-index="${i}"]`);
  cell.querySelector(".voila-skeleton-container").remove();
  const area = document.createElement("div");
  area.className = "jp-Cell-outputArea";
  cell.lastElementChild.append(area);
  cell.lastElementChild.classList.remove("jp-mod-noOutputs", "jp-mod-noInput");
  return area;
};
"""


@pytest.fixture
def page(browser):
    page = browser.new_page()
    yield page
    page.close()


def load(page, *, voila=True, progressive=True, running=(1, 2, 3)):
    cells = "".join(
        CELL.format(
            i=i,
            skeleton=SKELETON if i in running else "",
            # Voila hides a cell with no input and no outputs yet (strip_sources, the default)
            empty=" jp-mod-noOutputs jp-mod-noInput" if i in running else "",
        )
        for i in (1, 2, 3)
    )
    config = json.dumps({"progressiveRendering": progressive})
    body = ' data-voila="voila"' if voila else ""
    page.set_content(
        f"<html><body{body}><script id='jupyter-config-data' type='application/json'>"
        f"{config}</script><div id='rendered_cells'>{cells}</div></body></html>"
    )
    module = SOURCE.replace("export function", "function").replace(
        "export async function", "async function"
    )
    page.add_script_tag(content=module + HARNESS, type="module")
    page.wait_for_function("() => !!window.kw")


def state(page):
    return page.evaluate(
        """() => ({
          early: [...document.querySelectorAll('.kw-early')].map(
            (b) => b.closest('[cell-index]').getAttribute('cell-index')),
          views: [...document.querySelectorAll('.view')].map(
            (v) => v.closest('[cell-index]').getAttribute('cell-index')),
          adopted: document.querySelectorAll('.jp-Cell-outputArea .view').length,
          hidden: [...document.querySelectorAll('.jp-Cell.jp-mod-noOutputs')].map(
            (c) => c.parentElement.getAttribute('cell-index')),
        })"""
    )


def test_an_early_view_is_drawn_in_the_running_cell_and_adopted_by_the_real_one(page):
    load(page, running=(2, 3))  # cell 1 has its outputs; cell 2 runs
    page.evaluate(
        "() => { window.m = makeModel('a1b2c3d4e5'); kw.watchEarlyShows(m, drawer(true)); m.show(); }"
    )
    page.wait_for_function("() => draws.length === 1")
    assert state(page) == {"early": ["2"], "views": ["2"], "adopted": 0, "hidden": ["3"]}
    # The cell ends: Voila adds its output area, the widget output's view adopts the early one.
    same = page.evaluate(
        """async () => {
          const target = cellEnds(2), el = document.createElement('div');
          target.append(el);
          const release = kw.countView(m);
          const cleanup = await kw.adoptEarly(m, el);
          return typeof cleanup === 'function' && el.querySelector('.view') === draws[0];
        }"""
    )
    assert same
    assert state(page) == {"early": [], "views": ["2"], "adopted": 1, "hidden": ["3"]}


def test_a_view_already_on_the_page_means_no_early_view(page):
    # Also the end-of-cell race: the real output rendered before the show was heard.
    load(page)
    page.evaluate(
        "() => { window.m = makeModel('a1b2c3d4e5'); kw.countView(m);"
        " kw.watchEarlyShows(m, drawer(true)); m.show(); }"
    )
    page.wait_for_timeout(200)
    assert state(page)["early"] == []
    assert page.evaluate("() => draws.length") == 0


def test_a_view_that_fails_leaves_the_cell_as_voila_made_it(page):
    load(page)
    page.evaluate(
        "() => { window.m = makeModel('a1b2c3d4e5'); kw.watchEarlyShows(m, drawer(false)); m.show(); }"
    )
    page.wait_for_function("() => !document.querySelector('.kw-early')")
    assert state(page) == {"early": [], "views": [], "adopted": 0, "hidden": ["1", "2", "3"]}
    # The real output then draws as usual: nothing to adopt.
    assert (
        page.evaluate("async () => await kw.adoptEarly(m, document.createElement('div'))") is None
    )


@pytest.mark.parametrize(
    "where",
    [
        {"voila": False},  # JupyterLab, Notebook 7, marimo, nbconvert HTML...
        {"progressive": False},  # Voila's default: the page comes after every cell ran
        {"running": ()},  # every cell has its outputs
    ],
)
def test_nothing_happens_elsewhere(page, where):
    load(page, **where)
    page.evaluate(
        "() => { window.m = makeModel('a1b2c3d4e5'); kw.watchEarlyShows(m, drawer(true)); m.show(); }"
    )
    page.wait_for_timeout(200)
    assert state(page)["early"] == []
    assert page.evaluate("() => draws.length") == 0


def test_each_show_is_handled_once_even_if_the_model_is_initialized_again(page):
    load(page)
    page.evaluate(
        """() => { window.m = makeModel('a1b2c3d4e5');
          const stop = kw.watchEarlyShows(m, drawer(true)); m.show(); stop();
          kw.watchEarlyShows(m, drawer(true)); }"""
    )
    page.wait_for_timeout(200)
    assert state(page)["early"] == ["1"]
    assert page.evaluate("() => draws.length") == 1


def test_a_show_heard_after_its_cell_ended_still_gives_one_view(page):
    # The show travels on the kernel connection, the outputs on Voila's own websocket: if the
    # outputs win, the early view lands in the next cell, and the real view takes it back.
    load(page)
    page.evaluate(
        """() => { window.area = cellEnds(1); window.m = makeModel('a1b2c3d4e5');
          kw.watchEarlyShows(m, drawer(true)); m.show(); }"""
    )
    page.wait_for_function("() => draws.length === 1")
    assert state(page)["early"] == ["2"]
    page.evaluate(
        """async () => { const el = document.createElement('div'); area.append(el);
          kw.countView(m); await kw.adoptEarly(m, el); }"""
    )
    assert state(page) == {"early": [], "views": ["1"], "adopted": 1, "hidden": ["2", "3"]}
