"""The sensitive-word matcher defeats the usual evasions and maps every hit back to the original text."""

import pytest

from commentsvc.text.wordfilter import WordMatcher, mask_spans, parse_word_list, split_highlights

WORDS = [("敏感词", "mask"), ("bad", "hold"), ("發財", "hold"), ("spamword", "reject"), ("ass", "hold")]


@pytest.fixture(scope="module")
def matcher():
    return WordMatcher(WORDS)


@pytest.mark.parametrize(
    "text, found",
    [
        ("敏感词", "敏感词"),
        ("敏 感 词", "敏 感 词"),
        ("敏*感*词", "敏*感*词"),
        ("敏😀感词", "敏😀感词"),
        ("敏\u200b感\u200d词", "敏\u200b感\u200d词"),
        ("敏，感。词", "敏，感。词"),
        ("這是敏感詞吧", "敏感詞"),
        ("这是一段没有空格的敏感词中文句子", "敏感词"),
        ("b.a.d", "b.a.d"),
        ("b a d", "b a d"),
        ("ＢＡＤ", "ＢＡＤ"),
        ("BaD", "BaD"),
        ("so b-a-d!", "b-a-d"),
        ("我想发财", "发财"),
        ("我想發財", "發財"),
    ],
)
def test_an_evasive_spelling_is_found_with_its_original_span(matcher, text, found):
    """An evasive spelling is found, and its span is the original text."""
    matches = matcher.find(text)
    assert [text[m.start : m.end] for m in matches] == [found]


@pytest.mark.parametrize("text", ["class", "was severe", "badge", "abad", "bandana", "敏感", "感词"])
def test_unbounded_latin_and_partial_chinese_words_do_not_match(matcher, text):
    """Latin words need word boundaries, and partial Chinese words do not match."""
    assert matcher.find(text) == []


def test_a_latin_word_touching_chinese_text_is_still_found(matcher):
    text = "这个bad东西"
    assert [text[m.start : m.end] for m in matcher.find(text)] == ["bad"]


def test_masking_replaces_exactly_the_matched_characters_fillers_included(matcher):
    assert matcher.screen("前面敏*感*词后面").masked == "前面＊＊＊＊＊后面"
    assert matcher.screen("敏😀感词!").masked == "＊＊＊＊!"


def test_invisible_fillers_inside_a_masked_span_are_not_starred(matcher):
    """Invisible fillers inside a masked span do not become stars."""
    assert matcher.screen("a敏\u200b感词b").masked == "a＊＊＊b"


def test_strongest_action_wins_and_only_mask_words_are_masked(matcher):
    """The strongest action wins, and only mask words are masked."""
    verdict = matcher.screen("敏感词 and spamword and bad")
    assert verdict.action == "reject"
    assert verdict.masked == "＊＊＊ and spamword and bad"
    assert matcher.screen("bad 敏感词").action == "hold"
    assert matcher.screen("nothing here").action is None


def test_every_occurrence_is_found_and_highlighted_in_the_original(matcher):
    text = "敏感词，又一个敏 感 词"
    pieces = split_highlights(text, matcher.find(text))
    assert pieces == [("敏感词", True), ("，又一个", False), ("敏 感 词", True)]


def test_overlapping_spans_merge_when_masked():
    matcher = WordMatcher([("一二三四", "mask"), ("三四五六", "mask")])
    text = "零一二三四五六七"
    assert len(matcher.find(text)) == 2
    assert mask_spans(text, matcher.find(text)) == "零＊＊＊＊＊＊七"


def test_a_listed_word_with_fillers_or_in_traditional_matches():
    """A listed word written with fillers or in traditional characters matches the plain text."""
    matcher = WordMatcher([("b.a.d", "hold"), ("敏感詞", "hold")])
    assert [m.word for m in matcher.find("so bad, 敏感词")] == ["b.a.d", "敏感詞"]


def test_an_empty_list_matches_nothing():
    assert WordMatcher([]).find("anything at all") == []


def test_a_word_list_file_is_one_word_per_line():
    """A word list file is one word per line, without blanks, comments or duplicates."""
    raw = "\ufeff敏感词\r\n\n# comment\n bad \n敏感词\nｆｏｏ\n"
    assert parse_word_list(raw) == ["敏感词", "bad", "ｆｏｏ"]


def test_ten_thousand_words_scan_a_long_comment_quickly():
    import time

    words = [(f"词{i:05d}", "hold") for i in range(10_000)] + [("敏感词", "mask")]
    started = time.perf_counter()
    matcher = WordMatcher(words)
    text = "这是一条很长的评论，" * 400 + "敏 感 词"
    matches = matcher.find(text)
    elapsed = time.perf_counter() - started
    assert [m.word for m in matches] == ["敏感词"]
    # Generous: building and one scan take well under a second even on a busy 2-core machine.
    assert elapsed < 5


def test_the_fingerprints_folding_is_the_matchers_for_every_character():
    """fold_plain (the flood fingerprint's) folds a whole text in one lookup per character; it must give
    what the matcher's fold_text gives, character by character, wherever it is asked first."""
    import unicodedata

    from commentsvc.text.wordfilter import fold_plain, fold_text

    characters = [chr(code) for code in range(0x20, 0x30000, 3) if not 0xD800 <= code <= 0xDFFF]
    plain = [character for character in characters if not unicodedata.combining(character)]
    text = "".join(plain)

    assert fold_plain(text) == fold_text(text).folded
    assert fold_plain("Ｃａｆｅ\u0301 發財 顶") == fold_text("Ｃａｆｅ\u0301 發財 顶").folded == "café发财顶"


def test_a_text_with_any_combining_mark_is_folded_cluster_by_cluster():
    """fold_plain's one-lookup path is only for texts without combining marks: each mark the Unicode
    tables know, after a base letter, folds as the matcher folds that letter with it."""
    import sys
    import unicodedata

    from commentsvc.text.wordfilter import fold_plain, fold_text

    marks = [chr(code) for code in range(sys.maxunicode + 1) if unicodedata.combining(chr(code))]

    assert len(marks) > 800
    for mark in marks:
        text = f"顶 e{mark}!"
        assert fold_plain(text) == fold_text(text).folded, hex(ord(mark))
