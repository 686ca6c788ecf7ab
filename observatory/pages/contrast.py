"""Colours a badge can be read in: WCAG 2.2 contrast (1.4.3, AA: 4.5:1 for text of normal size).

The status and difficulty colours are chosen for charts; a badge writes its name on them, so its text
is dark or white, whichever reads, and where neither reaches 4.5:1 the badge's background is darkened
until white text does.
"""

from __future__ import annotations

from functools import cache

AA = 4.5
DARK, WHITE = "#212529", "#ffffff"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def ratio(first: str, second: str) -> float:
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@cache
def badge(background: str) -> tuple[str, str]:
    """(background, text colour) with a contrast of at least 4.5:1."""
    for text in (DARK, WHITE):
        if ratio(background, text) >= AA:
            return background, text
    r, g, b = (int(background.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    while ratio(f"#{r:02x}{g:02x}{b:02x}", WHITE) < AA:
        r, g, b = (int(v * 0.95) for v in (r, g, b))
    return f"#{r:02x}{g:02x}{b:02x}", WHITE
