"""What the clock's live jobs do; the clock only decides when."""

from __future__ import annotations

from sqlalchemy import Engine

from stockdash.config import Settings
from stockdash.live.service import LiveIngest
from stockdash.live.stream_command import source_for


def make_ingest(settings: Settings, engine: Engine, *, provider_name: str) -> LiveIngest:
    """The clock's one live ingest, streaming from Yahoo, or walking in demo for demo data."""
    return LiveIngest(engine, settings, source=source_for(provider_name))


def session_edge(ingest: LiveIngest) -> str:
    """At the pre-market open or the post-market close: start if needed, re-read the live set now."""
    ingest.start()
    ingest.refresh()
    return f"live={ingest.status()['state']}"
