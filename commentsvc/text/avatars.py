"""Generated identicon avatars: a symmetric 5x5 pattern drawn from the author's keyed hash."""

from __future__ import annotations

import re

_SEED = re.compile(r"^[0-9a-f]{32}$")


def is_avatar_seed(seed: str) -> bool:
    return bool(_SEED.match(seed))


def identicon_svg(seed: str) -> str:
    """Deterministic, self-hosted: readers' browsers never ask a third party for a picture."""
    bits = int(seed, 16)
    hue = bits % 360
    cells = []
    for row in range(5):
        for col in range(3):
            if bits >> (row * 3 + col + 9) & 1:
                for x in {col, 4 - col}:
                    cells.append(f'<rect x="{x}" y="{row}" width="1" height="1"/>')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="-0.5 -0.5 6 6" width="48" height="48">'
        f'<rect x="-0.5" y="-0.5" width="6" height="6" fill="hsl({hue},45%,92%)"/>'
        f'<g fill="hsl({hue},55%,45%)">{"".join(cells)}</g></svg>'
    )
