"""The wanted table stays bounded and is pruned; an exception with an empty message breaks neither the
live writer thread nor the live API's 503 answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from stockdash import jobs
from stockdash.live import liveset, shared_reads
from stockdash.live.service import LiveIngest
from stockdash.schema import live_wanted
from stockdash.web.api import live as live_api
from tests.harness import wait_for


def _wanted(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(live_wanted.c.symbol).order_by(live_wanted.c.symbol)).scalars())


def test_a_flood_of_asks_for_new_symbols_stays_under_the_cap(engine, live_settings, monkeypatch):
    # Many processes over a long time are one process without its per-second budget.
    monkeypatch.setattr(shared_reads, "WANTS_PER_SECOND", 10**6)
    app = Flask(__name__)
    # One snapshot for the whole flood: refreshed (every second) it would say "full" once a Q
    # symbol took the last live slot, and how many were wanted before would depend on the machine.
    reads = shared_reads.LiveReads(lambda: engine, live_settings, ttl=3600)
    app.register_blueprint(live_api.blueprint(reads))
    client = app.test_client()
    asked = [f"Q{i:04d}" for i in range(liveset.MAX_WANTED + 200)]
    for start in range(0, len(asked), live_api.MAX_SYMBOLS_PER_REQUEST):
        batch = asked[start : start + live_api.MAX_SYMBOLS_PER_REQUEST]
        assert client.get("/api/quotes?symbols=" + ",".join(batch)).status_code == 200
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(live_wanted)).scalar_one()
    assert count == liveset.MAX_WANTED
    assert _wanted(engine)[:3] == ["Q0000", "Q0001", "Q0002"]  # first come keep their place


def test_housekeeping_prunes_lapsed_wants(engine, live_settings):
    now = datetime.now(UTC)
    with engine.begin() as conn:
        liveset.want(conn, ["OLD"], now=now - timedelta(days=3), minutes=live_settings.live_want_minutes)
        liveset.want(conn, ["NEW"], now=now, minutes=live_settings.live_want_minutes)
    result = jobs.housekeeping(engine, live_settings)
    assert result.status == "ok" and "1 lapsed live wants" in result.message
    assert _wanted(engine) == ["NEW"]


def test_the_live_api_answers_503_for_a_database_error_with_an_empty_message(live_settings, caplog):
    def engine():
        raise SQLAlchemyError("")

    app = Flask(__name__)
    app.register_blueprint(live_api.blueprint(shared_reads.LiveReads(engine, live_settings)))
    response = app.test_client().get("/api/quotes?symbols=MSFT")
    assert response.status_code == 503
    assert response.get_json()["error"] == "the database is not answering; try again shortly"
    assert "live api database error: SQLAlchemyError" in caplog.text


def test_the_live_writer_survives_an_exception_with_an_empty_message(engine, live_settings, caplog):
    ingest = LiveIngest(engine, live_settings, source="demo", symbols=["MSFT"], ignore_hours=True)
    flush, calls = ingest.writer.flush, []

    def first_flush_fails() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError()
        return flush()

    ingest.writer.flush = first_flush_fails  # type: ignore[method-assign]
    ingest.start()
    try:
        wait_for(lambda: len(calls) >= 3, timeout=10, what="the writer to flush again after a failure")
        assert ingest.running
    finally:
        assert ingest.stop()
    assert "live write failed: RuntimeError" in caplog.text
