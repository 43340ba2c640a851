"""Links read once into a View: what a link asks for and does not get is named, put right in the
controls and the URL, and never a 500; chart type and movers in the link; compare off on 1D/5D."""

from __future__ import annotations

from datetime import date

import pytest
from dash import no_update
from dash.exceptions import PreventUpdate

from stockdash.web import ids, urlstate
from stockdash.web.chart import callbacks as chart_callbacks
from stockdash.web.chart.controls import COMPARE_OFF, COMPARE_OFF_NOTE, controls_for
from stockdash.web.chart.data import no_prices_between
from stockdash.web.movers.callbacks import sync_selection
from stockdash.web.view import View
from tests.harness import CHART_OUTPUTS, dash_payload
from tests.web.conftest import services_for
from tests.web.test_callbacks import stored, text_of


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("?period=7Y", "Unknown period '7Y' (periods: 1D, 5D, 1M, 3M, 6M, YTD, 1Y, 5Y, Max): showing 1Y."),
        ("?period=1m", "Unknown period '1m'"),  # a minute or a month: not guessed
        ("?start=banana", "The start date 'banana' is not a date (YYYY-MM-DD): left out."),
        ("?end=2024-02-30", "The end date 2024-02-30 does not exist: left out."),
        ("?start=2024-13-01", "The start date 2024-13-01 does not exist: left out."),
        ("?start=2025-06-01&end=2025-01-01", "given end first (01 Jun 2025 to 01 Jan 2025): showing 01 Jan"),
        ("?chart=bars", "Unknown chart type 'bars': showing candles."),
        ("?horizon=2d", "Unknown movers horizon '2d': showing 1d."),
        ("?group=nasdaq", "Unknown movers group 'nasdaq': showing sp500."),
        ("?period=" + "9" * 500, "Unknown period '999999999999999999999999…'"),  # short, however long
    ],
)
def test_every_part_a_link_does_not_get_is_named(query, named):
    view = View.from_query("?symbol=MSFT&" + query.lstrip("?"))
    assert named in " ".join(view.notes)
    assert view.symbol == "MSFT" and view.period in (*urlstate.PERIODS, urlstate.CUSTOM)


def test_a_reversed_range_is_put_in_order_and_the_link_put_right():
    view = View.from_query("?symbol=MSFT&start=2025-06-01&end=2025-01-01")
    assert (view.period, view.start, view.end) == ("custom", "2025-01-01", "2025-06-01")
    store = urlstate.parse_query("?symbol=MSFT&start=2025-06-01&end=2025-01-01")
    assert store["fixed"] == "?symbol=MSFT&start=2025-01-01&end=2025-06-01"  # the address bar's
    assert store["link"] == "?symbol=MSFT&start=2025-06-01&end=2025-01-01"
    assert "fixed" not in urlstate.parse_query("?symbol=MSFT&start=2025-01-01&end=2025-06-01")
    assert View.from_store(store) == view  # the store reads back as the same view
    bad = urlstate.parse_query("?symbol=KO&period=7Y&start=banana")
    assert bad["fixed"] == "?symbol=KO&period=1Y" and bad["period"] == "1Y"


def test_good_links_carry_no_notes_and_round_trip():
    for query in (
        "?symbol=MSFT&period=5Y",
        "?symbol=MSFT&start=2025-01-02&end=2025-03-31",
        "?symbol=AAPL&period=6M&chart=line&horizon=1w&group=etfs",
        "?symbol=AAPL&period=1D&compare=MSFT,SPY&ind=none&basis=tr",
    ):
        view = View.from_query(query)
        assert view.notes == () and view.query() == query
        assert View.from_store(view.store()) == view


def test_hostile_stores_and_queries_never_raise():
    odd = {"symbol": 5, "compare": "AAPL", "period": ["1Y"], "start": {}, "notes": "x"}
    worse = {"start": "2025-02-30", "end": "0000-00-00", "chart_type": None, "horizon": 3, "group": []}
    for data in (None, [], "x", odd, worse):
        assert View.from_store(data).symbol == "AAPL"
    for query in (None, "", "?", "?&&&=", "?symbol=%00&period=%FF&start=%", "?start=9999-99-99T"):
        assert isinstance(View.from_query(query).query(), str)


def sync(trigger, query, **controls):
    args = dict(ticker=None, compare=None, period=None, start=None, end=None) | controls
    return urlstate.sync(trigger, query, *args.values(), None)


def test_a_range_typed_end_first_is_put_in_order_in_the_boxes_and_the_url():
    out = sync(ids.DATES, "?symbol=MSFT&period=1Y", start="2025-06-01", end="2025-01-01")
    assert out.url == "?symbol=MSFT&start=2025-01-01&end=2025-06-01"
    assert (out.start, out.end, out.period) == ("2025-01-01", "2025-06-01", None)
    assert "given end first" in " ".join(out.view["notes"])
    out = sync(ids.DATES, "?symbol=MSFT&period=1Y", start="2025-01-01", end="2025-06-01")
    assert (out.start, out.end) == (no_update, no_update)  # in order: the boxes are left alone
    out = sync(ids.DATES, "?symbol=MSFT&period=5Y", start="banana", end=None)  # a hostile request
    assert out.url == "?symbol=MSFT&period=1Y" and (out.start, out.period) == (None, "1Y")
    assert "'banana' is not a date" in " ".join(out.view["notes"])
    with pytest.raises(PreventUpdate):
        sync(ids.PERIOD, "?symbol=MSFT", period="7Y")  # a period no button has


