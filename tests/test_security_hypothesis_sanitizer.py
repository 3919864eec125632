"""Generated hostile input: nested, malformed mixes of HTML and Markdown must render to HTML that passes
the same invariants as the corpus (no dangerous element, no on* attribute, no script URL)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from security.invariants import unsafe_html_findings

from commentsvc.text.sanitize import render_comment

GENERATED_CASES = 2500

TAGS = (
    "script",
    "img",
    "svg",
    "math",
    "iframe",
    "a",
    "p",
    "style",
    "object",
    "embed",
    "form",
    "input",
    "button",
    "meta",
    "link",
    "base",
    "frame",
    "details",
    "video",
    "audio",
    "source",
    "textarea",
    "noscript",
    "template",
    "select",
    "option",
    "xmp",
    "plaintext",
    "table",
    "title",
    "foreignObject",
    "animate",
    "set",
    "use",
    "code",
    "pre",
    "blockquote",
    "ol",
    "li",
    "em",
    "strong",
    "SCRIPT",
    "ScRiPt",
    "a/",
    "img/",
    "svg/",
)
HANDLERS = (
    "onerror",
    "onload",
    "onclick",
    "onmouseover",
    "onfocus",
    "onanimationstart",
    "ONERROR",
    "oNlOaD",
    "onbegin",
    "onpageshow",
    "ontoggle",
    "onpointerenter",
)
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "background", "poster", "srcdoc")
SCHEMES = (
    "javascript:",
    "JaVaScRiPt:",
    "java\tscript:",
    "java\nscript:",
    " javascript:",
    "\x01javascript:",
    "&#106;avascript:",
    "&#x6A;avascript:",
    "javascript&colon;",
    "jav&#x09;ascript:",
    "vbscript:",
    "data:text/html,",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "&#0000106avascript:",
    "%6Aavascript:",
    "javascript&#58;",
    "http:",
    "https:",
    "mailto:",
    "//",
    "",
)
SCRIPTS = (
    "alert(1)",
    "alert`1`",
    "confirm(1)",
    "prompt(1)",
    "print()",
    "top['al'+'ert'](1)",
    "eval(atob('YWxlcnQoMSk='))",
    "(alert)(1)",
    "window.onerror=alert;throw 1",
)
QUOTES = ('"', "'", "`", "")
JUNK = (
    "<",
    ">",
    "</",
    "/>",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "&",
    "&lt;",
    "&#60;",
    "\\",
    "\x00",
    "\u2028",
    "\ufeff",
    "<!",
    "<?",
    "=",
    '"',
    "'",
    "`",
    " ",
    "\n",
    "\t",
)
MARKDOWN = (
    "**",
    "*",
    "_",
    "`",
    "```",
    "> ",
    "- ",
    "1. ",
    "[",
    "]",
    "(",
    ")",
    "![",
    "](",
    "<http://",
    "\n\n",
    "    ",
    "#",
    "---",
    "~~~",
    "\\",
)

schemes = st.sampled_from(SCHEMES)
scripts = st.sampled_from(SCRIPTS)
quotes = st.sampled_from(QUOTES)
urls = st.builds(lambda scheme, script: scheme + script, schemes, scripts)
words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)


@st.composite
def attributes(draw: st.DrawFn) -> str:
    quote = draw(quotes)
    if draw(st.booleans()):
        name, value = draw(st.sampled_from(HANDLERS)), draw(scripts)
    else:
        name, value = draw(st.sampled_from(URL_ATTRIBUTES)), draw(urls)
    separator = draw(st.sampled_from((" ", "/", "\n", "\t", "  ", "\x0c")))
    return f"{separator}{name}={quote}{value}{quote}"


@st.composite
def elements(draw: st.DrawFn, children: st.SearchStrategy[str]) -> str:
    tag = draw(st.sampled_from(TAGS))
    attrs = "".join(draw(st.lists(attributes(), max_size=3)))
    inner = "".join(draw(st.lists(children, max_size=3)))
    closing = draw(st.sampled_from((f"</{tag}>", "", f"</{tag}", "</", f"</{tag.upper()}>")))
    opening_end = draw(st.sampled_from((">", " >", "/>", "", "\n>")))
    return f"<{tag}{attrs}{opening_end}{inner}{closing}"


@st.composite
def markdown_pieces(draw: st.DrawFn, children: st.SearchStrategy[str]) -> str:
    kind = draw(st.integers(0, 5))
    inner = draw(children)
    if kind == 0:
        return f"[{inner}]({draw(urls)})"
    if kind == 1:
        return f"![{inner}]({draw(urls)})"
    if kind == 2:
        return f"<{draw(urls)}>"
    if kind == 3:
        return f"[{inner}]: {draw(urls)}\n\n[{inner}]"
    if kind == 4:
        return f"```{draw(st.sampled_from(('', 'html', 'js')))}\n{inner}\n```"
    return f"{draw(st.sampled_from(('> ', '- ', '1. ', '    ', '**', '_')))}{inner}"


leaves = st.one_of(words, st.sampled_from(JUNK), st.sampled_from(MARKDOWN), urls, scripts)
hostile = st.recursive(
    leaves,
    lambda children: st.one_of(
        elements(children),
        markdown_pieces(children),
        st.lists(children, min_size=2, max_size=4).map("".join),
    ),
    max_leaves=25,
)


@settings(max_examples=GENERATED_CASES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile)
def test_generated_malformed_html_and_markdown_render_to_safe_html(text):
    """Generated nested, malformed HTML and Markdown renders to safe HTML."""
    html = render_comment(text)

    assert unsafe_html_findings(html) == []


@settings(max_examples=500, deadline=None)
@given(hostile)
def test_rendering_already_rendered_comment_html_stays_safe(text):
    """An edit pastes the served HTML back in; a second pass must not turn escaped text into markup."""
    html = render_comment(render_comment(text))

    assert unsafe_html_findings(html) == []


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile)
def test_generated_raw_html_through_the_allowlist_alone_is_safe(text):
    """Generated raw HTML through the allowlist layer alone is safe.

    Markdown escapes raw HTML, so the cases above mostly test escaping; this one hands the same input
    to bleach + nh3 directly, as if a future Markdown setting let raw HTML through."""
    from commentsvc.text import sanitize

    html = sanitize.clean_html(text)

    assert unsafe_html_findings(html) == []
