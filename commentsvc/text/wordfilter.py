"""Finds sensitive words in comment text despite the usual evasions, and maps every hit back to the original text.

Both the word list and the text are folded the same way, one original character (with its combining
marks) at a time: NFKC (full-width -> half-width), casefold, Traditional -> Simplified (OpenCC), and
everything that is not a letter or a digit is dropped (spaces, punctuation, emoji, zero-width and other
format characters). Each folded character remembers which original characters it came from, so a
match in the folded text becomes an exact span of the original: the dashboard highlights that span and
masking replaces exactly those characters. One Aho-Corasick automaton (pyahocorasick) scans the folded
text once for all words, so the cost barely grows with the size of the list.

Latin words must start and end at a word boundary of the original text ("ass" is not found in "class"
or "was severe"), while Chinese words are found anywhere, also inside an unbroken run of Chinese text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick
import opencc

MASK_CHARACTER = "＊"
# Strongest first: one rejecting word rejects the comment whatever else matched.
ACTION_STRENGTH = {"reject": 3, "hold": 2, "mask": 1}

_converter: opencc.OpenCC | None = None


def _t2s() -> opencc.OpenCC:
    global _converter
    if _converter is None:
        _converter = opencc.OpenCC("t2s.json")
    return _converter


def _is_kept(char: str) -> bool:
    """Letters and digits carry meaning; everything else is filler an evader can insert."""
    return unicodedata.category(char)[0] in "LN"


@lru_cache(maxsize=65536)
def fold_cluster(cluster: str) -> str:
    """One original character (plus its combining marks) as the matcher sees it; may be empty."""
    text = unicodedata.normalize("NFKC", cluster).casefold()
    if any("\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or char >= "\U00020000" for char in text):
        text = _t2s().convert(text)
    # NFKC again: casefold and conversion can produce compatibility characters of their own.
    return "".join(char for char in unicodedata.normalize("NFKC", text) if _is_kept(char))


def _clusters(text: str) -> list[tuple[int, int]]:
    """(start, end) of each base character with the combining marks that follow it."""
    spans: list[tuple[int, int]] = []
    for index, char in enumerate(text):
        if spans and unicodedata.combining(char) and spans[-1][1] == index:
            spans[-1] = (spans[-1][0], index + 1)
        else:
            spans.append((index, index + 1))
    return spans


@dataclass(frozen=True)
class FoldedText:
    """The folded text and, per folded character, the original span it came from."""

    folded: str
    starts: list[int]
    ends: list[int]


def fold_text(text: str) -> FoldedText:
    folded: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for start, end in _clusters(text):
        piece = fold_cluster(text[start:end])
        for char in piece:
            folded.append(char)
            starts.append(start)
            ends.append(end)
    return FoldedText("".join(folded), starts, ends)


class _FoldedCharacters(dict[int, str]):
    """fold_cluster of single characters by code point, as str.translate looks them up: one C call for a
    whole text (bench/README.md). Filled as characters are met, up to fold_cluster's own cache size. A
    combining mark becomes _COMBINING_MARK, which no folded character is: it belongs to the character
    before it, so a text that has one is folded cluster by cluster instead."""

    def __missing__(self, code: int) -> str:
        folded = _COMBINING_MARK if unicodedata.combining(chr(code)) else fold_cluster(chr(code))
        if len(self) < _FOLDED_CACHE_SIZE:
            self[code] = folded
        return folded


_FOLDED_CACHE_SIZE = 65536
_FOLDED_CHARACTERS = _FoldedCharacters()
_COMBINING_MARK = "\x00"  # a control character: never kept by fold_cluster


def fold_plain(text: str) -> str:
    """The folded text alone, without the map back to the original (for fingerprints, not for masking)."""
    folded = text.translate(_FOLDED_CHARACTERS)
    if _COMBINING_MARK not in folded:  # every character is its own cluster
        return folded
    return "".join([fold_cluster(text[start:end]) for start, end in _clusters(text)])


def fold_word(word: str) -> str:
    """How a listed word is stored in the automaton; empty when it has no letters or digits."""
    return fold_text(word).folded


def _is_wordlike(char: str) -> bool:
    """Characters that continue a Latin word: letters and digits outside the CJK scripts."""
    if not char or not _is_kept(char):
        return False
    name_block = ord(char)
    return not (
        0x2E80 <= name_block <= 0x9FFF
        or 0xAC00 <= name_block <= 0xD7AF
        or 0xF900 <= name_block <= 0xFAFF
        or name_block >= 0x20000
    )


def _base_before(text: str, index: int) -> str:
    """The base character before index, stepping over combining marks ("é" is e + U+0301)."""
    index -= 1
    while index >= 0 and unicodedata.combining(text[index]):
        index -= 1
    return text[index] if index >= 0 else ""


@dataclass(frozen=True)
class Match:
    """A listed word found in a text: [start, end) indexes the original text."""

    word: str
    action: str
    start: int
    end: int


@dataclass(frozen=True)
class Verdict:
    """All matches in a text, the strongest action among them, and the text with mask words masked."""

    matches: tuple[Match, ...]
    action: str | None
    masked: str


class WordMatcher:
    """Built once per word list; scanning is one pass over the folded text."""

    def __init__(self, words: Iterable[tuple[str, str]]) -> None:
        self._automaton = ahocorasick.Automaton()
        self.size = 0
        for word, action in words:
            key = fold_word(word)
            if not key:
                continue
            existing = self._automaton.get(key, None)
            if existing is not None and ACTION_STRENGTH[existing[1]] >= ACTION_STRENGTH[action]:
                continue
            if existing is None:
                self.size += 1
            self._automaton.add_word(key, (word, action, len(key), _is_wordlike(key[0]), _is_wordlike(key[-1])))
        if self.size:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[Match]:
        """Every occurrence, leftmost first; overlapping hits are all reported."""
        if not self.size:
            return []
        folded = fold_text(text)
        matches: list[Match] = []
        for end_index, (word, action, length, latin_start, latin_end) in self._automaton.iter(folded.folded):
            first = end_index - length + 1
            start, end = folded.starts[first], folded.ends[end_index]
            if latin_start and _is_wordlike(_base_before(text, start)):
                continue
            if latin_end and end < len(text) and _is_wordlike(text[end]):
                continue
            matches.append(Match(word, action, start, end))
        matches.sort(key=lambda match: (match.start, -match.end))
        return matches

    def screen(self, text: str) -> Verdict:
        matches = self.find(text)
        action = max((match.action for match in matches), key=ACTION_STRENGTH.__getitem__, default=None)
        return Verdict(tuple(matches), action, mask_spans(text, [m for m in matches if m.action == "mask"]))


def _is_visible(char: str) -> bool:
    return unicodedata.category(char) not in {"Mn", "Me", "Cf"}


def merge_spans(matches: Iterable[Match]) -> list[tuple[int, int]]:
    """Overlapping or touching spans become one, so highlighting never nests."""
    return merge_ranges((match.start, match.end) for match in matches)


def merge_ranges(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def mask_spans(text: str, matches: Iterable[Match]) -> str:
    """Each visible original character of a matched span, fillers included, becomes one ＊; invisible ones
    (combining marks, zero-width and other format characters) go with it; the rest is untouched."""
    return mask_ranges(text, [(match.start, match.end) for match in matches])


def mask_ranges(text: str, ranges: Iterable[tuple[int, int]]) -> str:
    pieces: list[str] = []
    position = 0
    for start, end in merge_ranges(ranges):
        pieces.append(text[position:start])
        pieces.append(MASK_CHARACTER * sum(1 for char in text[start:end] if _is_visible(char)))
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def split_highlights(text: str, matches: Iterable[Match]) -> list[tuple[str, bool]]:
    """The text in pieces, each flagged whether it is a matched span, for the dashboard to mark up."""
    pieces: list[tuple[str, bool]] = []
    position = 0
    for start, end in merge_spans(matches):
        if start > position:
            pieces.append((text[position:start], False))
        pieces.append((text[start:end], True))
        position = end
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces


def parse_word_list(raw: str) -> list[str]:
    """One word per line; blank lines and lines starting with # are skipped, duplicates kept once."""
    seen: dict[str, None] = {}
    for line in raw.splitlines():
        word = unicodedata.normalize("NFC", line.strip().lstrip("\ufeff"))
        if word and not word.startswith("#"):
            seen.setdefault(word, None)
    return list(seen)
