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
    """A tall SVG shown as columns side by side (each a window on one copy of the drawing,
    through ``<use>``), as many as fit ``page_width`` at ``min_scale``; consecutive columns
    overlap a little so a box cut at one column's foot shows whole atop the next."""
    width, height = _svg_size(svg)
    gap, overlap = 24.0, 60.0
    if not (width and height) or height < 3 * width or height < 1500:
        return svg
    n = int(min((page_width / min_scale) // (width + gap), height // 600))
    if n < 2:
        return svg
    step = (height - overlap) / n
    seg = step + overlap
    end = svg.find(">")
    head, body = svg[: end + 1], svg[end + 1 : svg.rindex("</svg>")]
    keep = re.sub(r'\s(?:xmlns(?::\w+)?|width|height|viewBox)="[^"]*"', "", head[4:-1])
    total = n * width + (n - 1) * gap
    columns = "".join(
        f'<svg x="{i * (width + gap):.0f}" y="0" width="{width:.0f}" height="{seg:.0f}" '
        f'viewBox="0 {i * step:.0f} {width:.0f} {seg:.0f}"><use href="#kw-fold"/></svg>'
        for i in range(n)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total:.0f}" height="{seg:.0f}" '
        f'viewBox="0 0 {total:.0f} {seg:.0f}">'
        f'<defs><g id="kw-fold"{keep}>{body}</g></defs>{columns}</svg>'
    )


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
) -> Any:
    """Display ``widget`` and, below it, its static copy; returns the copy's display handle
    (None without a copy). Works on ipywidgets 7 (Colab) and 8 alike."""
    from IPython.display import display

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
