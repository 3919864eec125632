"""Gunicorn settings for an app server behind a reverse proxy.

Run: `gunicorn -c python:commentsvc.gunicorn_conf commentsvc.wsgi:app`.

Command-line flags and GUNICORN_CMD_ARGS override anything here, e.g. `--bind 0.0.0.0:8000 --workers 9`.
"""

import multiprocessing

bind = "127.0.0.1:8000"
# Workers hold no state (comments live in PostgreSQL, limits in Redis), so add as many as the CPUs allow.
workers = 2 * multiprocessing.cpu_count() + 1
worker_class = "gthread"
threads = 4
# No preload: every worker opens its own database connections after the fork, never shares the master's.
preload_app = False
timeout = 30
graceful_timeout = 20
# A little longer than nginx's upstream keepalive, so nginx closes idle connections first.
keepalive = 75
# Recycle workers now and then, jittered so they never all restart at once.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"

# Several gunicorns on one host would otherwise share one control socket in $HOME (gunicorn 27+).
control_socket_disable = True

# commentsvc's own warnings (database unavailable, rate-limit storage unreachable) go to the error log
# with a timestamp, a level and the logger's name, beside gunicorn's; each line is written once.
logconfig_dict = {
    "root": {"level": "WARNING", "handlers": []},
    "loggers": {
        "gunicorn.error": {
            "level": "INFO",
            "handlers": ["error_console"],
            "propagate": False,
            "qualname": "gunicorn.error",
        },
        "gunicorn.access": {
            "level": "INFO",
            "handlers": ["console"],
            "propagate": False,
            "qualname": "gunicorn.access",
        },
        "commentsvc": {"level": "INFO", "handlers": ["commentsvc_console"], "propagate": False},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "generic", "stream": "ext://sys.stdout"},
        "error_console": {"class": "logging.StreamHandler", "formatter": "generic", "stream": "ext://sys.stderr"},
        "commentsvc_console": {"class": "logging.StreamHandler", "formatter": "named", "stream": "ext://sys.stderr"},
    },
    "formatters": {
        "generic": {
            "format": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s",
            "datefmt": "[%Y-%m-%d %H:%M:%S %z]",
            "class": "logging.Formatter",
        },
        "named": {
            "format": "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s",
            "datefmt": "[%Y-%m-%d %H:%M:%S %z]",
            "class": "logging.Formatter",
        },
    },
}
