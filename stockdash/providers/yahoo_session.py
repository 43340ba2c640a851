"""A yfinance session that sends Yahoo's requests to another base URL (YAHOO_BASE_URL).

`https://query2.finance.yahoo.com/v8/finance/chart/AAPL?…` goes to
`{base}/query2.finance.yahoo.com/v8/finance/chart/AAPL?…`: the host stays in the path, so a
proxy or a local stand-in knows which of Yahoo's hosts was meant. yfinance's own request and
parsing code runs unchanged; only where the bytes come from differs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from curl_cffi import requests as curl_requests


def rebase(url: str, base: str) -> str:
    """`url` on `base` when it is one of Yahoo's hosts; any other URL unchanged."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not (host == "yahoo.com" or host.endswith(".yahoo.com")):
        return url
    query = f"?{parts.query}" if parts.query else ""
    return f"{base.rstrip('/')}/{host}{parts.path or '/'}{query}"


class RebasedSession(curl_requests.Session):
    """A real curl_cffi session (yfinance accepts no other) whose Yahoo requests go to `base`."""

    def __init__(self, base: str, **kwargs: Any) -> None:
        super().__init__(**{"impersonate": "chrome", **kwargs})
        self.base = base

    def request(self, method: Any, url: str, *args: Any, **kwargs: Any) -> curl_requests.Response:
        return super().request(method, rebase(url, self.base), *args, **kwargs)
