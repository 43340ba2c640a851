"""Security headers on every response, with a Content-Security-Policy the dashboard works under.

Scripts: only this origin's files and Dash's own inline scripts (the renderer's start-up line and
the clientside callbacks), allowed by their hashes. Styles: plotly.js and AG Grid set inline
styles, so 'unsafe-inline' there. Images: plotly draws its mode bar icons and exports as data:
and blob: URLs. Nothing may frame the page.
"""

from __future__ import annotations

from dash import Dash
from flask import Response, request


def content_security_policy(script_hashes: list[str]) -> str:
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def register(app: Dash) -> None:
    """Add the headers to every response; call after every callback is registered (their hashes)."""
    headers = {
        "Content-Security-Policy": content_security_policy(list(app.csp_hashes())),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP level 2
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }

    @app.server.after_request
    def _secure(response: Response) -> Response:
        response.headers.update(headers)
        if request.is_secure:  # behind the platform's router: X-Forwarded-Proto https
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response
