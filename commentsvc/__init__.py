"""commentsvc: self-hosted reader comments for news sites."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import models  # noqa: F401  (every table is known before the engine is prepared)
from .cli import register_cli
from .config import allowed_origins, load_settings
from .domain.regions import open_configured
from .extensions import cors, csrf, db, limiter
from .instance import InstanceError, data_dir, database_url, read_secret
from .resources import resource_dir
from .storage.engine import configure_engine, engine_options
from .storage.events import install_session_events
from .storage.memos import ResponseCache
from .storage.sessions import keep_connections
from .web.api import api, health
from .web.caching import ReadStormRequest
from .web.dashboard import dashboard
from .web.errors import register_error_handlers
from .web.fastpath import KeptReads
from .web.feeds import feeds
from .web.mail_links import mail_links
from .web.plain import plain
from .web.ratelimits import limiter_settings
from .web.sessions import CookieSessionInterface
from .web.widget import widget

MAX_REQUEST_BYTES = 64 * 1024


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Loads settings, binds extensions, registers blueprints, error handlers and the CLI. It creates
    nothing on disk: `commentsvc init` (run by `serve`, the WSGI entry point and the CLI) does."""
    settings = load_settings(os.environ, config)
    secret_key = read_secret(settings)
    if secret_key is None:
        raise InstanceError("no secret key: run `commentsvc init` first, or set COMMENTSVC_SECRET_KEY")
    app = Flask(
        __name__,
        instance_path=str(data_dir(settings)),
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    app.request_class = ReadStormRequest
    app.session_interface = CookieSessionInterface()
    app.config.update(settings)
    url = database_url(settings)
    app.config.update(
        COMMENTSVC_DATABASE_URL=url,
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(url),
        SECRET_KEY=secret_key,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        RATELIMIT_ENABLED=settings["COMMENTSVC_RATELIMIT_ENABLED"],
        RATELIMIT_HEADERS_ENABLED=False,
        **limiter_settings(
            storage_uri=settings["COMMENTSVC_RATELIMIT_STORAGE_URI"],
            fallback=settings["COMMENTSVC_RATELIMIT_FALLBACK"],
            key_prefix=settings["COMMENTSVC_RATELIMIT_KEY_PREFIX"],
        ),
        WTF_CSRF_CHECK_DEFAULT=False,  # the dashboard checks its own forms (web/dashboard/core.py)
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    if settings["COMMENTSVC_RESPONSE_CACHE_MB"]:
        app.wsgi_app = KeptReads(app, app.wsgi_app, settings["COMMENTSVC_RESPONSE_CACHE_MB"] * 1024 * 1024)  # type: ignore[method-assign]
    hops = settings["COMMENTSVC_TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    keep_connections(db)
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    install_session_events()
    app.extensions["commentsvc_response_cache"] = ResponseCache(settings["COMMENTSVC_RESPONSE_CACHE_MB"] * 1024 * 1024)
    app.extensions["commentsvc_regions"] = open_configured(settings["COMMENTSVC_GEOIP_DB"])
    limiter.init_app(app)
    csrf.init_app(app)
    cors.init_app(
        app,
        resources={r"/api/*": {"origins": allowed_origins(settings["COMMENTSVC_ALLOWED_ORIGINS"])}},
        allow_headers=[
            "Content-Type",
            "Authorization",
            "Idempotency-Key",
            "If-None-Match",
            "X-Commentsvc-Voter",
            "X-Commentsvc-SSO",
            "X-Commentsvc-Identity",
        ],
        expose_headers=["ETag", "Retry-After", "Location"],
        methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        max_age=600,
        # With every origin allowed, answer "*" rather than echo the Origin: one cached copy serves
        # every publisher's page (a CDN keeps one variant, not one per site).
        send_wildcard=True,
    )
    for blueprint in (api, health, widget, plain, dashboard, feeds, mail_links):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    register_cli(app)
    return app
