"""The signed-cookie session only moderators use: readers' API calls never pay for it."""

from __future__ import annotations

from flask import Flask, Request, Response, has_request_context, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked Secure per request when it came over HTTPS."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        # Readers' API calls carry no session cookie: skip parsing cookies and building the signer.
        # The raw header is searched first, which cannot miss the cookie.
        name = self.get_cookie_name(app)
        if name not in request.environ.get("HTTP_COOKIE", "") or not request.cookies.get(name):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        # A reader's API call ends with an empty session nobody touched; Flask would work out all seven
        # cookie attributes before finding there is nothing to send.
        if not session and not session.accessed and not session.modified:
            return
        super().save_session(app, session, response)

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = app.config.get("COMMENTSVC_SECURE_COOKIES")
        if configured is not None:
            return bool(configured)
        # request.is_secure already reflects X-Forwarded-Proto from the trusted hops (ProxyFix).
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or (has_request_context() and request.is_secure)
