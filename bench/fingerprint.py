"""How well the flood fingerprint tells near copies from different comments, and what it costs
(`python bench/fingerprint.py`, see bench/README.md "Flood and surge checks").

For comments made of random two-character Chinese words it prints, by length, how often one changed
word still makes a copy (a band key shared and at least SIMILAR_BINS of BINS bins equal), how often
two different comments that share two words do (a false copy), and, for pairs of one edited
advertising text, the share found against what the sketch promises for their real Jaccard similarity
(a band equal with J**ROWS, each bin with J, all independent).
"""

from __future__ import annotations

import argparse
import functools
import itertools
import math
import random
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from commentsvc.text.fingerprint import BANDS, BINS, ROWS, SHINGLE, SIMILAR_BINS, near_copies, sketch_of
from commentsvc.text.wordfilter import fold_plain

VOCABULARY = tuple(
    "政府市民记者调查报道问题经济发展教育医疗交通环境房价工资城市农村社会文化历史政策"
    "法律安全健康科技网络企业市场价格消费就业学校学生老师家长医院医生病人天气空气水质"[start : start + 2]
    for start in range(0, 80, 2)
)
AD = "加微信领取优惠券 每天在家轻松赚钱 名额有限先到先得 点击链接马上报名"
MIN_CHARS = 12


def found(first: str, second: str) -> bool:
    one, other = sketch_of(first, MIN_CHARS), sketch_of(second, MIN_CHARS)
    if one is None or other is None:
        return False
    shares_a_key = any(a == b for a, b in zip(one.keys, other.keys, strict=True))
    return shares_a_key and bool(near_copies(one.bins, [(0, other.bins)]))


def shingles(text: str) -> set[str]:
    folded = fold_plain(text)
    return {folded[index : index + SHINGLE] for index in range(len(folded) - SHINGLE + 1)}


def promised(jaccard: float) -> float:
    """P(a band of ROWS bins equal, and at least SIMILAR_BINS of BINS bins equal), bins independent:
    the band's bins are among the equal ones, so both are counted over the same bins."""
    rest = BINS - BANDS * ROWS
    total = 0.0
    for equal_in_bands in range(BANDS * ROWS + 1):
        # How the banded bins that agree fall into bands decides whether a band is all equal.
        p_banded = math.comb(BANDS * ROWS, equal_in_bands) * jaccard**equal_in_bands
        p_banded *= (1 - jaccard) ** (BANDS * ROWS - equal_in_bands)
        p_band = _any_band_full(equal_in_bands)
        p_rest = sum(
            math.comb(rest, k) * jaccard**k * (1 - jaccard) ** (rest - k)
            for k in range(max(0, SIMILAR_BINS - equal_in_bands), rest + 1)
        )
        total += p_banded * p_band * p_rest
    return total


@functools.cache
def _any_band_full(equal: int) -> float:
    """Of all ways `equal` agreeing bins lie among BANDS bands of ROWS, the share with a band all agreeing."""
    ways = list(itertools.combinations(range(BANDS * ROWS), equal))
    full = sum(any(all(b * ROWS + r in chosen for r in range(ROWS)) for b in range(BANDS)) for chosen in map(set, ways))
    return full / len(ways)


def edited_ad(rng: random.Random) -> str:
    words = AD.split()
    words[rng.randrange(len(words))] = rng.choice(("今天报名", "限时免费", "真的有效"))
    return f"{rng.choice(('朋友们', '大家好', '注意'))}{''.join(words)} 电话1380013{rng.randrange(100):02d}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=500, help="pairs per length (default 500)")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    print("| words (chars) | one changed word found | two shared words found (false copy) |")
    print("|---|---:|---:|")
    for count in (6, 10, 16, 30):
        copies = strangers = 0
        for _ in range(args.pairs):
            words = rng.sample(VOCABULARY, count)
            edited = list(words)
            edited[rng.randrange(count)] = rng.choice(VOCABULARY)
            copies += found("".join(words), "".join(edited))
            other = rng.sample(VOCABULARY, count)
            other[:2] = words[:2]
            strangers += found("".join(words), "".join(other))
        print(f"| {count} ({2 * count}) | {copies / args.pairs:.1%} | {strangers / args.pairs:.2%} |")

    ads = [edited_ad(rng) for _ in range(60)]
    pairs = list(itertools.combinations(ads, 2))
    observed = sum(found(a, b) for a, b in pairs) / len(pairs)
    expected = sum(promised(len(shingles(a) & shingles(b)) / len(shingles(a) | shingles(b))) for a, b in pairs)
    print(
        f"\nedited advertising text, {len(pairs)} pairs: found {observed:.1%}, the sketch promises {expected / len(pairs):.1%}"
    )

    bodies = ["".join(rng.sample(VOCABULARY, 20)) + " council budget vote next week" for _ in range(200)]
    seconds = min(timeit.repeat(lambda: [sketch_of(body, MIN_CHARS) for body in bodies], number=5, repeat=5))
    print(f"cost: {seconds / 5 / len(bodies) * 1e6:.1f} µs per {len(bodies[0])}-character body (timeit, best of 5)")


if __name__ == "__main__":
    main()
