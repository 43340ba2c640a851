"""/api/history's indicators and intervals, and /api/actions, on SQLite and PostgreSQL (Flask's client)."""

from __future__ import annotations

import csv
import io
from datetime import date

import numpy as np
import pandas as pd
import pytest
import talib
from flask import Flask

from stockdash import actions
from stockdash.db import make_engine
from stockdash.intervals import resample
from stockdash.store import load_bars
from stockdash.web import api
from stockdash.web.jsonio import OrjsonProvider
from tests.web.conftest import services_for

BAR_FIELDS = ["date", "open", "high", "low", "close", "adj_close", "volume"]
ALL = "sma20,ema50,rsi14,macd,bb20,atr14"
ALL_FIELDS = [
    "sma20",
    "ema50",
    "rsi14",
    "macd",
    "macd_signal",
    "macd_hist",
    "bb20_upper",
    "bb20_middle",
    "bb20_lower",
    "atr14",
]


@pytest.fixture
def client(filled_url):
    server = Flask(__name__)
    server.json = OrjsonProvider(server)
    api.register(server, services_for(filled_url))
    return server.test_client()


@pytest.fixture
def stored(filled_url) -> pd.DataFrame:
    engine = make_engine(filled_url)
    with engine.connect() as conn:
        frame = load_bars(conn, "MSFT")
    engine.dispose()
    return frame


def talib_columns(bars: pd.DataFrame) -> pd.DataFrame:
    """The expected fields, from TA-Lib over every stored bar."""
    c, h, low = (bars[k].to_numpy(float) for k in ("close", "high", "low"))
    line = talib.EMA(c, 12) - talib.EMA(c, 26)
    upper, middle, lower = talib.BBANDS(c, 20, 2.0, 2.0, talib.MA_Type.SMA)
    cols = [talib.SMA(c, 20), talib.EMA(c, 50), talib.RSI(c, 14), line, talib.EMA(line, 9)]
    cols += [line - talib.EMA(line, 9), upper, middle, lower, talib.ATR(h, low, c, 14)]
    return pd.DataFrame(dict(zip(ALL_FIELDS, cols, strict=True)), index=[d.isoformat() for d in bars["date"]])


def assert_fields_match(got: list[dict], expected: pd.DataFrame) -> None:
    for bar in got:
        want = expected.loc[bar["date"]]
        for field in ALL_FIELDS:
            if np.isnan(want[field]):
                assert bar[field] is None, (bar["date"], field)
            else:
                assert bar[field] == pytest.approx(want[field], rel=1e-6, abs=1e-9), (bar["date"], field)


def test_indicators_are_exactly_the_fields_asked_and_independent_of_the_window(client, stored):
    whole = client.get(f"/api/history/MSFT?indicators={ALL}").get_json()
    assert whole["count"] == len(stored)
    assert all(list(bar) == BAR_FIELDS + ALL_FIELDS for bar in whole["bars"])
    expected = talib_columns(stored)
    assert_fields_match(whole["bars"], expected)
    assert whole["bars"][0]["sma20"] is None and whole["bars"][19]["sma20"] is not None
    # A late window: every value as over the whole history (EMA, RSI, ATR, MACD remember every bar).
    start = stored["date"].iloc[-30]
    window = client.get(f"/api/history/MSFT?indicators={ALL}&start={start}").get_json()["bars"]
    assert [b["date"] for b in window] == [d.isoformat() for d in stored["date"].iloc[-30:]]
    assert all(b[f] is not None for b in window for f in ALL_FIELDS)
    assert_fields_match(window, expected)
    by_date = {b["date"]: b for b in whole["bars"]}
    assert all(b == by_date[b["date"]] for b in window)
    plain = client.get(f"/api/history/MSFT?start={start}").get_json()["bars"]
    assert all(list(b) == BAR_FIELDS for b in plain)


def test_long_periods_are_null_only_while_the_history_is_too_short(client, stored):
    bars = client.get("/api/history/MSFT?indicators=sma400,ema2,EMA400").get_json()["bars"]
    assert list(bars[0]) == BAR_FIELDS + ["sma400", "ema2", "ema400"]
    assert [b["sma400"] is None for b in bars] == [i < 399 for i in range(len(bars))]
    assert [b["ema400"] is None for b in bars] == [i < 399 for i in range(len(bars))]
    assert bars[1]["ema2"] == pytest.approx(stored["close"].iloc[:2].mean())


