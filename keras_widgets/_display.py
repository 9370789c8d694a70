"""One home for "a live widget plus a static picture".

A widget output needs a kernel and a widget manager; a saved notebook, nbconvert HTML and
GitHub show its static copy instead. :func:`show` displays the widget, then the copy as a
separate output marked ``<div class="kw-static" data-kw-static="ID">`` (ID is the widget's
``_kw_static`` trait); where the widget's view renders, js/shared/static.js hides the copy.
It is a separate output because nbconvert renders widget outputs with a widget manager from
a CDN (blank offline), so a ``text/html`` inside the widget output would never be shown.

The widget-view JSON is the same (protocol 2.0) on ipywidgets 7 and 8, so it is built here,
once, for both. :class:`Shown` gives a public object (builder, LivePlot, graph, runs, diff...)
the display hooks of every host: IPython (``_ipython_display_``, ``_repr_mimebundle_``) and
marimo (``_display_``, and what ``mo.ui.anywidget(obj)`` reads from an anywidget).

Static pictures survive GitHub's sanitizer (no scripts, ``<style>`` or style attributes):
SVG drawings travel as ``<img src="data:image/svg+xml;base64,...">`` (:func:`svg_image`),
which keeps the SVG's own styling, and follow the theme (:data:`THEME_CSS`).
"""

from __future__ import annotations

import base64
import re
from typing import Any

from keras_widgets._env import in_voila
from keras_widgets._html import esc

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# Dark pictures for dark pages. Pictures are drawn light; inside the SVG, a dark
# `prefers-color-scheme` darkens them with an invert filter that keeps hues. In an <img>,
# Chromium and Firefox answer that query from the image's used `color-scheme`, which GitHub
# and VS Code set for their dark themes; JupyterLab and Notebook 7 mark their theme with
# data-jp-theme-light on <body>, so this rule passes it on. GitHub strips the rule (fine).
_DARK = "filter:invert(0.88) hue-rotate(180deg)"
THEME_CSS = (
    "<style>"
    'body[data-jp-theme-light="false"] img.kw-pic{color-scheme:dark}'
    'body[data-jp-theme-light="true"] img.kw-pic{color-scheme:light}'
    "</style>"
)
# On the root only (folded drawings nest <svg> columns). A root background is painted on the
# canvas, outside the filter: it gets the colour the filter makes of white.
SVG_DARK_CSS = (
    f"@media (prefers-color-scheme:dark){{:root{{{_DARK};background:#1f1f1f !important}}}}"
)


def widget_view(widget: Any, text: str) -> dict[str, Any]:
    """The display data of a widget output (ipywidgets 7 and 8 alike) with a text fallback."""
    return {
        WIDGET_VIEW: {"version_major": 2, "version_minor": 0, "model_id": widget.model_id},
        "text/plain": text,
    }


def static_html(owner: Any, html: str) -> str:
    """``html`` marked as the static copy of ``owner``'s widget (hidden where it renders)."""
    uid = esc(getattr(owner, "_kw_static", "") or "")
    return f'<div class="kw-static" data-kw-static="{uid}">{html}</div>'


def svg_image(svg: str, alt: str, *, max_height: int = 2400, page_width: int = 960) -> str:
    """An SVG drawing as an ``<img>`` with a data URI: sanitizers that strip ``<style>`` and
    style attributes (GitHub) leave the SVG's own styling alone.

    A drawing much taller than wide (a deep network's graph) is folded into side-by-side
    columns (:func:`fold_columns`); the image then gets ``width``/``height`` attributes that
    fit ``page_width`` and ``max_height``. A page that keeps styles shows it at its natural
    size in a scroll box (:func:`scroll_box`)."""
    svg = fold_columns(_with_dark_style(compact_svg(svg)), page_width=page_width)
    width, height = _svg_size(svg)
    size = ""
    if width and height:
        scale = min(1.0, page_width / width, max_height / height)
        size = f' width="{round(width * scale)}" height="{round(height * scale)}"'
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    # The style attribute restores the natural size where styles are kept (see scroll_box).
    natural = ' style="width:auto;height:auto;max-width:none"' if size else ""
    return (
        f'{THEME_CSS}<img class="kw-pic" src="data:image/svg+xml;base64,{data}" alt="{esc(alt)}"'
        f"{size}{natural}>"
    )


_TAG = re.compile(r"<[A-Za-z][^<>]*>")  # a start tag (text never holds "<")
_DATA_ATTR = re.compile(r'\sdata-(?:id|source|target)="[^"]*"')  # a view's node and edge ids
_TITLE = re.compile(r"<title>[^<]*</title>")


