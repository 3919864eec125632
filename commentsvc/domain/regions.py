"""Where a client address is (IP属地), read at posting time from the operator's MaxMind/DB-IP mmdb file.

The record fields read are those of the GeoIP2/GeoLite2 City layout, which DB-IP's lite city file
shares: country.iso_code, country.names and subdivisions[0].names, in the languages "zh-CN" and
"en". China ("CN") is labelled by province ("江苏" / "Jiangsu, China"), everywhere else by country
("德国" / "Germany"). Private, loopback and other non-public addresses get no label.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import maxminddb

from .addresses import normalised

log = logging.getLogger(__name__)

LABEL_MAX = 64
# Province names as people say them in "IP属地：江苏": the administrative suffix goes.
_ZH_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


@dataclass(frozen=True)
class Region:
    """The label text per language: zh for "IP属地：{zh}", en for "from {en}"."""

    zh: str
    en: str


def _names(record: Any, key: str) -> tuple[str, str]:
    part = record.get(key) if isinstance(record, dict) else None
    if isinstance(part, list):
        part = part[0] if part else None
    names = part.get("names") if isinstance(part, dict) else None
    if not isinstance(names, dict):
        return "", ""
    zh, en = names.get("zh-CN"), names.get("en")
    return (zh if isinstance(zh, str) else ""), (en if isinstance(en, str) else "")


def _short_province(name: str) -> str:
    for suffix in _ZH_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def region_of_record(record: Any) -> Region | None:
    """A database record (GeoIP2 City layout) as a label; None when it names no country."""
    country = record.get("country") if isinstance(record, dict) else None
    iso = country.get("iso_code") if isinstance(country, dict) else None
    country_zh, country_en = _names(record, "country")
    if not (country_zh or country_en):
        return None
    zh, en = country_zh or country_en, country_en or country_zh
    if iso == "CN":
        province_zh, province_en = _names(record, "subdivisions")
        if province_zh or province_en:
            zh = _short_province(province_zh) if province_zh else province_en
            en = f"{province_en or province_zh}, {country_en or 'China'}"
    return Region(zh[:LABEL_MAX], en[:LABEL_MAX])


class RegionLookup:
    """One open mmdb file; lookups are thread-safe (the reader is read-only, memory-mapped)."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader

    @classmethod
    def open(cls, path: str) -> RegionLookup:
        """Raises OSError with one readable line when the file is missing or not an mmdb database."""
        try:
            return cls(maxminddb.open_database(path))
        except OSError as error:
            raise OSError(f"cannot read {path}: {error.strerror or error}") from None
        except (maxminddb.InvalidDatabaseError, ValueError) as error:
            raise OSError(f"{path} is not a MaxMind/DB-IP mmdb database ({error})") from None

    def region_of(self, client_ip: str) -> Region | None:
        """None for addresses that are not public, or that the database does not know."""
        address = normalised(client_ip)
        if address is None or not address.is_global:
            return None
        try:
            record = self._reader.get(str(address))
        except (maxminddb.InvalidDatabaseError, ValueError):
            return None
        return region_of_record(record)

    def close(self) -> None:
        self._reader.close()


def open_configured(path: str) -> RegionLookup | None:
    """The configured file, or None with one clear warning line when it cannot be read: comments are
    then stored without a label rather than refused."""
    if not path:
        return None
    try:
        return RegionLookup.open(path)
    except OSError as error:
        log.warning("COMMENTSVC_GEOIP_DB: %s; comments get no region label (IP属地).", error)
        return None
