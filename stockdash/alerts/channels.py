"""The owner's delivery channels (ALERT_CHANNELS): parsed once, named by number, never shown whole.

An Apprise URL holds tokens and passwords, so nothing outside this module reads `Channel.url`
except the one call that sends; everything else shows `label` (`#2 tgram`) and stores `key`
(a digest of the URL, so a delivery still finds its channel after the list is reordered).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

MASK = "…"
# Parts of a URL shorter than this are left in error text: ports, "json", "to", single words.
SECRET_MIN = 4
_PARTS = re.compile(r"[/:@?&=#,;+\s]+")
_SCHEMES = {"http", "https", "json", "jsons", "form", "forms", "xml", "xmls", "mailto", "mailtos"}


@dataclass(frozen=True)
class Channel:
    number: int  # 1-based position in ALERT_CHANNELS
    scheme: str
    key: str
    url: str = field(repr=False)

    @property
    def label(self) -> str:
        return f"#{self.number} {self.scheme}"

    def secrets(self) -> list[str]:
        """Every piece of the URL long enough to be a token, longest first (for scrubbing)."""
        rest = self.url.split("://", 1)[-1]
        parts = {p for p in _PARTS.split(rest) if len(p) >= SECRET_MIN and p.lower() not in _SCHEMES}
        return sorted({self.url, rest, *parts}, key=len, reverse=True)


def channel_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def _entries(text: str) -> list[str]:
    """ALERT_CHANNELS split as Apprise splits a list of URLs (spaces, commas between URLs)."""
    from apprise.utils.parse import parse_urls

    return [e for e in parse_urls(text) if e.strip()]


def parse_channels(text: str | None) -> list[Channel]:
    """The channels of ALERT_CHANNELS; ValueError naming the first bad entry, masked."""
    import apprise

    channels = []
    for number, url in enumerate(_entries(text or ""), start=1):
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        if apprise.Apprise.instantiate(url, suppress_exceptions=True) is None:
            shown = f"{scheme}://{MASK}" if scheme else "(not a URL)"
            raise ValueError(f"entry {number} {shown} is not a channel URL Apprise can use")
        channels.append(Channel(number=number, scheme=scheme, key=channel_key(url), url=url))
    return channels


def scrub(text: str, channels: list[Channel]) -> str:
    """`text` with every piece of every channel URL replaced by MASK."""
    for channel in channels:
        for secret in channel.secrets():
            text = text.replace(secret, MASK)
    return text


def parse_selection(text: str, channels: list[Channel]) -> str:
    """A rule's channels as stored ("" = all; else sorted numbers "1,3"); ValueError if unknown."""
    text = (text or "").strip().lower()
    if text in ("", "all"):
        return ""
    try:
        numbers = sorted({int(part.strip().lstrip("#")) for part in text.split(",") if part.strip()})
    except ValueError:
        raise ValueError(
            "channels: numbers from ALERT_CHANNELS, comma-separated (e.g. 1,3), or all"
        ) from None
    known = {c.number for c in channels}
    if unknown := [n for n in numbers if n not in known]:
        raise ValueError(f"channels: no channel #{unknown[0]} (ALERT_CHANNELS has {len(channels)})")
    return ",".join(map(str, numbers))


def selected(stored: str, channels: list[Channel]) -> list[Channel]:
    """The configured channels a rule goes to (a number no longer configured is skipped)."""
    if not stored:
        return list(channels)
    wanted = {int(n) for n in stored.split(",") if n}
    return [c for c in channels if c.number in wanted]


def warm() -> None:
    """Load Apprise and its plugins now (about a second): not on the first alert, and in an RQ
    worker before it forks, so each delivery job starts with them loaded."""
    import apprise

    apprise.Apprise.instantiate("json://localhost", suppress_exceptions=True)
