"""What is kept of a client address: the raw address, its keyed hash and its /24 or /48 prefix."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

_PREFIX = {4: 24, 6: 48}
KEY_MARK = "key:"


def normalised(client_ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address, IPv4-mapped IPv6 as IPv4 (bans treat them alike); None when it is no address."""
    try:
        address = ipaddress.ip_address(client_ip.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def address_key(secret: str, client_ip: str) -> str:
    """Keyed, so the hash of a stored row cannot be reversed by hashing all 2**32 IPv4 addresses; the
    same address always gives the same key, so bans and "comments from this address" still match."""
    address = normalised(client_ip)
    text = str(address) if address is not None else client_ip.strip()
    return hmac.new(secret.encode(), f"address:{text}".encode(), hashlib.sha256).hexdigest()[:40]


def text_key(secret: str, text: str) -> str:
    """A user agent's stand-in after the purge: equal agents stay equal, the text is gone."""
    return KEY_MARK + hmac.new(secret.encode(), f"agent:{text}".encode(), hashlib.sha256).hexdigest()[:40]


def address_prefix(client_ip: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) network around the address, e.g. "203.0.113.0/24"; "" for no address."""
    address = normalised(client_ip)
    if address is None:
        return ""
    bits = _PREFIX[address.version]
    host_bits = address.max_prefixlen - bits
    return f"{type(address)(int(address) >> host_bits << host_bits)}/{bits}"


def is_purged(stored_ip: str) -> bool:
    """A stored client_ip that is already a prefix (or empty) holds no raw address."""
    return not stored_ip or "/" in stored_ip
