"""Who is the owner: a signed session cookie (Flask's, keyed by SECRET_KEY) set by a good token."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta

from flask import Flask, has_request_context, request, session
from sqlalchemy import Engine

from stockdash.alerts import signins
from stockdash.config import Settings
from stockdash.web.client import client_address

SESSION_KEY = "owner"
SESSION_DAYS = 7

OFF = (
    "Server-side alerts are off. To have alerts reach you with no tab open, set ADMIN_TOKEN, "
    "SECRET_KEY and ALERT_CHANNELS (e-mail, Telegram, Discord, Slack, ntfy or a webhook) on the "
    "server and restart it: see docs/alerts.md."
)
WRONG = "That is not the owner's token."
TOO_MANY = "Too many sign-in attempts from here: try again in a few minutes."
SIGN_IN_FIRST = "Sign in to manage alerts first."


def configure(server: Flask, settings: Settings) -> None:
    """The session cookie's key and flags; without SECRET_KEY there are no sessions at all."""
    if not (settings.admin_token and settings.secret_key):
        return
    server.secret_key = settings.secret_key
    server.config.update(
        SESSION_COOKIE_NAME="stockdash_owner",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=(settings.app_url or "").startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(days=SESSION_DAYS),
    )


def enabled(settings: Settings) -> bool:
    return bool(settings.admin_token and settings.secret_key)


def is_owner(settings: Settings) -> bool:
    """Whether this request carries the owner's session (for the current ADMIN_TOKEN)."""
    if not enabled(settings) or not has_request_context():
        return False
    held = session.get(SESSION_KEY)
    mark = signins.owner_mark(settings.admin_token or "", settings.secret_key or "")
    return isinstance(held, str) and hmac.compare_digest(held, mark)


def sign_in(settings: Settings, engine: Engine, token: object, *, now: datetime | None = None) -> str | None:
    """Start the owner's session if `token` is right; None, or why not (a plain message)."""
    if not enabled(settings):
        return OFF
    with engine.begin() as conn:
        if not signins.allowed(conn, client_address(request) or "unknown", now=now or datetime.now(UTC)):
            return TOO_MANY
    if not isinstance(token, str) or not signins.token_matches(token, settings.admin_token or ""):
        return WRONG
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = signins.owner_mark(settings.admin_token or "", settings.secret_key or "")
    return None


def sign_out() -> None:
    session.pop(SESSION_KEY, None)
