"""Similarity fingerprints of comment text: nearly the same text gives nearly the same sketch.

The visible text is folded exactly as the sensitive-word matcher folds it (wordfilter.fold_plain:
width, case, Traditional -> Simplified, punctuation, spaces and zero-width characters dropped) and
cut into overlapping character shingles. The sketch is a one-permutation MinHash: each shingle is
hashed once (crc32: as good as blake2b here and the cheapest, bench/README.md), the hash picks one
of BINS bins and each bin keeps its smallest hash; a bin no shingle fell into takes the next filled
bin's minimum (densification), so short texts have a full sketch too. The share of bins two
sketches agree in estimates the two texts' Jaccard similarity.

Finding copies is two steps. The first BANDS bands of ROWS bins each become one key, looked up by
index in the database: a text shares a band with a near copy often (J**ROWS a band) and with a
different text almost never. Every text found that way is then compared bin by bin, and it is a
copy when at least SIMILAR_BINS of BINS bins agree. Four keys a comment and the comparison find
more near copies than twelve keys and a count of shared bands did, and fewer false ones
(bench/fingerprint.py). Written out rather than taken from datasketch: that library pulls numpy and
scipy into every worker (bench/README.md measures both).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from .wordfilter import fold_plain

SHINGLE = 3
BINS = 36
ROWS = 3
BANDS = 4
# Bins that agree in a near copy: an estimated Jaccard similarity of at least 0.61 (one changed word
# in a 30-character comment is about 0.7; comments that share a phrase and some words about 0.3).
SIMILAR_BINS = 22
_GOLDEN = 0x9E3779B9


def folded_length(text: str) -> int:
    """The letters and digits a reader sees, the measure of "a short comment" (顶, 沙发, +1 count 1 or 2)."""
    return len(fold_plain(text))


@dataclass(frozen=True)
class Sketch:
    """A text's band keys (band number in the high bits), looked up by index, and its packed bins,
    compared with each text the keys found."""

    keys: tuple[int, ...]
    bins: bytes


def sketch_of(text: str, min_chars: int) -> Sketch | None:
    """None for a text with fewer than min_chars folded characters, which is never a flood."""
    folded = fold_plain(text)
    if len(folded) < max(min_chars, SHINGLE):
        return None
    encoded = folded.encode("utf-32-le")  # four bytes a character: a shingle is one slice
    minima = [_EMPTY] * BINS
    for start in range(0, len(encoded) - _WIDTH + 4, 4):
        hashed = zlib.crc32(encoded[start : start + _WIDTH])
        slot = hashed % BINS
        if hashed < minima[slot]:
            minima[slot] = hashed
    bins = _SKETCH.pack(*_densified(minima))
    return Sketch(tuple(prefix | zlib.crc32(bins[rows]) for prefix, rows in _BANDS), bins)


def near_copies(bins: bytes, candidates: Iterable[tuple[int, bytes]]) -> list[int]:
    """The ids of the candidates whose packed sketch agrees with `bins` in at least SIMILAR_BINS bins."""
    own = int.from_bytes(bins, "little")
    return [
        candidate
        for candidate, other in candidates
        if BINS - _differing_bins(own ^ int.from_bytes(other, "little")) >= SIMILAR_BINS
    ]


def _differing_bins(xored: int) -> int:
    """How many of the 32-bit bins of two XORed sketches are not zero, all bins at once: a bin's low 31
    bits plus 0x7FFFFFFF carry into its top bit exactly when they are not all zero, and never into the
    next bin; ORed with the bin's own top bit, the top bits count the bins that differ."""
    return ((((xored & _LOW_BITS) + _LOW_BITS) | xored) & _TOP_BITS).bit_count()


def _densified(minima: list[int]) -> list[int]:
    """Each empty bin borrows the minimum of the first filled bin on its own fixed probe order (optimal
    densification: neighbouring empty bins look in different places, so they do not all agree at once),
    so near copies, whose empty bins mostly agree, still agree there."""
    filled = list(minima)
    slot = -1
    for _ in range(minima.count(_EMPTY)):
        slot = minima.index(_EMPTY, slot + 1)
        for probe in _PROBES[slot]:
            borrowed = minima[probe]
            if borrowed != _EMPTY:
                break
        filled[slot] = (borrowed + (slot + 1) * _GOLDEN) & 0xFFFFFFFF
    return filled


_EMPTY = 1 << 32
_WIDTH = 4 * SHINGLE
# The order each bin looks at the others in when it is empty: fixed, so every server agrees.
_PROBES = tuple(
    tuple(sorted(set(range(BINS)) - {slot}, key=lambda other: zlib.crc32(bytes((slot, other))))) for slot in range(BINS)
)
_SKETCH = struct.Struct(f"<{BINS}I")
_TOP_BITS = int.from_bytes(b"\x00\x00\x00\x80" * BINS, "little")
_LOW_BITS = int.from_bytes(b"\xff\xff\xff\x7f" * BINS, "little")
# Each band's number in the high bits of its key, and its bytes in the packed sketch.
_BANDS = tuple((band << 32, slice(4 * ROWS * band, 4 * ROWS * (band + 1))) for band in range(BANDS))
