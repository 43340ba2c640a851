"""Every setting, read once from the environment (and a local `.env`), validated at start."""

from __future__ import annotations

import sys
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var"


def normalise_database_url(url: str) -> str:
    """Accept Heroku's `postgres://` (rejected by SQLAlchemy 2) and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def parse_window(text: str) -> tuple[time, time] | None:
    """Parse `HH:MM-HH:MM` (may wrap midnight); empty or `off` means no window."""
    text = text.strip()
    if text.lower() in ("", "off", "none"):
        return None
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError as exc:
        raise ValueError("expected HH:MM-HH:MM, e.g. 02:00-07:00") from exc
    if start == end:
        raise ValueError("start and end are equal; use 'off' for no window")
    return start, end


# Large caps and index ETFs, plus one symbol that trades around the clock.
DEFAULT_WATCHLIST = "AAPL,MSFT,NVDA,AMZN,GOOGL,META,TSLA,JPM,SPY,QQQ,DIA,IWM,BTC-USD"

# Never echoed back in an error: they may hold a password.
SECRET_VARIABLES = {"DATABASE_URL", "REDIS_URL", "ALERT_CHANNELS", "ADMIN_TOKEN", "SECRET_KEY"}
TOKEN_HINT = "use at least 16 characters (python -c 'import secrets; print(secrets.token_urlsafe())')"


def _minutes(start: time, end: time) -> int:
    """Length of a daily window in minutes; a window whose end is before its start wraps midnight."""
    length = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return length if length > 0 else length + 24 * 60


class Settings(BaseSettings):
    """One place that lists every variable, its default and what it means."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str | None = Field(
        None, description="SQLAlchemy URL; unset = SQLite file under var/ (postgres:// accepted)"
    )
    var_dir: Path = Field(
        VAR_DIR, description="folder of the SQLite files (no DATABASE_URL) and the auto provider's choice"
    )
    provider: Literal["auto", "yahoo", "demo"] = Field(
        "auto", description="price source: yahoo, demo (offline), auto = yahoo when reachable"
    )
    universe: str = Field(
        "sp500,etfs,markets",
        description="groups (sp500, etfs, markets, total) and/or symbols to pull, comma-separated",
    )
    history_years: int = Field(10, ge=1, le=60, description="years of daily bars the first pull fetches")
    app_url: str | None = Field(None, description="public URL of the web process; enables keep-alive")
    keepalive_minutes: int = Field(20, ge=1, le=29, description="keep-alive ping interval (under 30)")
    downtime: str = Field("02:00-07:00", description="local window with no keep-alive pings, or 'off'")
    pull_delay_minutes: int = Field(30, ge=0, le=360, description="daily pull runs this long after the close")
    job_runs_keep_days: int = Field(90, ge=1, description="job-run log rows older than this are pruned")
    yahoo_chunk_size: int = Field(100, ge=1, le=500, description="symbols per Yahoo download call")
    pull_chunk_size: int = Field(
        100, ge=1, le=500, description="symbols an in-process pull fetches and commits together"
    )
    yahoo_threads: int = Field(4, ge=1, le=16, description="parallel Yahoo requests within a chunk")
    yahoo_timeout: float = Field(20.0, gt=0, le=120, description="seconds before a Yahoo request times out")
    yahoo_retries: int = Field(4, ge=0, le=10, description="retries on HTTP 429 and timeouts, with backoff")
    yahoo_base_url: str | None = Field(
        None, description="send Yahoo's requests here instead (a proxy or a local stand-in); unset = Yahoo"
    )
    redis_url: str | None = Field(
        None, description="Redis for the worker queue (rediss:// accepted); unset = no queue, no workers"
    )
    queue_chunk_size: int = Field(50, ge=1, le=500, description="symbols per pull job on the worker queue")
    stale_after_hours: int = Field(
        20, ge=1, description="web fetches a ticker whose bars are older than this"
    )
    provider_fetches_per_minute: int = Field(
        30, ge=0, le=10_000, description="on-demand provider fetches per minute, all web visitors together"
    )
    provider_fetches_per_client: int = Field(
        5, ge=0, le=10_000, description="on-demand provider fetches per minute for one visitor (IP)"
    )
    yahoo_stream_url: str = Field(
        "wss://streamer.finance.yahoo.com/?version=2", description="Yahoo's live price streamer (websocket)"
    )
    watchlist: str = Field(DEFAULT_WATCHLIST, description="symbols always streamed live, comma-separated")
    live_want_minutes: int = Field(
        30, ge=1, le=24 * 60, description="a symbol a visitor asked for stays live this long"
    )
    live_max_symbols: int = Field(50, ge=1, le=500, description="most symbols streamed at once")
    live_silence_seconds: int = Field(
        60, ge=5, le=3600, description="a stream silent this long while its symbols trade is dropped"
    )
    live_fallback_seconds: int = Field(
        120, ge=1, le=3600, description="without a stream connection this long, poll quotes instead"
    )
    quote_seconds: int = Field(
        15, ge=5, le=3600, description="quote polling interval while the stream is down"
    )
    intraday_keep_days: int = Field(7, ge=1, le=365, description="minute bars older than this are pruned")
    # --- delivered alerts (issue 19) ---
    alert_channels: str | None = Field(
        None, description="secret: Apprise URLs the owner's alerts go to (mailto://, tgram://, ntfy://, ...)"
    )
    admin_token: str | None = Field(
        None, description="secret: the owner's token to manage alerts in the page; unset = no sign-in"
    )
    secret_key: str | None = Field(
        None, description="secret: signs the owner's session cookie; required with ADMIN_TOKEN"
    )
    alert_give_up_minutes: int = Field(
        60, ge=1, le=7 * 24 * 60, description="an alert a channel keeps refusing is given up after this long"
    )
    alert_history_keep_days: int = Field(
        90, ge=1, le=3650, description="alert firings older than this (all sent) are pruned"
    )
    dash_debug: bool = Field(False, description="Dash debug mode; never in production")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="log level")

    @field_validator("database_url")
    @classmethod
    def _normalise_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        url = normalise_database_url(value.strip())
        try:
            backend = make_url(url).get_backend_name()
        except ArgumentError as exc:
            raise ValueError("not a database URL (e.g. postgresql://user@host/db or sqlite:///path)") from exc
        if backend not in ("postgresql", "sqlite"):
            raise ValueError(f"{backend} is not supported; use PostgreSQL or SQLite")
        return url

    @field_validator("redis_url", "yahoo_base_url")
    @classmethod
    def _blank_is_unset(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or not value.strip():
            return None
        schemes = (
            ("redis://", "rediss://", "unix://")
            if info.field_name == "redis_url"
            else ("http://", "https://")
        )
        if not value.strip().startswith(schemes):
            raise ValueError(f"expected a URL starting with {' or '.join(schemes)}")
        return value.strip()

    @field_validator("alert_channels", "admin_token", "secret_key")
    @classmethod
    def _check_alert_secrets(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or not value.strip():
            return None
        if info.field_name == "alert_channels":
            from stockdash.alerts.channels import parse_channels

            parse_channels(value)  # ValueError names the bad entry, masked
        elif len(value.strip()) < 16:
            raise ValueError(TOKEN_HINT)
        return value.strip()

    @model_validator(mode="after")
    def _key_with_token(self) -> Settings:
        if self.admin_token and not self.secret_key:
            raise ValueError("SECRET_KEY: required when ADMIN_TOKEN is set (it signs the session cookie)")
        return self

    @field_validator("downtime")
    @classmethod
    def _check_downtime(cls, value: str, info: ValidationInfo) -> str:
        window = parse_window(value)
        interval = info.data.get("keepalive_minutes", 20)
        if window and _minutes(*window) > 24 * 60 - interval:
            raise ValueError(f"leaves no time for a keep-alive ping every {interval} minutes")
        return value

    @field_validator("universe")
    @classmethod
    def _check_universe(cls, value: str) -> str:
        from stockdash.symbols import InvalidSymbol
        from stockdash.universe import resolve

        try:
            if not resolve(value):
                raise ValueError("name at least one group (sp500, etfs, markets, total) or symbol")
        except InvalidSymbol as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("watchlist")
    @classmethod
    def _check_watchlist(cls, value: str) -> str:
        from stockdash.symbols import InvalidSymbol, normalise_many

        try:
            normalise_many([s for s in value.split(",") if s.strip()])
        except InvalidSymbol as exc:
            raise ValueError(str(exc)) from None
        return value

    @property
    def watchlist_symbols(self) -> list[str]:
        from stockdash.symbols import normalise_many

        return normalise_many([s for s in self.watchlist.split(",") if s.strip()])

    @property
    def downtime_window(self) -> tuple[time, time] | None:
        return parse_window(self.downtime)


def describe_error(exc: ValidationError) -> str:
    """One line naming the variable, e.g. `KEEPALIVE_MINUTES: Input should be less than or equal to 29`."""
    err = exc.errors()[0]
    if not err["loc"]:  # a check across settings names its variable in the message itself
        return f"config error: {err['msg'].removeprefix('Value error, ')}"
    name = str(err["loc"][0]).upper()
    got = "" if name in SECRET_VARIABLES else f" (got {err.get('input')!r})"
    return f"config error: {name}: {err['msg']}{got}"


@lru_cache
def get_settings() -> Settings:
    """Settings for this process; a bad value ends it with one clear line."""
    try:
        return Settings()
    except ValidationError as exc:
        sys.exit(describe_error(exc))
