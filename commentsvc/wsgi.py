"""WSGI entry point for servers: `gunicorn commentsvc.wsgi:app`."""

from . import create_app

app = create_app()
