"""Screening a snapshot: filters at their exact thresholds, groups, sectors, sorts, pages, bad input."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert

from stockdash import screener, snapshotcache
from stockdash.schema import screener as table
from stockdash.schema import screener_versions
from stockdash.stats import _bump_version

DAY = date(2026, 11, 20)
EARLIER = date(2026, 11, 19)


def row(symbol: str, **values) -> dict:
    base = {c.name: None for c in table.columns}
    base.update(as_of=DAY, symbol=symbol, name=f"{symbol} Inc", sector="Energy", kind="stock", in_sp500=True)
    base.update(values)
    return base


ROWS = [
    row("AT30", rsi14=30.0, relvol=2.0, gap_pct=3.0, pct_1d=1.0, dollar_volume_20=5e9),
    row("BELOW", rsi14=29.999, relvol=1.999, gap_pct=-3.0, pct_1d=-2.5, dollar_volume_20=4e9),
    row("ABOVE", rsi14=70.001, relvol=2.001, gap_pct=2.999, pct_1d=4.0, sector="Utilities", in_sp500=False),
    row("ETF1", rsi14=70.0, relvol=0.5, kind="etf", in_sp500=False, sector="", new_high_52w=True, pct_1d=0.0),
    row("NONE"),  # a new listing: no figures at all
    row("OLD", as_of=EARLIER, rsi14=10.0),
]


@pytest.fixture(params=["database", "memory"])
def snap(engine, request):
    """The rows stored; with versions (as stats.store writes them) run() screens them in memory,
    without (a snapshot written before migration 0009) the database does: both answer the same."""
    with engine.begin() as conn:
        conn.execute(insert(table), ROWS)
        if request.param == "memory":
            conn.execute(
                insert(screener_versions), [{"as_of": DAY, "version": 1}, {"as_of": EARLIER, "version": 2}]
            )
    with engine.connect() as conn:
        held = snapshotcache.current(conn, None, screener.ROW_FIELDS)
    assert (held is not None) == (request.param == "memory")
    return engine


def symbols(engine, *wheres: str, **screen) -> list[str]:
    filters = [screener.parse_filter(w) for w in wheres]
    with engine.connect() as conn:
        result = screener.run(conn, screener.Screen(filters=filters, **screen))
    return [r["symbol"] for r in result.rows]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("rsi14<30", {"BELOW"}),
        ("rsi14<=30", {"BELOW", "AT30"}),
        ("rsi14>70", {"ABOVE"}),
        ("rsi14>=70", {"ABOVE", "ETF1"}),
        ("rsi14=30", {"AT30"}),
        ("rsi14!=30", {"BELOW", "ABOVE", "ETF1"}),  # no value never matches, even !=
        ("relvol>=2", {"AT30", "ABOVE"}),
        ("gap_pct>=3", {"AT30"}),
        ("gap_pct<=-3", {"BELOW"}),
        ("new_high_52w=true", {"ETF1"}),
        ("new_high_52w=false", set()),
        ("new_high_52w!=true", set()),  # no value is not "not true"
        ("new_high_52w!=false", {"ETF1"}),
        ("sector=Utilities", {"ABOVE"}),
        ("kind!=etf", {"AT30", "BELOW", "ABOVE", "NONE"}),
    ],
)
def test_filters_at_their_exact_thresholds(snap, where, expected):
    assert set(symbols(snap, where)) == expected


def test_filters_combine_with_and_and_groups_and_sectors_narrow(snap):
    assert symbols(snap, "rsi14>=30", "relvol>=2") == ["AT30", "ABOVE"]  # by dollar volume, no value last
    assert set(symbols(snap, group="etfs")) == {"ETF1"}
    assert set(symbols(snap, group="sp500")) == {"AT30", "BELOW", "NONE"}
    assert set(symbols(snap, sector="Energy")) == {"AT30", "BELOW", "NONE"}
    assert symbols(snap, "rsi14<=30", sector="Energy", group="sp500") == ["AT30", "BELOW"]


def test_sort_either_way_with_no_value_last_and_pages_after_counting(snap):
    assert symbols(snap, sort=screener.parse_sort("-pct_1d")) == ["ABOVE", "AT30", "ETF1", "BELOW", "NONE"]
    assert symbols(snap, sort=screener.parse_sort("pct_1d")) == ["BELOW", "ETF1", "AT30", "ABOVE", "NONE"]
    with snap.connect() as conn:
        page = screener.run(conn, screener.Screen(sort=screener.parse_sort("pct_1d"), limit=2, offset=1))
    assert page.count == 5 and [r["symbol"] for r in page.rows] == ["ETF1", "AT30"]
    assert page.as_of == DAY
    assert set(page.rows[0]) == set(screener.ROW_FIELDS)


def test_an_earlier_session_and_no_snapshot(snap, engine):
    assert symbols(snap, as_of=EARLIER) == ["OLD"]
    with snap.connect() as conn:
        with pytest.raises(screener.NoSnapshot, match="2026-11-18"):
            screener.run(conn, screener.Screen(as_of=date(2026, 11, 18)))
        day, rows = screener.read_snapshot(conn)
    assert day == DAY and [r["symbol"] for r in rows] == ["ABOVE", "AT30", "BELOW", "ETF1", "NONE"]


def test_memory_and_database_agree_and_a_rewrite_is_seen(engine):
    with engine.begin() as conn:
        conn.execute(insert(table), ROWS)
        _bump_version(conn, DAY)
    screens = [
        screener.Screen(
            filters=[screener.parse_filter(w)], sort=screener.parse_sort(s), group=g, limit=3, offset=o
        )
        for w in ("rsi14<=30", "relvol>=0", "new_high_52w!=false", "kind!=etf", "sector=Energy")
        for s in ("-pct_1d", "rsi14", "symbol", "-symbol", "-new_high_52w")
        for g in screener.GROUPS
        for o in (0, 1)
    ]
    with engine.connect() as conn:
        for screen in screens:
            assert screener.run(conn, screen) == screener.run_sql(conn, screen), screen
    with engine.begin() as conn:
        conn.execute(table.update().where(table.c.symbol == "AT30").values(rsi14=12.5))
    with engine.connect() as conn:
        held = screener.run(conn, screener.Screen(filters=[screener.parse_filter("rsi14<20")]))
    assert held.rows == []  # the write did not go through stats.store: the process's copy stands
    with engine.begin() as conn:
        _bump_version(conn, DAY)
    assert symbols(engine, "rsi14<20") == ["AT30"]


def test_no_snapshot_at_all(engine):
    with engine.connect() as conn, pytest.raises(screener.NoSnapshot):
        screener.run(conn, screener.Screen())


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("rsi<30", "unknown field 'rsi'"),
        ("rsi14~30", "operator"),
        ("rsi14<abc", "takes a number"),
        ("rsi14<nan", "finite"),
        ("new_high_52w=yes", "true or false"),
        ("new_high_52w<true", "use = or !="),
        ("sector>Energy", "use = or !="),
        ("", "FIELD OPERATOR VALUE"),
    ],
)
def test_bad_filters_name_what_is_wrong(text, names):
    with pytest.raises(screener.ScreenError, match=names):
        screener.parse_filter(text)


def test_bad_sort_is_named():
    with pytest.raises(screener.ScreenError, match="unknown sort key 'bogus'"):
        screener.parse_sort("-bogus")
    assert screener.parse_sort(None).text() == screener.DEFAULT_SORT
    assert screener.parse_filter("gap_pct <= -3").text() == "gap_pct<=-3"


def test_every_preset_is_a_valid_screen():
    for name, preset in screener.PRESETS.items():
        for where in preset.filters:
            screener.parse_filter(where)
        assert screener.parse_sort(preset.sort).field in (*screener.FIELDS, "symbol"), name
        assert preset.column in screener.FIELDS