def test_the_link_keeps_chart_type_and_movers_when_another_control_changes():
    link = "?symbol=AAPL&period=6M&chart=line&horizon=1w&group=etfs"
    out = sync(ids.TICKER, link, ticker="MSFT")
    assert out.url == "?symbol=MSFT&period=6M&chart=line&horizon=1w&group=etfs"
    assert out.view["chart_type"] == "line"


def test_movers_horizon_and_group_follow_the_link_and_write_it():
    with pytest.raises(PreventUpdate):
        sync_selection(ids.URL, "?symbol=AAPL", "1d", "sp500")  # nothing to change
    with pytest.raises(PreventUpdate):
        sync_selection(ids.URL, None, "1d", "sp500")  # the location has not reported yet
    assert sync_selection(ids.URL, "?horizon=1y&group=all", "1d", "sp500") == (no_update, "1y", "all")
    assert sync_selection(None, "?group=etfs", "1d", "sp500") == (no_update, no_update, "etfs")
    out = sync_selection(ids.HORIZON, "?symbol=KO&period=5Y&group=etfs", "1m", "etfs")
    assert out == ("?symbol=KO&period=5Y&horizon=1m&group=etfs", no_update, no_update)
    assert sync_selection(ids.GROUP, "?symbol=KO", "1d", "all").url == "?symbol=KO&period=1Y&group=all"
    with pytest.raises(PreventUpdate):
        sync_selection(ids.GROUP, "?symbol=KO", "1d", ["hostile"])


def test_compare_is_off_on_1d_and_5d_in_the_controls():
    for period in ("1D", "5D"):
        controls = controls_for(View.from_query(f"?symbol=AAPL&period={period}&compare=MSFT"))
        assert controls.compare_disabled and controls.hint == COMPARE_OFF
        assert not any(o["disabled"] for o in controls.chart_types + controls.overlays + controls.indicators)
    controls = controls_for(View.from_query("?symbol=AAPL&period=1M&compare=MSFT"))
    assert not controls.compare_disabled and "Comparing as % change" in controls.hint
    assert all(o["disabled"] for o in controls.chart_types)
    controls = controls_for(View.from_query("?symbol=AAPL&period=1M"))
    assert not controls.compare_disabled and controls.hint == ""


def test_compare_on_1d_and_5d_charts_one_ticker_and_says_so(demo_url):
    services = services_for(demo_url)
    for period in ("1D", "5D"):
        figure, _, notice, _ = chart_callbacks.chart(
            services, View.from_query(f"?symbol=AAPL&period={period}&compare=MSFT,SPY"), "line", []
        )
        names = {t.get("name") for t in figure["data"]}
        assert "AAPL" in names and not names & {"MSFT", "SPY"}
        text = text_of(notice)
        assert (
            text.count("Compare is off") == 1 and f"{COMPARE_OFF_NOTE} MSFT, SPY are compared again" in text
        )
        assert "Compare works on daily periods" not in text  # one message, not two
    _, _, notice, _ = chart_callbacks.chart(services, View.from_query("?symbol=AAPL&period=5D"), "line", [])
    assert "Compare is off" not in text_of(notice)


def test_a_range_outside_the_stored_prices_says_the_stored_range(demo_url):
    services = services_for(demo_url)
    dates = stored(demo_url, "MSFT")["date"]
    first, last = dates.iloc[0], dates.iloc[-1]
    span = f"stored prices run from {first:%d %b %Y} to {last:%d %b %Y}"
    for query, asked in (
        ("start=1990-01-01&end=1990-12-31", "from 01 Jan 1990 to 31 Dec 1990"),
        ("end=1990-12-31", "up to 31 Dec 1990"),
        ("start=2031-01-01", "from 01 Jan 2031"),
        ("start=2031-01-01&end=2031-06-30", "from 01 Jan 2031 to 30 Jun 2031"),
    ):
        figure, _, notice, href = chart_callbacks.chart(
            services, View.from_query(f"?symbol=MSFT&{query}"), "candles", []
        )
        assert text_of(notice) == f"No prices for MSFT {asked}: {span}.", query
        assert figure["layout"]["annotations"][0]["text"] == chart_callbacks.NOTHING_TO_CHART and href is None
    assert (
        no_prices_between("ZZZZ", date(1990, 1, 1), None, None)
        == "No prices for ZZZZ from 01 Jan 1990: none are stored."
    )


def test_the_notice_names_a_bad_link_above_the_chart(demo_url):
    view = urlstate.parse_query("?symbol=KO&period=7Y&start=2024-02-30")
    _, _, notice, _ = chart_callbacks.chart(services_for(demo_url), view, "candles", [])
    text = text_of(notice)
    assert "Unknown period '7Y'" in text and "2024-02-30 does not exist" in text


def test_bad_views_posted_to_the_chart_callback_are_answered_never_a_500(app_for_tests):
    client = app_for_tests.server.test_client()
    for view in (
        {"symbol": "MSFT", "period": "7Y", "start": "banana", "end": "2024-02-30"},
        {"symbol": "MSFT", "period": "custom", "start": "2025-06-01", "end": "2025-01-01"},
        {"symbol": ["x"], "compare": {"a": 1}, "chart_type": 7, "horizon": None, "notes": [1, None]},
    ):
        payload = dash_payload(
            CHART_OUTPUTS,
            [("view", "data", view), ("chart-type", "value", "bars"), ("overlays", "value", ["x", 1]),
             ("fetch-poll", "n_intervals", None)],
            [("viewport", "data", None)],
        )  # fmt: skip
        response = client.post("/_dash-update-component", json=payload)
        assert response.status_code == 200, (view, response.get_data(as_text=True)[:300])
        assert "chart-notice" in response.get_data(as_text=True)
