from datetime import date

from stockdash import jobs, providers
from stockdash.db import database_url
from stockdash.providers.demo import DemoProvider


def test_auto_keeps_to_the_provider_a_database_holds(engine, settings, database_url, monkeypatch):
    monkeypatch.setattr(providers, "_yahoo_reachable", lambda: True)
    auto = settings.model_copy(update={"provider": "auto", "history_years": 1})
    providers._held.clear()
    assert providers.resolve_provider_name(auto) == "yahoo"  # empty database: Yahoo answers
    jobs.pull(
        engine, DemoProvider(today=date(2026, 11, 20)), auto, symbols=["AAPL"], today=date(2026, 11, 20)
    )
    providers._held.clear()
    assert providers.resolve_provider_name(auto) == "demo"  # holds demo data: stays demo
    providers._held.clear()


def test_auto_without_yahoo_falls_back_to_demo(settings, monkeypatch):
    monkeypatch.setattr(providers, "_yahoo_reachable", lambda: False)
    auto = settings.model_copy(update={"provider": "auto", "database_url": None})
    assert providers.resolve_provider_name(auto) == "demo"
    assert database_url(auto).endswith("var/demo.db")
