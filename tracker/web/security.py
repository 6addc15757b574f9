"""Cookies, CSRF tokens and the headers every response carries.

The session cookie holds a random token, signed so that a tampered cookie is refused before
the database is asked; the server keeps only the token's SHA-256. The CSRF token of a form is
an HMAC of the session token (or, before sign-in, of a random per-browser value), so it needs
no storage and changes with every session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from itsdangerous import BadSignature, Signer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "tracker_session"
FORM_COOKIE = "tracker_form"  # before sign-in: ties the sign-in form to this browser
CSRF_FIELD = "csrf_token"

CSP = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"


class Keys:
    """The secret behind cookie signatures and CSRF tokens."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()
        self._signer = Signer(self._secret, salt="tracker.cookie")

    def sign(self, value: str) -> str:
        return self._signer.sign(value).decode()

    def unsign(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            return self._signer.unsign(cookie).decode()
        except BadSignature:
            return None

    def csrf(self, bound_to: str) -> str:
        return hmac.new(self._secret, f"csrf:{bound_to}".encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, bound_to: str | None, given: str | None) -> bool:
        if not bound_to or not given:
            return False
        return hmac.compare_digest(self.csrf(bound_to), given)


def new_form_key() -> str:
    return secrets.token_urlsafe(32)


class SecurityHeaders:
    """Adds the security headers to every response; nothing but static files is cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CSP
                headers["X-Content-Type-Options"] = "nosniff"
                # A portal or feed address holds a secret: never pass it on.
                portal = str(scope.get("path", "")).startswith(("/s/", "/ics/"))
                headers["Referrer-Policy"] = "no-referrer" if portal else "same-origin"
                headers["X-Frame-Options"] = "DENY"
                if not static:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
