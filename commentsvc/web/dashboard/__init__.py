"""The moderation dashboard at /dashboard/ for editors: parse the form, call one service, audit, commit, redirect."""

from . import account_pages, article_pages, overview, policy_pages, queue_pages  # noqa: F401  (each registers its routes)
from .core import dashboard

__all__ = ["dashboard"]