def compact_svg(svg: str) -> str:
    """``svg`` without what an image never shows: the tooltips (``<title>``) of its parts, the
    first (the drawing's own title) kept, and the node and edge ids of a live view's drawing
    (``data-status``, a diff's mark, stays). A live view's drawing of MobileNetV2 loses 30% of
    its size; what it draws is unchanged."""
    first = _TITLE.search(svg)
    if first is not None:
        head, rest = svg[: first.end()], svg[first.end() :]
        svg = head + _TITLE.sub("", rest)
    return _TAG.sub(lambda m: _DATA_ATTR.sub("", m.group(0)), svg)


def fold_columns(svg: str, *, page_width: int = 960, min_scale: float = 0.5) -> str:
    """A tall SVG shown as columns side by side, as many as fit ``page_width`` at
    ``min_scale``; consecutive columns overlap a little so a box cut at one column's foot shows
    whole atop the next.

    Each column holds only the elements that reach into its window (:func:`_slice_columns`):
    a browser lays out and paints every element of every column, so columns that each showed
    the whole drawing (one copy through ``<use>``) cost a page that many times the work (half
    a second for a 300-box graph in 5 columns)."""
    width, height = _svg_size(svg)
    gap, overlap = 24.0, 60.0
    if not (width and height) or height < 3 * width or height < 1500:
        return svg
    n = int(min((page_width / min_scale) // (width + gap), height // 600))
    if n < 2:
        return svg
    step = (height - overlap) / n
    seg = step + overlap
    total = n * width + (n - 1) * gap
    outer = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total:.0f}" height="{seg:.0f}" '
        f'viewBox="0 0 {total:.0f} {seg:.0f}">'
    )
    frames = [
        f'<svg x="{i * (width + gap):.0f}" y="0" width="{width:.0f}" height="{seg:.0f}" '
        f'viewBox="0 {i * step:.0f} {width:.0f} {seg:.0f}">'
        for i in range(n)
    ]
    sliced = _slice_columns(svg, [(i * step, i * step + seg) for i in range(n)])
    if sliced is not None:
        shared, columns = sliced
        body = "".join(
            f"{frame}{column}</svg>" for frame, column in zip(frames, columns, strict=True)
        )
        return f"{outer}{shared}{body}</svg>"
    # Not XML we can read (never our own drawings): one copy, each column a window on it.
    end = svg.find(">")
    head, body = svg[: end + 1], svg[end + 1 : svg.rindex("</svg>")]
    keep = re.sub(r'\s(?:xmlns(?::\w+)?|width|height|viewBox)="[^"]*"', "", head[4:-1])
    columns = "".join(f'{frame}<use href="#kw-fold"/></svg>' for frame in frames)
    return f'{outer}<defs><g id="kw-fold"{keep}>{body}</g></defs>{columns}</svg>'


_SVG_NS = "{http://www.w3.org/2000/svg}"
_SHARED_TAGS = {"defs", "style", "title", "desc", "metadata"}
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_TRANSLATE = re.compile(r"translate\(\s*(-?[\d.eE+-]+)(?:[\s,]+(-?[\d.eE+-]+))?\s*\)")


_PATH_COMMAND = re.compile(r"([MLHVCSQTZmlhvcsqtzAa])([^MLHVCSQTZmlhvcsqtzAa]*)")


def _path_ys(d: str) -> list[float] | None:
    """The y coordinates of a path of absolute commands (M L C S Q T: x,y pairs; V: ys; H:
    xs only); None for relative or arc commands, whose extent this does not work out."""
    ys: list[float] = []
    for command, args in _PATH_COMMAND.findall(d):
        values = [float(v) for v in _NUMBER.findall(args)]
        if command in "MLCSQT":
            ys.extend(values[1::2])
        elif command == "V":
            ys.extend(values)
        elif command not in "HZ":
            return None
    return ys


