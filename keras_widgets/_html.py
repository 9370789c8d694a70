"""Small helpers for the static HTML we emit (summaries, fallbacks)."""

from __future__ import annotations

import html


def esc(value: object) -> str:
    """Escape any value for HTML text or attribute context (quotes included)."""
    return html.escape(str(value), quote=True)
