"""The Markdown subset renders to safe HTML whatever a reader types (examples and generated inputs)."""

import html5lib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commentsvc.text.sanitize import LINK_REL, render_comment

FORBIDDEN_ELEMENTS = {
    "script",
    "style",
    "iframe",
    "frame",
    "object",
    "embed",
    "form",
    "input",
    "button",
    "meta",
    "link",
    "base",
    "svg",
    "math",
    "img",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href"}


def assert_safe(html: str) -> None:
    """The corpus README's invariants: no dangerous element, no on* attribute, no script-capable URL."""
    fragment = html5lib.parseFragment(html, namespaceHTMLElements=False)
    for element in fragment.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag.lower() not in FORBIDDEN_ELEMENTS, html
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), html
            if name.lower() in URL_ATTRIBUTES:
                compact = "".join(ch for ch in value if ch > " " and ch != "\x7f").lower()
                assert not compact.startswith(("javascript:", "vbscript:", "data:")), html


@pytest.mark.parametrize(
    "source, expected",
    [
        ("plain text", "<p>plain text</p>"),
        ("*em* **strong** `code`", "<p><em>em</em> <strong>strong</strong> <code>code</code></p>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>'),
        ("```\n<b>x</b>\n```", "<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>"),
        ("line\nbreak", "<p>line<br>\nbreak</p>"),
        ("# not a heading", "<p># not a heading</p>"),
        (
            "![img](https://example.com/x.png)",
            '<p>!<a href="https://example.com/x.png" rel="nofollow ugc noopener noreferrer">img</a></p>',
        ),
        ("<b>raw html</b>", "<p>&lt;b&gt;raw html&lt;/b&gt;</p>"),
    ],
)
def test_the_markdown_subset_renders_as_expected(source, expected):
    assert render_comment(source) == expected


def test_links_get_ugc_rel_and_bare_urls_become_links():
    """Links get the ugc rel, and bare URLs become links."""
    html = render_comment("[site](https://example.com) and https://example.org/path?q=1")
    assert html.count(f'rel="{LINK_REL}"') == 2
    assert 'href="https://example.org/path?q=1"' in html


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](vbscript:msgbox)",
        "[x](data:text/html,<script>)",
        "[x](/relative/path)",
        "[x](ftp://example.com)",
        "<a href='javascript:alert(1)'>x</a>",
        "[x](java&#x09;script:alert(1))",
    ],
)
def test_only_http_https_and_mailto_links_survive(source):
    html = render_comment(source)
    assert_safe(html)
    fragment = html5lib.parseFragment(html, namespaceHTMLElements=False)
    hrefs = [element.get("href") for element in fragment.iter("a") if element.get("href") is not None]
    assert all(href.startswith(("http://", "https://", "mailto:")) for href in hrefs), html


def test_mailto_links_survive():
    assert 'href="mailto:editor@example.com"' in render_comment("[mail](mailto:editor@example.com)")


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        '"><iframe src=javascript:alert(1)>',
        "<a href=# onclick=alert(1)>x</a>",
        "<<script>script>alert(1)<</script>/script>",
        "[a](javascript:alert`1`)",
        "<style>*{x:y}</style>",
    ],
)
def test_raw_html_in_the_body_is_shown_as_text(source):
    """Raw HTML in the body is shown as text, never executed."""
    html = render_comment(source)
    assert_safe(html)


HTML_PIECES = st.sampled_from(
    [
        "<script>",
        "</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">',
        "</a>",
        "<svg>",
        "<math>",
        "<iframe>",
        "<style>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "&lt;",
        "&#106;avascript:",
        "<b ",
        "'\"",
        "<a href=",
        "onmouseover=alert(1)",
        "javascript:",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:",
        "\n",
        "\n\n",
        "> ",
        "- ",
        "1. ",
        "```",
        "`",
        "*",
        "**",
        "_",
        "[",
        "](",
        ")",
        "<",
        ">",
        "&",
        "\t",
        "\x00",
        "https://example.com/",
        "http://",
        "mailto:x@y",
        "中文",
        "😀",
        "\u202e",
        "\u200b",
        "<p>",
        "</p>",
        "<form>",
        "<input autofocus onfocus=alert(1)>",
        "<object data=x>",
        "<embed src=x>",
        "<base href=//evil>",
        "<meta http-equiv=refresh>",
        "<link rel=import>",
        "<button formaction=javascript:alert(1)>",
    ]
)


@st.composite
def hostile_markup(draw):
    """Nested, unbalanced mixes of HTML fragments, Markdown syntax and attack strings."""
    pieces = draw(st.lists(st.one_of(HTML_PIECES, st.text(max_size=8)), min_size=1, max_size=40))
    depth = draw(st.integers(min_value=0, max_value=4))
    text = "".join(pieces)
    for _ in range(depth):
        wrapper = draw(
            st.sampled_from(
                [
                    "[{}](javascript:{})",
                    "> {}",
                    "<a href='{}'>{}</a>",
                    "*{}*",
                    "`{}`",
                    "<div onclick='{}'>{}</div>",
                    "- {}\n  - {}",
                    "[{}]({})",
                ]
            )
        )
        text = wrapper.replace("{}", text, 1).replace("{}", draw(HTML_PIECES))
    return text


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_markup())
def test_generated_hostile_markup_never_renders_script(source):
    assert_safe(render_comment(source))


@settings(max_examples=1000, deadline=None)
@given(st.text())
def test_arbitrary_text_never_renders_script(source):
    assert_safe(render_comment(source))