def _slice_columns(svg: str, windows: list[tuple[float, float]]) -> tuple[str, list[str]] | None:
    """``svg``'s shared parts (defs, styles, title) and, per vertical window, the markup of
    the elements that reach into it; None when ``svg`` is not SVG markup we can read.

    Groups without a transform are containers (kept in every column, pruned); every other
    element is placed by its vertical extent (a translate, y/height attributes, the points of
    a path); one whose extent is unknown goes in every column."""
    import xml.etree.ElementTree as ET
    from xml.sax.saxutils import escape

    try:
        root = ET.fromstring(svg)
    except ET.ParseError:
        return None
    if root.tag != f"{_SVG_NS}svg" or any(
        not isinstance(el.tag, str)
        or not el.tag.startswith(_SVG_NS)
        or any("}" in k for k in el.attrib)  # xlink:href and the like: not ours
        for el in root.iter()
    ):
        return None
    extents: dict[int, tuple[float, float] | None] = {}

    def local(el: ET.Element) -> str:
        return el.tag.removeprefix(_SVG_NS)

    def extent(el: ET.Element, dy: float = 0.0) -> tuple[float, float] | None:
        m = _TRANSLATE.search(el.get("transform", ""))
        if m:
            dy += float(m.group(2) or 0)
        ys: list[float] = []
        y = el.get("y")
        if y is not None and not y.endswith("%"):
            ys.append(dy + float(y))
        h = el.get("height")
        if h is not None:
            if h.endswith("%"):
                return None  # a background: everywhere
            ys.append(dy + float(y if y and not y.endswith("%") else 0) + float(h))
        for attr in ("y1", "y2"):
            if el.get(attr) is not None:
                ys.append(dy + float(el.get(attr)))
        d = el.get("d")
        if d is not None:
            path_ys = _path_ys(d)
            if path_ys is None:
                return None  # relative or arc commands: everywhere
            ys.extend(dy + v for v in path_ys)
        for child in el:
            if local(child) in _SHARED_TAGS:
                continue
            sub = extent(child, dy)
            if sub is None and len(child):
                return None
            if sub is not None:
                ys.extend(sub)
        return (min(ys), max(ys)) if ys else None

    def placed(el: ET.Element) -> tuple[float, float] | None:
        key = id(el)
        if key not in extents:
            try:
                extents[key] = extent(el)
            except ValueError:  # an attribute that is not a number: everywhere
                extents[key] = None
        return extents[key]

    def prune(el: ET.Element, lo: float, hi: float) -> ET.Element:
        copy = ET.Element(el.tag, el.attrib)
        copy.text = el.text
        for child in el:
            if local(child) == "g" and "transform" not in child.attrib:
                copy.append(prune(child, lo, hi))
                continue
            span = placed(child)
            if span is None or (span[1] >= lo and span[0] <= hi):
                copy.append(child)
        return copy

    def text(el: ET.Element, out: list[str]) -> list[str]:
        # Our own writer: ElementTree's cannot write a default namespace with plain attributes.
        attrs = "".join(f' {k}="{escape(v, {chr(34): "&quot;"})}"' for k, v in el.attrib.items())
        out.append(f"<{local(el)}{attrs}>{escape(el.text or '')}")
        for child in el:
            text(child, out)
        out.append(f"</{local(el)}>{escape(el.tail or '')}")
        return out

    shared: list[ET.Element] = []
    body = ET.Element(
        f"{_SVG_NS}g",
        {k: v for k, v in root.attrib.items() if k not in ("width", "height", "viewBox")},
    )
    for child in root:
        (shared.append if local(child) in _SHARED_TAGS else body.append)(child)
    columns = ["".join(text(prune(body, lo, hi), [])) for lo, hi in windows]
    return "".join("".join(text(el, [])) for el in shared), columns


def scroll_box(inner: str, *, max_height: int = 720) -> str:
    """A scrolling frame for a picture where styles apply; a plain block without them."""
    return f'<div style="max-width:100%;max-height:{max_height}px;overflow:auto">{inner}</div>'


def _with_dark_style(svg: str) -> str:
    end = svg.find(">")
    if not svg.startswith("<svg") or end < 0 or SVG_DARK_CSS in svg:
        return svg
    return f"{svg[: end + 1]}<style>{SVG_DARK_CSS}</style>{svg[end + 1 :]}"


def _svg_size(svg: str) -> tuple[float, float]:
    head = svg[: svg.find(">") + 1]
    sizes = []
    for attr in ("width", "height"):
        m = re.search(rf'\s{attr}="([\d.]+)(px)?"', head)
        sizes.append(float(m.group(1)) if m else 0.0)
    if not all(sizes):
        m = re.search(r'viewBox="[\d.\-]+[ ,]+[\d.\-]+[ ,]+([\d.]+)[ ,]+([\d.]+)"', head)
        if m:
            sizes = [float(m.group(1)), float(m.group(2))]
    return sizes[0], sizes[1]


def static_bundle(owner: Any, html: str, text: str) -> dict[str, str]:
    """Display data of a static copy of ``owner``'s widget."""
    return {"text/html": static_html(owner, html), "text/plain": text}


