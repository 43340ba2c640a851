"""The HTTP contract, against a real `gunicorn app:server` (gunicorn.conf.py, 2 workers)."""

from __future__ import annotations

import csv
import io

import pytest
import requests

from stockdash.db import make_engine
from stockdash.store import load_bars
from stockdash.web.api import MAX_URL_BYTES
from stockdash.web.api.history import CSV_COLUMNS
from tests.harness import CHART_OUTPUTS, dash_payload, movers_payload, start_gunicorn, stop_gunicorn


def get(server, path, **params):
    return requests.get(server.url + path, params=params, timeout=10)


def assert_json_error(resp, status: int, *words: str) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert body["error"]
    for word in words:
        assert word in body["error"]
    return body


def test_healthz(server):
    resp = get(server, "/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok", "database": "ok"}


def test_page_is_served_without_debug_tools(server):
    resp = get(server, "/")
    assert resp.status_code == 200
    assert "<title>stockdash</title>" in resp.text
    assert '"ui": true' not in resp.text.replace('"ui":true', '"ui": true')  # DASH_DEBUG=0: no dev tools UI


def test_two_workers_from_web_concurrency(server):
    import subprocess
    import time

    deadline = time.monotonic() + 15  # the server answers as soon as its first worker is up
    while True:
        out = subprocess.run(["pgrep", "-P", str(server.proc.pid)], capture_output=True, text=True).stdout
        if len(out.split()) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(out.split()) == 2


def test_history_json(server, demo_db_file):
    resp = get(server, "/api/history/msft", start="2026-01-01", end="2026-03-31")
    assert resp.status_code == 200
    body = resp.json()
    assert body["symbol"] == "MSFT" and body["name"] == "Microsoft" and body["provider"] == "demo"
    engine = make_engine(f"sqlite:///{demo_db_file}")
    with engine.connect() as conn:
        from datetime import date

        expected = load_bars(conn, "MSFT", start=date(2026, 1, 1), end=date(2026, 3, 31))
    engine.dispose()
    assert body["count"] == len(body["bars"]) == len(expected)
    first = body["bars"][0]
    assert set(first) == {"date", "open", "high", "low", "close", "adj_close", "volume"}
    assert first["date"] == expected["date"].iloc[0].isoformat()
    assert first["close"] == pytest.approx(expected["close"].iloc[0], abs=1e-4)
    assert isinstance(first["volume"], int)


def test_history_csv(server):
    resp = get(server, "/api/history/AAPL", start="2026-06-01", end="2026-06-30", format="csv")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert list(rows[0]) == ["date", "open", "high", "low", "close", "adj_close", "volume"]
    assert rows[0]["date"] >= "2026-06-01" and rows[-1]["date"] <= "2026-06-30"
    assert rows[0]["volume"].isdigit()
    assert 18 <= len(rows) <= 22


def test_history_of_several_symbols_as_one_csv(server):
    # What Download CSV gives for a compare chart: every compared ticker, one after another.
    resp = get(
        server, "/api/history", symbols="AAPL,msft,SPY", start="2026-06-01", end="2026-06-30", format="csv"
    )
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/csv")
    assert 'filename="AAPL_MSFT_SPY_2026-06-01_2026-06-30.csv"' in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert list(rows[0]) == ["symbol", "date", "open", "high", "low", "close", "adj_close", "volume"]
    per_symbol = {s: [r for r in rows if r["symbol"] == s] for s in ("AAPL", "MSFT", "SPY")}
    single = list(csv.DictReader(io.StringIO(get(
        server, "/api/history/MSFT", start="2026-06-01", end="2026-06-30", format="csv").text)))  # fmt: skip
    assert [{k: v for k, v in r.items() if k != "symbol"} for r in per_symbol["MSFT"]] == single
    assert len(rows) == 3 * len(single) and all(per_symbol.values())
    body = get(server, "/api/history", symbols="AAPL,SPY").json()
    assert body["symbols"] == ["AAPL", "SPY"] and [s["symbol"] for s in body["series"]] == ["AAPL", "SPY"]


def test_history_of_symbols_is_always_symbols_and_series(server):
    """Issue 20: `symbols=` with one symbol answered the single-symbol shape and a CSV without `symbol`."""
    one = get(server, "/api/history", symbols="msft", start="2026-06-01", end="2026-06-30")
    assert one.status_code == 200 and set(one.json()) == {"symbols", "series"}
    single = get(server, "/api/history/MSFT", start="2026-06-01", end="2026-06-30").json()
    assert one.json() == {"symbols": ["MSFT"], "series": [single]}
    listed = get(server, "/api/history", symbols="MSFT", start="2026-06-01", end="2026-06-30", format="csv")
    rows = list(csv.DictReader(io.StringIO(listed.text)))
    assert list(rows[0]) == ["symbol", *CSV_COLUMNS] and {r["symbol"] for r in rows} == {"MSFT"}
    assert len(rows) == single["count"] > 0


