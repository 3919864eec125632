"""Email over TLS against a real aiosmtpd with a certificate made here: STARTTLS and smtps:// both send,
with the server's certificate verified against what the operator trusts (SSL_CERT_FILE), and an
untrusted certificate is a failure recorded on the delivery, not a crash and not a message in the clear."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ARTICLE, free_port
from notifications_support import PUBLIC_URL, SmtpServer, make_worker

from commentsvc.extensions import db
from commentsvc.models import Delivery

READER = "reader@example.org"


def make_certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (and localhost), as a private CA would issue one."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("neither the cryptography package nor the openssl command is available to make a certificate")
    certificate, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-days", "2", "-subj", f"/CN={name}", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]
        + ["-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return certificate, key


@pytest.fixture
def certificate(tmp_path: Path) -> Path:
    return make_certificate(tmp_path, "smtp.test")[0]


@pytest.fixture(params=["starttls", "implicit"])
def tls_smtp(request: pytest.FixtureRequest, certificate: Path) -> Iterator[SmtpServer]:
    """aiosmtpd offering STARTTLS on a plain port, or speaking TLS from the first byte (smtps://)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, certificate.with_suffix(".key"))
    mode = {"starttls": context} if request.param == "starttls" else {"implicit_tls": context}
    server = SmtpServer(free_port(), **mode)
    yield server
    server.stop()


@pytest.fixture
def app_config(tls_smtp: SmtpServer) -> dict[str, Any]:
    # ?tls=required on the STARTTLS port: offered, so it must send (the refusal is in test_notifications_email).
    url = tls_smtp.url + ("" if tls_smtp.url.startswith("smtps") else "?tls=required")
    return {"COMMENTSVC_SMTP_URL": url, "COMMENTSVC_PUBLIC_URL": PUBLIC_URL, "COMMENTSVC_REPLY_DIGEST_SECONDS": 0}


def ask_for_reply_emails(client: Any) -> None:
    payload = {"article": ARTICLE, "name": "读者", "email": READER, "body": "first", "notify": True}
    response = client.post("/api/v1/comments", json=payload)
    assert response.status_code == 201, response.get_json()


def deliveries(app: Any) -> list[Delivery]:
    with app.app_context():
        return list(db.session.scalars(db.select(Delivery).order_by(Delivery.id)))


def trust(monkeypatch: pytest.MonkeyPatch, certificate: Path) -> None:
    """What an operator does for a private CA: point OpenSSL's SSL_CERT_FILE at it before the worker starts."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_email_goes_out_over_tls_to_a_trusted_server(
    client: Any, app: Any, tls_smtp: SmtpServer, certificate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trust(monkeypatch, certificate)
    ask_for_reply_emails(client)
    make_worker(app).drain()
    assert [m["To"] for m in tls_smtp.messages] == [READER]
    assert tls_smtp.tls_versions[0] in ("TLSv1.2", "TLSv1.3")
    assert [(d.status, d.last_error) for d in deliveries(app)] == [("sent", "")]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("trusted", ["nothing", "another CA"])
def test_untrusted_certificate_is_refused_and_recorded(
    client: Any,
    app: Any,
    tls_smtp: SmtpServer,
    tmp_path: Path,
    trusted: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The system store (or a CA that did not sign it) does not vouch for the server: nothing is sent."""
    if trusted == "nothing":
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    else:
        trust(monkeypatch, make_certificate(tmp_path, "other-ca")[0])
    ask_for_reply_emails(client)
    make_worker(app).drain()
    assert tls_smtp.messages == []
    (delivery,) = deliveries(app)
    assert delivery.status == "failed"
    assert "TLS certificate was refused" in delivery.last_error
    assert "self-signed certificate" in delivery.last_error