def mimebundle(widget: Any, text: str, static: dict[str, str] | None = None) -> dict[str, Any]:
    """Widget view, its static picture as ``text/html`` and ``text/plain`` in one bundle (for
    hosts that ask ``_repr_mimebundle_``: a widget manager shows the widget, others the rest)."""
    data = widget_view(widget, text)
    if static is not None:
        data["text/html"] = static["text/html"]
    return data


def show_static(static: dict[str, str], *, display_id: str | bool = True) -> Any:
    """Display a static copy; returns its display handle (``handle.update(bundle, raw=True)``)."""
    from IPython.display import display

    return display(static, raw=True, display_id=display_id)


def show(
    widget: Any,
    text: str,
    static: dict[str, str] | None = None,
    *,
    display_id: str | None = None,
    static_id: str | bool = True,
    early: bool = False,
) -> Any:
    """Display ``widget`` and, below it, its static copy; returns the copy's display handle
    (None without a copy). Works on ipywidgets 7 (Colab) and 8 alike.

    ``early``: the widget answers its front end while the cell that shows it keeps running
    (LivePlot polls during ``fit``), so under Voila it is drawn before the cell ends
    (:func:`mark_early`)."""
    from IPython.display import display

    if early:
        mark_early(widget)
    if display_id is None:
        display(widget_view(widget, text), raw=True)
    else:
        display(widget_view(widget, text), raw=True, display_id=display_id)
    handled = getattr(widget, "_handle_displayed", None)
    if callable(handled):
        handled()  # ipywidgets' on_displayed callbacks, as its own display would run them
    if static is None:
        return None
    return show_static(static, display_id=static_id)


def mark_early(widget: Any) -> None:
    """Under Voila, tell the page that ``widget`` is being shown by the running cell.

    Voila (0.5) sends a cell's outputs to the page only when the cell ends
    (voila/tornado/execution_request_handler.py awaits ``execute_cell`` before
    ``write_message``), but widget models and their messages reach the page at once over the
    kernel connection. Counting the shows in the synced trait ``_kw_cell_shows`` lets
    js/shared/voila.js draw a view in the running cell's placeholder at once; the real view,
    when the output arrives, adopts it (no second view). Set before the display, so the page
    hears of it before the output can arrive. Nothing changes outside Voila."""
    if not in_voila() or not getattr(widget, "has_trait", lambda _n: False)("_kw_cell_shows"):
        return
    widget._kw_cell_shows += 1


class Shown:
    """Display hooks of a public object that owns a widget (``self.widget``).

    Subclasses give ``widget`` (created on first use), and may override
    :meth:`_display_text` and :meth:`_static_bundle` (None: no static copy).
    """

    widget: Any

    def _display_text(self) -> str:
        return repr(self)

    def _static_bundle(self) -> dict[str, str] | None:
        return None

    def _ipython_display_(self) -> None:
        show(self.widget, self._display_text(), self._static_bundle())

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return mimebundle(self.widget, self._display_text(), self._static_bundle())

    # -- marimo ----------------------------------------------------------------------------
    def _display_(self) -> Any:
        # marimo's display protocol: it renders the returned anywidget.
        return self.widget

    # mo.ui.anywidget(obj) reads these from an anywidget; ours are the widget's.
    @property
    def comm(self) -> Any:
        return self.widget.comm

    @property
    def _model_id(self) -> Any:
        return self.widget.model_id

    def get_state(self, key: Any = None, drop_defaults: bool = False) -> dict[str, Any]:
        """The widget's synced state (what ``mo.ui.anywidget(obj).value`` reports)."""
        return self.widget.get_state(key=key, drop_defaults=drop_defaults)

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """Apply front-end state to the widget (marimo calls it on UI changes)."""
        self.widget.set_state(sync_data)

    def _handle_msg(self, msg: Any) -> None:
        self.widget._handle_msg(msg)


def picture_html(svg: str, caption: str, *, max_height: int = 720) -> str:
    """A captioned SVG picture: readable with styles (scroll box, natural size) and without
    them (an image scaled to at most ``max_height`` pixels tall, caption as its own line)."""
    return (
        f'<div style="font-size:12px;opacity:.8;margin:2px 0 4px">{esc(caption)}</div>'
        + scroll_box(svg_image(svg, caption, max_height=max_height), max_height=max_height)
    )


_DATA_SVG = re.compile(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')


def svg_pictures(html: str) -> list[str]:
    """The SVG drawings inside ``html``'s data-URI images (for checks and tests)."""
    return [base64.b64decode(m).decode("utf-8") for m in _DATA_SVG.findall(html)]
