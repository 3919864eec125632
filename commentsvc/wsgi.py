"""WSGI entry point for servers: `gunicorn commentsvc.wsgi:app`. Runs `commentsvc init` first, so the
embedded default needs no extra step, and reports rate-limit storage outages in one log line."""

import os

from . import create_app
from .config import load_settings
from .instance import init_instance
from .web.ratelimits import install_outage_log

_settings = load_settings(os.environ, None)
init_instance(_settings)
install_outage_log(
    storage_uri=_settings["COMMENTSVC_RATELIMIT_STORAGE_URI"], fallback=_settings["COMMENTSVC_RATELIMIT_FALLBACK"]
)
app = create_app()
