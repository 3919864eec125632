"""The safety invariants every piece of served comment HTML must pass, as the corpus README states them."""

from __future__ import annotations

import html
import re

import html5lib

FORBIDDEN_ELEMENTS = frozenset(
    {
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
    }
)
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href"})
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")
_NAMESPACES = {"http://www.w3.org/1999/xlink": "xlink"}
# Browsers ignore ASCII whitespace and C0 controls inside a URL's scheme, so the check must too.
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff]")


def _local_name(name: str) -> str:
    if name.startswith("{"):
        namespace, _, local = name[1:].partition("}")
        prefix = _NAMESPACES.get(namespace)
        return f"{prefix}:{local}" if prefix else local
    return name


def dangerous_url(value: str) -> bool:
    """True when the URL would run script or embed data, after entity decoding and whitespace removal."""
    decoded = value
    for _ in range(3):  # double-encoded entities (&amp;#106;) decode one level per pass
        decoded = html.unescape(decoded)
    squeezed = _IGNORED_IN_SCHEME.sub("", decoded).lower()
    return squeezed.startswith(DANGEROUS_SCHEMES)


def unsafe_html_findings(markup: str) -> list[str]:
    """Every violation in a fragment of HTML, parsed the way a browser would (html5lib); [] means safe."""
    fragment = html5lib.parseFragment(markup, treebuilder="etree", namespaceHTMLElements=False)
    findings: list[str] = []
    for element in fragment.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions carry no attributes
        tag = _local_name(element.tag).lower()
        if tag in FORBIDDEN_ELEMENTS:
            findings.append(f"forbidden element <{tag}>")
        for raw_name, value in element.attrib.items():
            name = _local_name(raw_name).lower()
            if name.startswith("on"):
                findings.append(f"event handler attribute {name}= on <{tag}>")
            if name in URL_ATTRIBUTES and dangerous_url(value):
                findings.append(f"dangerous URL in {name}={value!r} on <{tag}>")
    return findings


def attribute_names(markup: str) -> set[str]:
    """All attribute names in a fragment, lower-cased, for "attribute N must be gone" checks."""
    fragment = html5lib.parseFragment(markup, treebuilder="etree", namespaceHTMLElements=False)
    return {
        _local_name(name).lower()
        for element in fragment.iter()
        if isinstance(element.tag, str)
        for name in element.attrib
    }
