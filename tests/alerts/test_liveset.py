"""A rule's symbol joins the live set; beyond the cap it is polled, never left without quotes."""

from datetime import UTC, datetime

from sqlalchemy import select

from stockdash.alerts import rules
from stockdash.alerts.channels import parse_channels
from stockdash.config import Settings
from stockdash.live import liveset
from stockdash.live.service import LiveIngest
from stockdash.schema import live_quotes
from tests.harness import wait_for


def test_alert_symbols_join_the_live_set_and_those_over_the_cap_are_polled(engine, database_url):
    settings = Settings(
        _env_file=None, database_url=database_url, provider="demo", watchlist="AAPL,MSFT", live_max_symbols=3
    )
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for symbol in ("NVDA", "TSLA"):
            rules.add(conn, symbol=symbol, kind="price_above", value=999, channels=parse_channels(""))
        rules.add(conn, symbol="JPM", kind="rsi_below", value=None, channels=[])  # daily: no live quotes
        liveset.want(conn, ["META"], now=now, minutes=30)
        found = liveset.read(conn, settings, now=now)
    assert found.symbols == ["AAPL", "MSFT", "NVDA"]
    assert found.polled == ["TSLA"] and found.refused == ["META"]

    ingest = LiveIngest(engine, settings, source="demo", ignore_hours=True)
    ingest.start()
    try:

        def quoted() -> set[str]:
            with engine.connect() as conn:
                return set(conn.execute(select(live_quotes.c.symbol)).scalars())

        wait_for(lambda: {"NVDA", "TSLA"} <= quoted(), timeout=30, what="quotes for both alert symbols")
    finally:
        ingest.stop()
    assert "META" not in quoted() and "JPM" not in quoted()
