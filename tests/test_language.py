"""The script rule that gives each comment its language (text/language.py)."""

import pytest

from commentsvc.text.language import detect_language, language_of_html


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("我们这里说的是简体中文", "zh-Hans"),
        ("我們這裡說的是繁體中文", "zh-Hant"),
        ("中文", "zh-Hans"),  # shared characters only: the mainland default
        ("Plain English, nothing else.", "en"),
        ("我觉得 iPhone 这个价格太贵了", "zh-Hans"),  # an English name inside Chinese stays Chinese
        ("ひらがなとカタカナ", "other"),
        ("日本語の文章です", "other"),  # Japanese mixes in Han characters; kana decide
        ("한국어 댓글입니다", "other"),
        ("Привет, мир", "other"),
        ("", "other"),
        ("12345 !!! 😀", "other"),
    ],
)
def test_the_script_decides_a_texts_language(text, lang):
    assert detect_language(text) == lang


def test_markup_and_link_targets_do_not_count_only_the_visible_text():
    html = '<p>看这里 <a href="https://example.com/a-very-long-english-looking-path">链接</a></p>'
    assert language_of_html(html) == "zh-Hans"
