"""Similarity fingerprints of comment text: nearly the same text gives nearly the same band keys.

The visible text is folded exactly as the sensitive-word matcher folds it (wordfilter.fold_plain:
width, case, Traditional -> Simplified, punctuation, spaces and zero-width characters dropped) and
cut into overlapping character shingles. The sketch is a one-permutation MinHash: each shingle is
hashed once (crc32: as good as blake2b here and the cheapest, bench/README.md), the hash picks one of PERMUTATIONS bins and each bin keeps its smallest hash; a bin no
shingle fell into takes the next filled bin's minimum (rotation densification), so short texts have
a full sketch too. BANDS bands of ROWS bins each become one key. Two texts share a band when all its
minima agree, which happens often for near copies and almost never for different texts (J**ROWS for
texts of Jaccard similarity J), so keys are looked up by index in the database and the number of
shared bands says how alike two texts are. Written out rather than taken from datasketch: that
library pulls numpy and scipy into every worker (bench/README.md measures both).
"""

from __future__ import annotations

import struct
import zlib

from .wordfilter import fold_plain

SHINGLE = 3
ROWS = 3
BANDS = 12
PERMUTATIONS = ROWS * BANDS
# Bands shared with another text that make it a near copy: texts of similarity J share about
# BANDS * J**ROWS (one changed word in an 80-character comment: 8 of 12; comments that share a phrase
# and some words, J about 0.3: none or one). Three minima a band let such comments match (bench/README.md).
SHARED_BANDS = 4
_GOLDEN = 0x9E3779B9


def folded_length(text: str) -> int:
    """The letters and digits a reader sees, the measure of "a short comment" (顶, 沙发, +1 count 1 or 2)."""
    return len(fold_plain(text))


def band_keys(text: str, min_chars: int) -> tuple[int, ...]:
    """BANDS keys (band number in the high bits) for a text with at least min_chars folded characters;
    none for a shorter one, which is never a flood."""
    folded = fold_plain(text)
    if len(folded) < max(min_chars, SHINGLE):
        return ()
    encoded = folded.encode("utf-32-le")  # four bytes a character: a shingle is one slice
    minima = [_EMPTY] * PERMUTATIONS
    for start in range(0, len(encoded) - _WIDTH + 4, 4):
        hashed = zlib.crc32(encoded[start : start + _WIDTH])
        slot = hashed % PERMUTATIONS
        if hashed < minima[slot]:
            minima[slot] = hashed
    sketch = _SKETCH.pack(*_densified(minima))
    return tuple(prefix | zlib.crc32(sketch[rows]) for prefix, rows in _BANDS)


def _densified(minima: list[int]) -> list[int]:
    """Each empty bin borrows the minimum of the first filled bin on its own fixed probe order (optimal
    densification: neighbouring empty bins look in different places, so they do not all agree at once),
    so near copies, whose empty bins mostly agree, still agree there."""
    filled = list(minima)
    slot = -1
    for _ in range(minima.count(_EMPTY)):
        slot = minima.index(_EMPTY, slot + 1)
        borrowed = next(minima[probe] for probe in _PROBES[slot] if minima[probe] != _EMPTY)
        filled[slot] = (borrowed + (slot + 1) * _GOLDEN) & 0xFFFFFFFF
    return filled


_EMPTY = 1 << 32
_WIDTH = 4 * SHINGLE
# The order each bin looks at the others in when it is empty: fixed, so every server agrees.
_PROBES = tuple(
    tuple(sorted(set(range(PERMUTATIONS)) - {slot}, key=lambda other: zlib.crc32(bytes((slot, other)))))
    for slot in range(PERMUTATIONS)
)
_SKETCH = struct.Struct(f"<{PERMUTATIONS}I")
# Each band's number in the high bits of its key, and its bytes in the packed sketch.
_BANDS = tuple((band << 32, slice(4 * ROWS * band, 4 * ROWS * (band + 1))) for band in range(BANDS))
