"""The moderation dashboard at /dashboard/ for editors: parse the form, call one service, audit, commit, redirect."""

from . import (  # noqa: F401  (each registers its routes)
    account_pages,
    article_pages,
    defence_pages,
    flood_pages,
    history_pages,
    identity_pages,
    import_pages,
    notification_pages,
    overview,
    policy_pages,
    queue_pages,
)
from .core import dashboard

__all__ = ["dashboard"]