@pytest.mark.parametrize(
    ("length", "status", "words"),
    [
        (MAX_URL_BYTES, 400, ["start", "YYYY-MM-DD"]),  # as long as the app takes: validated as ever
        (MAX_URL_BYTES + 1, 414, [str(MAX_URL_BYTES)]),  # past gunicorn's old 4094-byte line
        (8000, 414, [str(MAX_URL_BYTES)]),
    ],
)
def test_an_overlong_url_is_a_json_error(server, length, status, words):
    path = "/api/history/MSFT?start="
    url = path + "9" * (length - len(path))
    assert_json_error(requests.get(server.url + url, timeout=10), status, *words)


def test_a_request_line_past_gunicorns_limit_is_still_refused(server):
    """The one limit left to gunicorn (docs/api.md): a request line over 8190 bytes, its own 414."""
    resp = requests.get(server.url + "/api/history?symbols=" + "A," * 4200, timeout=10)
    assert resp.status_code == 414


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("/api/history", {}, 400, ["symbols", "1 to 6"]),
        ("/api/history", {"symbols": "A,B,C,D,E,F,G"}, 400, ["1 to 6"]),
        ("/api/history", {"symbols": "AAPL,$$$"}, 400, ["not a valid ticker"]),
        ("/api/history", {"symbols": "AAPL,ZZZZ"}, 404, ["ZZZZ"]),
        ("/api/history", {"symbols": "AAPL", "format": "html"}, 400, ["format"]),
        ("/api/history", {"symbols": "AAPL", "symbol": "MSFT"}, 400, ["unknown parameter 'symbol'"]),
        ("/api/history/ZZZZ", {}, 404, ["ZZZZ"]),
        ("/api/history/MS$FT", {}, 400, ["not a valid ticker"]),
        ("/api/history/" + "A" * 30, {}, 400, ["too long"]),
        ("/api/history/MSFT", {"start": "2026-13-01"}, 400, ["start", "YYYY-MM-DD"]),
        ("/api/history/MSFT", {"end": "soon"}, 400, ["end"]),
        ("/api/history/MSFT", {"start": "2026-05-01", "end": "2026-01-01"}, 400, ["after"]),
        ("/api/history/MSFT", {"format": "xml"}, 400, ["format", "json, csv"]),
        ("/api/movers", {"horizon": "2d"}, 400, ["horizon", "1d, 1w, 1m, 1y"]),
        ("/api/movers", {"group": "nasdaq"}, 400, ["group"]),
        ("/api/movers", {"date": "20-11-2026"}, 400, ["date"]),
        ("/api/movers", {"date": "2001-01-02"}, 404, ["no movers snapshot"]),
        ("/api/history/MSFT", {"start": "20260101"}, 400, ["YYYY-MM-DD"]),
        ("/api/history/MSFT", {"from": "2026-01-01"}, 400, ["unknown parameter 'from'"]),
        ("/api/history/%C4%B1bm", {}, 400, ["not a valid ticker"]),
        ("/api/movers", {"horizon": ["1d", "1w"]}, 400, ["more than once"]),
        ("/api/nothing-here", {}, 404, []),
    ],
)
def test_bad_input_is_a_json_4xx(server, path, params, status, words):
    assert_json_error(get(server, path, **params), status, *words)


def test_wrong_method_is_json_405(server):
    assert_json_error(requests.post(server.url + "/api/movers", timeout=10), 405)


def test_movers_json(server):
    body = get(server, "/api/movers", horizon="1d", group="sp500").json()
    assert set(body) == {"as_of", "horizon", "group", "gainers", "losers"}
    assert (body["horizon"], body["group"]) == ("1d", "sp500")
    assert len(body["gainers"]) == len(body["losers"]) == 10
    row = body["gainers"][0]
    assert {"symbol", "name", "close", "change", "pct_change", "volume"} <= set(row)
    dated = get(server, "/api/movers", date=body["as_of"], horizon="1w", group="etfs").json()
    assert dated["as_of"] == body["as_of"] and {r["symbol"] for r in dated["gainers"] + dated["losers"]} == {
        "SPY",
        "QQQ",
    }


# --- Dash callbacks over HTTP ------------------------------------------------------------------


def server_post(server, payload: dict, *, timeout: float = 10):
    """POST /_dash-update-component the way the browser does."""
    return requests.post(server.url + "/_dash-update-component", json=payload, timeout=timeout)


