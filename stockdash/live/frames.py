"""Yahoo streamer frames decoded by yfinance's own code into typed quotes.

A text frame is JSON `{"type": "pricing", "message": <base64 protobuf PricingData>}`. yfinance's
decoder gives int64 fields as strings and leaves out fields equal to zero (a pre-market frame
has no `market_hours`, an unchanged price no `change`); a heartbeat decodes to `{}`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from yfinance.live import BaseWebSocket

from stockdash.live.hours import session_from_frame


class FrameError(ValueError):
    """A frame that is not a pricing message we can read."""


@dataclass(frozen=True)
class Quote:
    """One snapshot of a symbol, whatever the source (stream, poll, demo)."""

    symbol: str
    time: datetime  # Yahoo's own timestamp, tz-aware UTC
    price: float
    change: float | None
    pct_change: float | None
    day_volume: int | None
    session: str  # pre | regular | post
    source: str  # stream | poll | demo


@lru_cache
def _decoder() -> BaseWebSocket:
    return BaseWebSocket(verbose=False)


def decode_message(base64_message: str) -> dict:
    """The PricingData fields of one message, through yfinance's `_decode_message`."""
    try:
        decoded = _decoder()._decode_message(base64_message)
    except Exception as exc:  # yfinance raises when its hide_exceptions is off
        raise FrameError(f"undecodable message: {type(exc).__name__}") from None
    if "error" in decoded and "raw_base64" in decoded:  # yfinance's answer when it hides exceptions
        raise FrameError(f"undecodable message: {decoded['error'][:80]}")
    return decoded


def parse_text_frame(text: str | bytes) -> dict:
    """The decoded fields of one websocket text frame; {} for a heartbeat."""
    try:
        wrapper = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise FrameError("not JSON") from None
    if not isinstance(wrapper, dict):
        raise FrameError("not a JSON object")
    message = wrapper.get("message", "")
    if not isinstance(message, str):
        raise FrameError("message is not a string")
    return decode_message(message) if message else {}


def _number(fields: dict, key: str) -> float | None:
    value = fields.get(key)
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def to_quote(fields: dict, *, source: str = "stream") -> Quote | None:
    """A Quote from decoded fields; None for a heartbeat or a frame without symbol, time or price."""
    symbol, raw_time, price = fields.get("id"), fields.get("time"), _number(fields, "price")
    if not symbol or raw_time is None or price is None or price <= 0:
        return None
    try:
        stamp = datetime.fromtimestamp(int(raw_time) / 1000, UTC)
        volume = fields.get("day_volume")
        return Quote(
            symbol=str(symbol).upper(),
            time=stamp,
            price=price,
            # Absent means zero in proto3: an unchanged price.
            change=_number(fields, "change") or 0.0,
            pct_change=_number(fields, "change_percent") or 0.0,
            day_volume=int(volume) if volume is not None else None,
            session=session_from_frame(fields.get("market_hours")),
            source=source,
        )
    except (ValueError, OverflowError, OSError) as exc:
        raise FrameError(f"bad field value: {exc}") from None


def quote_from_frame(text: str | bytes) -> Quote | None:
    """One websocket text frame as a Quote (None for a heartbeat); FrameError when it does not decode."""
    return to_quote(parse_text_frame(text))
