"""A small GeoLite2-City-shaped mmdb file of our own, built with mmdb-writer, for the region label tests."""

from __future__ import annotations

from pathlib import Path

from mmdb_writer import MMDBWriter
from netaddr import IPSet

JIANGSU_IP = "114.80.1.2"  # a Chinese network with its province (subdivision) 江苏
CHINA_ONLY_IP = "1.2.4.8"  # a Chinese network without a subdivision
GERMAN_IP = "5.1.2.3"
GERMAN_IPV6 = "2a01:4f8::1"
UNKNOWN_IP = "9.9.9.9"  # public, but not in the file

CHINA = {"iso_code": "CN", "names": {"en": "China", "zh-CN": "中国"}}


def build_mmdb(path: Path) -> Path:
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-City", languages=["en", "zh-CN"])
    writer.insert_network(
        IPSet(["114.80.0.0/16"]),
        {"country": CHINA, "subdivisions": [{"iso_code": "JS", "names": {"en": "Jiangsu", "zh-CN": "江苏省"}}]},
    )
    writer.insert_network(IPSet(["1.2.4.0/24"]), {"country": CHINA})
    writer.insert_network(
        IPSet(["5.1.0.0/16", "2a01:4f8::/32"]),
        {"country": {"iso_code": "DE", "names": {"en": "Germany", "zh-CN": "德国"}}},
    )
    writer.to_db_file(str(path))
    return path