def test_weekly_and_monthly_bars_with_indicators_on_them(client, stored):
    body = client.get("/api/history/MSFT?interval=1wk&indicators=rsi14,sma20").get_json()
    weeks = resample(stored.assign(date=pd.to_datetime(stored["date"])), "1wk")
    assert body["interval"] == "1wk" and body["count"] == len(weeks)
    assert [b["date"] for b in body["bars"]] == [f"{d:%Y-%m-%d}" for d in weeks["date"]]
    rsi = talib.RSI(weeks["close"].to_numpy(float), 14)
    assert body["bars"][-1]["rsi14"] == pytest.approx(rsi[-1], rel=1e-6)
    assert body["bars"][-1]["close"] == pytest.approx(stored["close"].iloc[-1], abs=1e-4)
    # A start inside a month gives that whole month, dated by its first session.
    mid = stored["date"].iloc[-40]
    months = client.get(f"/api/history/MSFT?interval=1mo&start={mid}").get_json()["bars"]
    assert months[0]["date"] <= mid.isoformat() and months[0]["date"][:7] == mid.isoformat()[:7]
    assert sum(m["volume"] for m in months) == stored[stored["date"] >= mid.replace(day=1)]["volume"].sum()


def test_indicators_in_csv(client, stored):
    resp = client.get(f"/api/history/MSFT?indicators={ALL}&format=csv")
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0] == BAR_FIELDS + ALL_FIELDS
    assert len(rows) == len(stored) + 1
    assert dict(zip(rows[0], rows[1], strict=True))["sma20"] == ""  # too short a history yet
    last = dict(zip(rows[0], rows[-1], strict=True))
    expected = talib_columns(stored).iloc[-1]
    for field in ALL_FIELDS:
        assert float(last[field]) == pytest.approx(expected[field], rel=1e-9)


@pytest.mark.parametrize(
    ("query", "param", "word"),
    [
        ("indicators=sma20,foo", "indicators", "'foo'"),
        ("indicators=sma1", "indicators", "'sma1'"),
        ("indicators=ema401", "indicators", "'ema401'"),
        ("indicators=rsi14,,macd", "indicators", "''"),
        ("indicators=vwap", "indicators", "'vwap'"),
        ("interval=1h", "interval", "'1h'"),
        ("interval=", "interval", "''"),
        ("indicator=sma20", "indicator", "unknown parameter"),
    ],
)
def test_bad_indicators_and_intervals_are_400s_naming_them(client, query, param, word):
    resp = client.get(f"/api/history/MSFT?{query}")
    assert resp.status_code == 400, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["param"] == param and word in body["error"]


def test_actions_json_and_csv(client, filled_url):
    engine = make_engine(filled_url)
    rows = pd.DataFrame(
        [
            ("MSFT", date(2025, 2, 19), "dividend", 0.83),
            ("MSFT", date(2025, 5, 15), "dividend", 0.83),
            ("MSFT", date(2025, 5, 15), "split", 1.046),
            ("MSFT", date(2025, 8, 20), "split", 0.1),
        ],
        columns=["symbol", "date", "kind", "value"],
    )
    with engine.begin() as conn:
        conn.execute(actions.corporate_actions.delete())  # this test owns what is stored
        actions.upsert(conn, rows)
    engine.dispose()
    body = client.get("/api/actions/msft?start=2025-03-01").get_json()
    assert body["symbol"] == "MSFT" and body["count"] == 3
    assert body["actions"] == [
        {"date": "2025-05-15", "kind": "dividend", "amount": 0.83, "numerator": None, "denominator": None},
        {"date": "2025-05-15", "kind": "split", "amount": None, "numerator": 523.0, "denominator": 500.0},
        {"date": "2025-08-20", "kind": "split", "amount": None, "numerator": 1.0, "denominator": 10.0},
    ]
    text = client.get("/api/actions/MSFT?format=csv&end=2025-05-15").get_data(as_text=True)
    assert text.splitlines() == [
        "date,kind,amount,numerator,denominator",
        "2025-02-19,dividend,0.83,,",
        "2025-05-15,dividend,0.83,,",
        "2025-05-15,split,,523.0,500.0",
    ]
    assert client.get("/api/actions/AAPL").get_json()["count"] >= 0


@pytest.mark.parametrize(
    ("path", "status", "word"),
    [
        ("/api/actions/ZZZZ", 404, "zzzz"),
        ("/api/actions/MSFT?start=2025-13-01", 400, "start"),
        ("/api/actions/MSFT?format=xml", 400, "format"),
        ("/api/actions/MSFT?since=2025-01-01", 400, "since"),
        ("/api/actions/M$FT", 400, "symbol"),
    ],
)
def test_actions_errors(client, path, status, word):
    resp = client.get(path)
    assert resp.status_code == status and word in resp.get_json()["error"].lower() + str(
        resp.get_json().get("param")
    )
