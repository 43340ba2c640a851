"""`GET /api/screener` against a real `gunicorn app:server` on the session's demo database."""

from __future__ import annotations

import csv
import io

import pytest
import requests

from stockdash.db import make_engine
from stockdash.screener import PRESETS, ROW_FIELDS
from tests.web.conftest import ETF_SAMPLE, SP500_SAMPLE
from tests.web.test_api import assert_json_error


def get(server, *pairs: tuple[str, str]):
    return requests.get(server.url + "/api/screener", params=list(pairs), timeout=10)


def test_rows_filtered_sorted_and_counted(server):
    resp = get(server, ("where", "rsi14>=0"), ("where", "relvol>0"), ("sort", "-pct_1d"), ("limit", "5"))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["group"] == "all" and body["as_of"]
    assert body["where"] == ["rsi14>=0", "relvol>0"] and body["sort"] == "-pct_1d"
    assert body["count"] == len(SP500_SAMPLE + ETF_SAMPLE) and len(body["rows"]) == 5
    pcts = [r["pct_1d"] for r in body["rows"]]
    assert pcts == sorted(pcts, reverse=True)
    assert set(body["rows"][0]) == set(ROW_FIELDS)
    everyone = get(server, ("sort", "-pct_1d"), ("limit", "1000")).json()["rows"]
    assert [r["symbol"] for r in everyone[:5]] == [r["symbol"] for r in body["rows"]]


def test_groups_sectors_booleans_and_pages(server):
    etfs = get(server, ("group", "etfs")).json()
    assert {r["symbol"] for r in etfs["rows"]} == set(ETF_SAMPLE) and etfs["count"] == 2
    energy = get(server, ("group", "sp500"), ("sector", "Energy")).json()
    assert {r["symbol"] for r in energy["rows"]} == {"XOM", "CVX"}
    above = get(server, ("where", "above_sma50=true"), ("limit", "1000")).json()
    assert above["rows"] and all(r["close"] > r["sma50"] for r in above["rows"])
    both = get(server, ("sort", "symbol"), ("limit", "3"), ("offset", "2")).json()
    assert [r["symbol"] for r in both["rows"]] == sorted(SP500_SAMPLE + ETF_SAMPLE)[2:5]


def test_an_earlier_snapshot_is_404_when_not_computed(server):
    assert_json_error(get(server, ("date", "2020-01-02")), 404, "no screener snapshot for 2020-01-02")


def test_csv_has_every_match(server):
    resp = get(server, ("format", "csv"), ("sort", "symbol"))
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert len(rows) == len(SP500_SAMPLE + ETF_SAMPLE)
    assert list(rows[0]) == list(ROW_FIELDS)
    assert [r["symbol"] for r in rows] == sorted(SP500_SAMPLE + ETF_SAMPLE)


def test_a_preset_is_its_filters_and_order(server):
    """`preset=` answers what its filters and sort answer; `sort` and `where` given with it apply too."""
    for name, preset in PRESETS.items():
        body = get(server, ("preset", name), ("limit", "1000")).json()
        plain = get(server, *[("where", w) for w in preset.filters], ("sort", preset.sort), ("limit", "1000"))
        assert body["preset"] == name and body["sort"] == preset.sort
        assert body["where"] == list(preset.filters)
        assert body["rows"] == plain.json()["rows"] and body["count"] == plain.json()["count"]
    everyone = get(server, ("preset", "gainers_1d"), ("limit", "1000")).json()
    pcts = [r["pct_1d"] for r in everyone["rows"]]
    assert everyone["count"] == len(SP500_SAMPLE + ETF_SAMPLE) and pcts == sorted(pcts, reverse=True)
    narrowed = get(server, ("preset", "gainers_1d"), ("where", "pct_1d<0"), ("sort", "symbol")).json()
    assert narrowed["where"] == ["pct_1d<0"] and narrowed["sort"] == "symbol"
    symbols = [r["symbol"] for r in narrowed["rows"]]
    assert symbols == sorted(r["symbol"] for r in everyone["rows"] if r["pct_1d"] < 0)
    assert 0 < narrowed["count"] < everyone["count"]


@pytest.mark.parametrize(
    ("pairs", "param", "words"),
    [
        ([("where", "rsi<30")], "where", ["unknown field 'rsi'"]),
        ([("where", "rsi14~30")], "where", ["operator"]),
        ([("where", "rsi14<low")], "where", ["takes a number"]),
        ([("where", "new_high_52w=maybe")], "where", ["true or false"]),
        ([("sort", "-nope")], "sort", ["unknown sort key 'nope'"]),
        ([("group", "nasdaq")], "group", ["'group' must be one of"]),
        ([("limit", "1001")], "limit", ["1 to 1000"]),
        ([("limit", "-1")], "limit", ["whole number"]),
        ([("offset", "x")], "offset", ["whole number"]),
        ([("format", "xml")], "format", ["'format' must be one of"]),
        ([("date", "2026-13-01")], "date", ["YYYY-MM-DD"]),
        ([("sort", "a"), ("sort", "b")], "sort", ["more than once"]),
        ([("filter", "rsi14<30")], "filter", ["unknown parameter 'filter'"]),
        ([("where", "x")] * 21, "where", ["at most 20"]),
        ([("preset", "moonshots")], "preset", ["unknown preset 'moonshots'", "new_highs"]),
        ([("preset", "oversold"), ("where", "x<1")], "where", ["unknown field 'x'"]),
    ],
)
def test_bad_parameters_are_a_400_naming_them(server, pairs, param, words):
    body = assert_json_error(get(server, *pairs), 400, *words)
    assert body["param"] == param


def test_no_snapshot_yet_is_a_404(filled_url, tmp_path):
    """A database with bars and movers but no snapshot (before the first daily run ends)."""
    from sqlalchemy import delete

    from stockdash.schema import screener, screener_versions
    from tests.harness import start_gunicorn, stop_gunicorn

    engine = make_engine(filled_url)
    with engine.begin() as conn:
        conn.execute(delete(screener))
        conn.execute(delete(screener_versions))
    engine.dispose()
    srv = start_gunicorn(filled_url, tmp_path / "gunicorn.log")
    try:
        assert_json_error(get(srv), 404, "no screener snapshot has been computed yet")
        ok = get(srv, ("where", "rsi14<30"), ("limit", "1000"))
        assert ok.status_code == 404
    finally:
        stop_gunicorn(srv)
