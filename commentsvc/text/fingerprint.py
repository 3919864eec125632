"""Similarity fingerprints of comment text: nearly the same text gives nearly the same band keys.

The visible text is folded exactly as the sensitive-word matcher folds it (wordfilter.fold_plain:
width, case, Traditional -> Simplified, punctuation, spaces and zero-width characters dropped) and
cut into overlapping character shingles. A MinHash over PERMUTATIONS hash functions keeps each one's
minimum over the shingles; BANDS bands of ROWS minima each become one key. The PERMUTATIONS hashes of
a shingle are the 32-bit words of one SHAKE-128 digest of it, so the whole sketch runs in C loops.
Two texts share a band when all its minima agree, which happens often for near copies and almost never
for different texts (J**ROWS for texts of Jaccard similarity J), so keys are looked up by index in the
database and the number of shared bands says how alike two texts are. Written out rather than taken
from datasketch: that library pulls numpy and scipy into every worker (bench/README.md measures both).
"""

from __future__ import annotations

import hashlib
import struct
import zlib

from .wordfilter import fold_plain

SHINGLE = 3
ROWS = 3
BANDS = 12
PERMUTATIONS = ROWS * BANDS
# Bands shared with another text that make it a near copy: texts of similarity J share about
# BANDS * J**ROWS (one changed word in an 80-character comment: 8 of 12; comments that share a phrase
# and some words, J about 0.3: none or one). Two minima a band let such comments match (bench/README.md).
SHARED_BANDS = 4
_HASHES = struct.Struct(f"<{PERMUTATIONS}I")
_BAND = struct.Struct(f"<{ROWS}I")


def folded_length(text: str) -> int:
    """The letters and digits a reader sees, the measure of "a short comment" (顶, 沙发, +1 count 1 or 2)."""
    return len(fold_plain(text))


def band_keys(text: str, min_chars: int) -> tuple[int, ...]:
    """BANDS keys (band number in the high bits) for a text with at least min_chars folded characters;
    none for a shorter one, which is never a flood."""
    folded = fold_plain(text)
    if len(folded) < max(min_chars, SHINGLE):
        return ()
    shingles = {folded[index : index + SHINGLE] for index in range(len(folded) - SHINGLE + 1)}
    hashes = [_HASHES.unpack(hashlib.shake_128(shingle.encode()).digest(_HASHES.size)) for shingle in shingles]
    minima = list(map(min, zip(*hashes, strict=True)))
    return tuple(
        (band << 32) | zlib.crc32(_BAND.pack(*minima[band * ROWS : (band + 1) * ROWS])) for band in range(BANDS)
    )
