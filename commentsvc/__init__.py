"""commentsvc: self-hosted reader comments for news sites."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import models  # noqa: F401  (every table is known before the engine is prepared)
from .api import api, health
from .caching import ReadStormRequest, ResponseCache
from .cli import register_cli
from .config import allowed_origins, load_settings
from .dashboard import dashboard
from .database import engine_options, prepare_database
from .errors import register_error_handlers
from .extensions import cors, csrf, db, limiter
from .ratelimits import install_outage_log, limiter_settings
from .resources import resource_dir
from .widget import widget

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 64 * 1024


def _secret_key(instance_path: Path, configured: str | None) -> str:
    """A missing secret is generated once and kept, so edit tokens survive restarts."""
    if configured:
        return configured
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(48)
    key_file.touch(mode=0o600)
    key_file.write_text(key)
    log.warning("COMMENTSVC_SECRET_KEY is not set: generated one and kept it in %s. "
                "Set COMMENTSVC_SECRET_KEY when you run more than one server.", key_file)
    return key


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Loads settings, binds extensions, registers blueprints, error handlers and the CLI."""
    settings = load_settings(os.environ, config)
    app = Flask(
        __name__,
        instance_path=settings["COMMENTSVC_INSTANCE_PATH"] or None,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    app.request_class = ReadStormRequest
    app.config.update(settings)
    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)

    database_url = settings["COMMENTSVC_DATABASE_URL"] or f"sqlite:///{instance_path / 'commentsvc.sqlite3'}"
    auto_migrate = settings["COMMENTSVC_AUTO_MIGRATE"]
    app.config.update(
        COMMENTSVC_DATABASE_URL=database_url,
        COMMENTSVC_AUTO_MIGRATE=database_url.startswith("sqlite") if auto_migrate is None else auto_migrate,
        SQLALCHEMY_DATABASE_URI=database_url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(database_url),
        SECRET_KEY=_secret_key(instance_path, settings["COMMENTSVC_SECRET_KEY"]),
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        RATELIMIT_ENABLED=settings["COMMENTSVC_RATELIMIT_ENABLED"],
        RATELIMIT_HEADERS_ENABLED=False,
        **limiter_settings(storage_uri=settings["COMMENTSVC_RATELIMIT_STORAGE_URI"],
                           fallback=settings["COMMENTSVC_RATELIMIT_FALLBACK"],
                           key_prefix=settings["COMMENTSVC_RATELIMIT_KEY_PREFIX"]),
        WTF_CSRF_CHECK_DEFAULT=False,  # the dashboard checks its own forms (dashboard/core.py)
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    hops = settings["COMMENTSVC_TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    db.init_app(app)
    app.extensions["commentsvc_response_cache"] = ResponseCache(settings["COMMENTSVC_RESPONSE_CACHE_MB"] * 1024 * 1024)
    install_outage_log(storage_uri=settings["COMMENTSVC_RATELIMIT_STORAGE_URI"],
                       fallback=settings["COMMENTSVC_RATELIMIT_FALLBACK"])
    limiter.init_app(app)
    csrf.init_app(app)
    cors.init_app(
        app,
        resources={r"/api/*": {"origins": allowed_origins(settings["COMMENTSVC_ALLOWED_ORIGINS"])}},
        allow_headers=["Content-Type", "Authorization", "Idempotency-Key", "If-None-Match"],
        expose_headers=["ETag", "Retry-After", "Location"],
        methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        max_age=600,
        # With every origin allowed, answer "*" rather than echo the Origin: one cached copy serves
        # every publisher's page (a CDN keeps one variant, not one per site).
        send_wildcard=True,
    )
    for blueprint in (api, health, widget, dashboard):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    register_cli(app)
    prepare_database(app)
    return app
