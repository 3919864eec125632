"""Untrusted XML, streamed: defusedxml's iterparse (no entity expansion, no DTD or network fetch),
each wanted element handed over whole and then dropped, so memory stays flat on big exports."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import iterparse  # type: ignore[import-untyped]

from .source import UnreadableFile


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def child_text(element: Element, name: str) -> str | None:
    """The text of the first child with this local name, in any namespace; None when absent."""
    for child in element:
        if local_name(child.tag) == name:
            return child.text or ""
    return None


def child(element: Element, name: str) -> Element | None:
    for found in element:
        if local_name(found.tag) == name:
            return found
    return None


def stream_elements(
    stream: IO[bytes], path: Path | str, wanted: frozenset[str], *, depth: int, root_name: str, format_name: str
) -> Iterator[Element]:
    """Every element `depth` levels below the root whose local name is in `wanted`, complete, in document order. The root must be
    `root_name`, or the file is not this format. A syntax error names the file, line and column."""
    stack: list[Element] = []
    try:
        for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=False):
            if event == "start":
                if not stack and local_name(element.tag) != root_name:
                    raise UnreadableFile(
                        path, f"not a {format_name} export (its root element is <{local_name(element.tag)}>)"
                    )
                stack.append(element)
                continue
            stack.pop()
            if len(stack) == depth:
                if local_name(element.tag) in wanted:
                    yield element
                element.clear()
                stack[-1].remove(element)
        if stack:
            raise UnreadableFile(path, "XML syntax error: the document ends early")
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        message = str(error).split(":")[0]
        raise UnreadableFile(path, f"XML syntax error at line {line}, column {column}: {message}") from None
    except DefusedXmlException as error:
        raise UnreadableFile(path, f"refused: the XML declares entities or external references ({error})") from None
    except (EOFError, OSError, zlib.error) as error:
        raise UnreadableFile(path, f"cannot read: {error}") from None
