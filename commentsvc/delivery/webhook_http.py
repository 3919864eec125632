"""Webhook calls over http.client, to the address that was checked: the name is resolved once, every
address it has must be public (unless allowed), and the connection goes to that address, so a DNS answer
that changes between the check and the call (rebinding) cannot reach the internal network. Redirects
are never followed."""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..domain.webhooks import is_public_address

MAX_RESPONSE_BYTES = 64 * 1024


@dataclass(frozen=True)
class CallResult:
    ok: bool
    status: int | None
    error: str


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._ssl_context = context

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._ssl_context.wrap_socket(raw, server_hostname=self.host)


def resolve(host: str, port: int, *, allow_private: bool) -> str:
    """The address to call; refused when any address of the name is not public (one public record
    beside a private one must not be a way in)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise ConnectionError(f"cannot resolve {host}: {error}") from error
    addresses = [str(info[4][0]) for info in infos]
    if not allow_private:
        refused = [address for address in addresses if not is_public_address(address)]
        if refused:
            raise PermissionError(
                f"{host} resolves to a private, loopback or link-local address ({refused[0]}); "
                "set COMMENTSVC_WEBHOOK_ALLOW_PRIVATE=true to allow it"
            )
    return addresses[0]


def post_json(url: str, body: bytes, headers: dict[str, str], *, timeout: float, allow_private: bool) -> CallResult:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return CallResult(False, None, "only http(s) URLs are called")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = resolve(parts.hostname, port, allow_private=allow_private)
    except (PermissionError, ConnectionError) as error:
        return CallResult(False, None, str(error))
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = _PinnedHTTPSConnection(parts.hostname, port, address, timeout, ssl.create_default_context())
    else:
        connection = _PinnedHTTPConnection(parts.hostname, port, address, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers={**headers, "Content-Length": str(len(body))})
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        status = response.status
    except TimeoutError:
        return CallResult(False, None, f"no answer within {timeout:g} s")
    except (OSError, http.client.HTTPException) as error:
        return CallResult(False, None, f"{type(error).__name__}: {error}")
    finally:
        connection.close()
    if 200 <= status < 300:
        return CallResult(True, status, "")
    if 300 <= status < 400:
        return CallResult(False, status, f"HTTP {status}: redirects are not followed")
    return CallResult(False, status, f"HTTP {status}")
