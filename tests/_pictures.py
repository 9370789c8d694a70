"""Read the static pictures (SVG in data-URI images, keras_widgets._display) of a page."""

from __future__ import annotations

from keras_widgets._display import svg_pictures

# JS predicate: some picture on the page contains `needle`.
SOME_PICTURE_HAS = """needle => [...document.querySelectorAll('img.kw-pic')]
    .some(i => atob(i.getAttribute('src').split(',')[1]).includes(needle))"""


def pictures(locator) -> list[str]:
    """The SVG drawings of the ``img.kw-pic`` images inside a Playwright locator."""
    tags = locator.locator("img.kw-pic").evaluate_all("els => els.map(e => e.outerHTML)")
    return [svg for tag in tags for svg in svg_pictures(tag)]


def svg_text(svg: str) -> str:
    """The text content of an SVG drawing (entities decoded)."""
    import xml.etree.ElementTree as ET

    return " ".join(ET.fromstring(svg).itertext())
