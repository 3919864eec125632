"""Benchmark of the sensitive-word matcher: building and scanning with 1,000 to 50,000 words.

Run: `python bench/wordfilter.py` (add `--words 10000 --repeat 200` to change the work). Prints one
table row per list size: time to build the Aho-Corasick automaton from the words, and the median
time to screen comments of 100, 1,000 and 5,000 characters (folding included: NFKC, casefold,
Traditional -> Simplified, fillers dropped, spans mapped back, masking). A naive per-word loop over
the folded text is timed for comparison at the same sizes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from commentsvc.text.wordfilter import WordMatcher, fold_text

# Common Chinese characters and some Latin letters: random words and texts with realistic scripts.
HANZI = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理世车"
LATIN = "abcdefghijklmnopqrstuvwxyz"
SIZES = (1_000, 10_000, 50_000)
TEXT_LENGTHS = (100, 1_000, 5_000)


def make_words(count: int, rng: random.Random) -> list[tuple[str, str]]:
    words: set[str] = set()
    while len(words) < count:
        if rng.random() < 0.8:
            words.add("".join(rng.choice(HANZI) for _ in range(rng.randint(2, 5))))
        else:
            words.add("".join(rng.choice(LATIN) for _ in range(rng.randint(4, 9))))
    actions = ("hold", "mask", "reject")
    return [(word, actions[index % 3]) for index, word in enumerate(sorted(words))]


def make_text(length: int, rng: random.Random) -> str:
    pieces = []
    while sum(map(len, pieces)) < length:
        roll = rng.random()
        if roll < 0.75:
            pieces.append(rng.choice(HANZI))
        elif roll < 0.9:
            pieces.append(" " + "".join(rng.choice(LATIN) for _ in range(rng.randint(2, 8))) + " ")
        else:
            pieces.append(rng.choice("，。！？、😀 *"))
    return "".join(pieces)[:length]


def median_ms(work: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def naive_scan(words: list[str], text: str) -> int:
    """What a list of `word in text` checks costs (it finds no spans and ignores boundaries)."""
    folded = fold_text(text).folded
    return sum(1 for word in words if word in folded)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="scans per cell; the median is shown")
    parser.add_argument("--words", type=int, nargs="*", default=list(SIZES), help="list sizes to measure")
    args = parser.parse_args()
    rng = random.Random(20261127)
    texts = {length: make_text(length, rng) for length in TEXT_LENGTHS}
    header = (
        f"{'words':>7} | {'build ms':>9} | "
        + " | ".join(f"screen {n:>5} ch ms" for n in TEXT_LENGTHS)
        + f" | {'naive 1000 ch ms':>16}"
    )
    print(header)
    print("-" * len(header))
    for size in args.words:
        words = make_words(size, rng)
        started = time.perf_counter()
        matcher = WordMatcher(words)
        build_ms = (time.perf_counter() - started) * 1000
        cells = [median_ms(lambda text=texts[n]: matcher.screen(text), args.repeat) for n in TEXT_LENGTHS]
        folded_words = [fold_text(word).folded for word, _ in words]
        naive = median_ms(lambda: naive_scan(folded_words, texts[1_000]), max(3, args.repeat // 10))
        print(
            f"{size:>7} | {build_ms:>9.1f} | " + " | ".join(f"{cell:>18.3f}" for cell in cells) + f" | {naive:>16.3f}"
        )


if __name__ == "__main__":
    main()