def dash_post(
    server,
    outputs: list[tuple[str, str]],
    inputs: list[tuple[str, str, object]],
    *,
    timeout: float = 10,
    state: list[tuple[str, str, object]] | None = None,
):
    return server_post(server, dash_payload(outputs, inputs, state or []), timeout=timeout)


POLL = ("fetch-poll", "n_intervals", None)
CHART_OUT = CHART_OUTPUTS
CHART_STATE = [("viewport", "data", None)]


def test_chart_callback_over_http(server):
    view = {"symbol": "MSFT", "compare": [], "period": "1Y", "start": None, "end": None}
    resp = dash_post(
        server,
        CHART_OUT,
        [("view", "data", view), ("chart-type", "value", "candles"), ("overlays", "value", ["sma50"]), POLL],
        state=CHART_STATE,
    )
    assert resp.status_code == 200
    out = resp.json()["response"]
    candles = out["price-chart"]["figure"]["data"][0]
    assert candles["type"] == "candlestick" and len(candles["x"]) > 200
    assert out["download-csv"]["href"].startswith("/api/history/MSFT?format=csv")
    assert out["fetch-poll"]["disabled"] is True  # no queue: nothing to poll for


def test_chart_callback_bad_symbol_over_http(server):
    view = {"symbol": "<script>", "compare": [], "period": "1Y"}
    resp = dash_post(
        server,
        CHART_OUT,
        [("view", "data", view), ("chart-type", "value", "line"), ("overlays", "value", []), POLL],
        state=CHART_STATE,
    )
    assert resp.status_code == 200
    assert "not a valid ticker symbol" in str(resp.json()["response"]["chart-notice"]["children"])


def grid_rows(body: list) -> dict[str, list]:
    """rowData of each AG Grid inside the movers body a callback returned (Dash's JSON)."""
    found: dict[str, list] = {}

    def walk(node) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            props = node.get("props", {})
            if node.get("type") == "AgGrid":
                found[props["id"]] = props["rowData"]
            walk(props.get("children"))

    walk(body)
    return found


def test_movers_callback_over_http(server):
    resp = server_post(server, movers_payload())
    assert resp.status_code == 200
    rows = grid_rows(resp.json()["response"]["movers-body"]["children"])
    assert len(rows["gainers"]) == len(rows["losers"]) == 10


def test_search_callback_over_http(server):
    # The options output is shared with urlstate.sync, so Dash names it with a suffix: ask for it
    # by the name the page's dependencies give, as the browser does.
    deps = requests.get(server.url + "/_dash-dependencies", timeout=10).json()
    output = next(d["output"] for d in deps if d["output"].startswith("ticker.options@"))
    payload = dash_payload(
        [("ticker", output.split(".", 1)[1])],
        [("ticker", "search_value", "micrsoft")],
        [("ticker", "value", "AAPL")],
    )
    resp = server_post(server, payload)
    assert resp.json()["response"]["ticker"]["options"][0]["value"] == "MSFT"


# --- database down -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def down_server(tmp_path_factory):
    srv = start_gunicorn(
        "postgresql+psycopg://postgres@127.0.0.1:1/stockdash",  # a closed port
        tmp_path_factory.mktemp("down") / "gunicorn.log",
        WEB_CONCURRENCY="1",
    )
    yield srv
    stop_gunicorn(srv)


def test_healthz_503_when_database_down(down_server):
    resp = get(down_server, "/healthz")
    assert resp.status_code == 503
    assert resp.json() == {"status": "error", "database": "down", "error": "database unavailable"}


def test_api_503_and_page_still_served_when_database_down(down_server):
    assert_json_error(get(down_server, "/api/history/MSFT"), 503, "database")
    assert_json_error(get(down_server, "/api/movers"), 503, "database")
    page = get(down_server, "/")
    assert page.status_code == 200
    assert "Traceback" not in page.text


def _decimals(value: float) -> int:
    text = repr(value)
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


def test_api_floats_are_rounded_like_bars(server):
    movers = get(server, "/api/movers", horizon="1d", group="sp500").json()
    rows = movers["gainers"] + movers["losers"]
    assert max(_decimals(r[f]) for r in rows for f in ("close", "prev_close", "change")) <= 4
    assert max(_decimals(r["pct_change"]) for r in rows) <= 2
    assert any(_decimals(r["close"]) == 4 for r in rows)  # rounded, not truncated to cents
    bars = get(server, "/api/history/AAPL").json()["bars"]
    assert max(_decimals(b[f]) for b in bars for f in ("open", "high", "low", "close", "adj_close")) <= 4
