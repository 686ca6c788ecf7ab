"""How colours look to readers with a colour-vision deficiency, and how far apart two colours are.

Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of color vision deficiency",
matrices at severity 1.0 (dichromacy), applied to linear RGB; distances are CIE76 ΔE in CIELAB (D65). Used by the
tests to check that the map's classes stay apart for protanopes, deuteranopes and tritanopes.
"""

from __future__ import annotations

from observatory.pages.contrast import _channel

MACHADO = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}
VISIONS = ("normal", *MACHADO)


def _linear(colour: str) -> tuple[float, float, float]:
    return tuple(_channel(int(colour.lstrip("#")[i:i + 2], 16)) for i in (0, 2, 4))


def _hex(linear: tuple[float, float, float]) -> str:
    def encode(c: float) -> int:
        c = min(1.0, max(0.0, c))
        c = c * 12.92 if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055
        return round(c * 255)
    return "#" + "".join(f"{encode(c):02x}" for c in linear)


def simulate(colour: str, vision: str) -> str:
    """``colour`` as a reader with ``vision`` ("normal", "protanopia", "deuteranopia", "tritanopia") sees it."""
    if vision == "normal":
        return colour
    rgb = _linear(colour)
    return _hex(tuple(sum(m * c for m, c in zip(row, rgb)) for row in MACHADO[vision]))


def lab(colour: str) -> tuple[float, float, float]:
    r, g, b = _linear(colour)
    xyz = (0.4124 * r + 0.3576 * g + 0.1805 * b, 0.2126 * r + 0.7152 * g + 0.0722 * b,
           0.0193 * r + 0.1192 * g + 0.9505 * b)
    f = [v / w for v, w in zip(xyz, (0.95047, 1.0, 1.08883))]
    f = [v ** (1 / 3) if v > 216 / 24389 else (24389 / 27 * v + 16) / 116 for v in f]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def delta_e(first: str, second: str) -> float:
    """CIE76 colour difference (about 2.3: just noticeable; over 10: clearly different at a glance)."""
    return sum((a - b) ** 2 for a, b in zip(lab(first), lab(second))) ** 0.5


def closest_pair(colours: list[str]) -> tuple[float, str, str, str]:
    """The smallest ΔE between two of ``colours`` under any vision: (ΔE, vision, first, second)."""
    worst = (float("inf"), "", "", "")
    for vision in VISIONS:
        seen = [simulate(c, vision) for c in colours]
        for i in range(len(colours)):
            for j in range(i + 1, len(colours)):
                worst = min(worst, (delta_e(seen[i], seen[j]), vision, colours[i], colours[j]))
    return worst
