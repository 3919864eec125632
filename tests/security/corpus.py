"""Loads the shared XSS and naughty-string corpora (../shared/corpus) as (source, payload) pairs."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from conftest import shared_path

XSS = ("corpus", "xss")
INTRUDER_LISTS = (
    "IntrudersXSS.txt",
    "RSNAKE_XSS.txt",
    "JHADDIX_XSS.txt",
    "BRUTELOGIC-XSS-STRINGS.txt",
    "BRUTELOGIC-XSS-JS.txt",
    "XSSDetection.txt",
    "XSS_Polyglots.txt",
    "xss_alert_identifiable.txt",
    "xss_payloads_quick.txt",
)
HANDLER_LISTS = ("0xcela_event_handlers.txt", "port_swigger_xss_cheatsheet_event_handlers.txt")
# The README says these OWASP blocks describe context (a perl one-liner, a redirect), not payloads.
OWASP_PAYLOAD_LANGS = frozenset({"html", "js"})


@dataclass(frozen=True)
class Payload:
    source: str
    text: str


def _lines(path: Path) -> list[str]:
    """One payload per line; split on LF only, as the README asks."""
    return [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def _json(*parts: str) -> list[dict]:
    return json.loads(shared_path(*XSS, *parts).read_text(encoding="utf-8"))


def _blocks(name: str, entries: list[dict]) -> list[Payload]:
    """A fenced block is one payload; a multi-line block is also tried line by line."""
    payloads = []
    for entry in entries:
        block = entry["block"]
        payloads.append(Payload(f"{name}:{entry['line']}", block))
        lines = [line for line in block.split("\n") if line.strip()]
        if len(lines) > 1:
            payloads.extend(Payload(f"{name}:{entry['line']}+", line) for line in lines)
    return payloads


def intruder_payloads() -> list[Payload]:
    folder = shared_path(*XSS, "payloadsallthethings", "intruders")
    return [Payload(f"pat/{name}", line) for name in INTRUDER_LISTS for line in _lines(folder / name)]


def handler_names() -> list[str]:
    folder = shared_path(*XSS, "payloadsallthethings", "intruders")
    names = {line.strip() for name in HANDLER_LISTS for line in _lines(folder / name)}
    return sorted(names)


def markdown_blocks() -> list[Payload]:
    return _blocks("pat/md", _json("payloadsallthethings", "xss-injection-md-codeblocks.json"))


def owasp_blocks() -> list[Payload]:
    entries = _json("owasp-cheatsheetseries", "xss-filter-evasion-cheatsheet.codeblocks.json")
    return _blocks("owasp", [entry for entry in entries if entry["lang"] in OWASP_PAYLOAD_LANGS])


def h5sc_vectors() -> list[dict]:
    return _json("h5sc", "h5sc-vectors.json")


def h5sc_payloads() -> list[Payload]:
    return [
        Payload(f"h5sc:{vector['id']}", vector["payload"]) for vector in h5sc_vectors() if vector["payload"].strip()
    ]


def dompurify_payloads() -> list[Payload]:
    return [
        Payload(f"dompurify:{case['index']}", case["payload"])
        for case in _json("dompurify", "dompurify-expect.json")
        if case["payload"].strip()
    ]


def bleach_regressions() -> list[dict]:
    return _json("bleach", "bleach-regressions.json")


def blns_entries() -> list[dict]:
    return _json("blns", "blns-sections.json")


def blns_script_payloads() -> list[Payload]:
    return [
        Payload(f"blns:{entry['line']}", entry["string"])
        for entry in blns_entries()
        if entry["section"] == "Script Injection"
    ]


def all_xss_payloads() -> list[Payload]:
    """Every attack input in the corpus, each distinct text once (first source wins)."""
    everything = (
        intruder_payloads()
        + markdown_blocks()
        + owasp_blocks()
        + h5sc_payloads()
        + dompurify_payloads()
        + blns_script_payloads()
        + [Payload(f"bleach:{case['id']}", case["input"]) for case in bleach_regressions()]
    )
    seen: set[str] = set()
    unique = []
    for payload in everything:
        key = normalised_body(payload.text)
        if key and key not in seen:
            seen.add(key)
            unique.append(payload)
    return unique


def normalised_body(text: str) -> str:
    """The documented normalisation of a body or name: newlines unified, NFC, trimmed."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
