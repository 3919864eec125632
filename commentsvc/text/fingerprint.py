"""Similarity fingerprints of comment text: nearly the same text gives nearly the same band keys.

The visible text is folded exactly as the sensitive-word matcher folds it (wordfilter.fold_text:
width, case, Traditional -> Simplified, punctuation, spaces and zero-width characters dropped), cut
into overlapping character shingles, and summarised by a MinHash (datasketch). The MinHash is cut
into bands; two texts share a band when all its values agree, which happens often for near copies
and almost never for different texts, so band keys can be looked up by index in the database. The
number of shared bands estimates how similar two texts are: one changed word leaves most bands equal.
"""

from __future__ import annotations

import functools
import struct
import zlib

from datasketch import MinHash

from .wordfilter import fold_text

SHINGLE = 3
PERMUTATIONS = 64
BANDS = 16
ROWS = PERMUTATIONS // BANDS
# A fixed seed: every server must draw the same permutations, or no band would ever match.
SEED = 18


@functools.cache
def _template() -> MinHash:
    return MinHash(num_perm=PERMUTATIONS, seed=SEED)


def folded_length(text: str) -> int:
    """The letters and digits a reader sees, the measure of "a short comment" (顶, 沙发, +1 count 1 or 2)."""
    return len(fold_text(text).folded)


def band_keys(text: str, min_chars: int) -> tuple[int, ...]:
    """BANDS keys (band number in the high bits) for a text with at least min_chars folded characters;
    none for a shorter one, which is never a flood."""
    folded = fold_text(text).folded
    if len(folded) < max(min_chars, SHINGLE):
        return ()
    shingles = {folded[index : index + SHINGLE].encode() for index in range(len(folded) - SHINGLE + 1)}
    template = _template()
    # crc32 spreads shingles well enough and costs a third of datasketch's default sha1 (bench/README.md).
    minhash = MinHash(
        num_perm=PERMUTATIONS, permutations=template.permutations, scheme=template.scheme, hashfunc=zlib.crc32
    )
    minhash.update_batch(list(shingles))
    values = [int(value) & 0xFFFFFFFF for value in minhash.hashvalues]
    return tuple(
        (band << 32) | zlib.crc32(struct.pack(f"<{ROWS}I", *values[band * ROWS : (band + 1) * ROWS]))
        for band in range(BANDS)
    )
