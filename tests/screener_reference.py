"""The screener's figures computed the plain way: one symbol's bars at a time, pandas and TA-Lib.

Independent of stockdash.stats (no shared code but the calendar), so the tests compare two
computations; bench/screener.py times this as the baseline.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import talib

from stockdash import calendar

STEPS = {"1d": 1, "1w": 5, "1m": 21, "3m": 63, "6m": 126, "1y": 252}


def sessions_to(as_of: date, count: int = 300) -> list[date]:
    cal = calendar.nyse()
    first = cal.session_offset(pd.Timestamp(as_of), -(count - 1))
    return [d.date() for d in cal.sessions_in_range(first, pd.Timestamp(as_of))]


def _value(x: object) -> float | None:
    return None if x is None or pd.isna(x) else float(x)  # type: ignore[arg-type]


def _pct(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or not (a > 0 and b > 0):
        return None
    return (a / b - 1) * 100


def figures(bars: pd.DataFrame, as_of: date, sessions: list[date]) -> dict | None:
    """Every figure for one symbol on as_of; None when it has no bar that day.

    `bars`: date, open, high, low, close, adj_close, volume (any order, any dates);
    `sessions`: NYSE sessions ending with as_of, at least 261 of them.
    """
    bars = bars[bars["date"] <= as_of].sort_values("date")
    if bars.empty or bars["date"].iloc[-1] != as_of:
        return None
    on = bars.set_index("date").reindex(sessions)  # a missing session is a row of NaN
    close, adj, vol = on["close"], on["adj_close"], on["volume"].astype("float64")
    last = lambda s, k=0: _value(s.iloc[-1 - k])  # noqa: E731
    out: dict = {"close": last(close), "volume": last(vol)}
    for name, k in STEPS.items():
        out[f"pct_{name}"] = _pct(last(adj), last(adj, k))
    prev_year = [i for i, d in enumerate(sessions) if d.year < as_of.year]
    out["pct_ytd"] = _pct(last(adj), _value(adj.iloc[prev_year[-1]])) if prev_year else None
    year_high, year_low = on["high"].iloc[-252:], on["low"].iloc[-252:]
    complete = year_high.notna().all() and year_low.notna().all()
    out["high_52w"] = float(year_high.max()) if complete else None
    out["low_52w"] = float(year_low.min()) if complete else None
    out["from_high_52w_pct"] = _pct(out["close"], out["high_52w"]) if complete else None
    out["from_low_52w_pct"] = _pct(out["close"], out["low_52w"]) if complete else None
    out["new_high_52w"] = bool(on["high"].iloc[-1] == year_high.max()) if complete else None
    out["new_low_52w"] = bool(on["low"].iloc[-1] == year_low.min()) if complete else None
    sma50 = close.rolling(50).mean()
    sma200 = close.rolling(200).mean()
    out["sma50"], out["sma200"] = last(sma50), last(sma200)
    out["above_sma50"] = None if out["sma50"] is None else bool(out["close"] > out["sma50"])
    out["above_sma200"] = None if out["sma200"] is None else bool(out["close"] > out["sma200"])
    for name, sign in (("golden_cross_days", 1), ("death_cross_days", -1)):
        days = None
        for back in range(0, 61):
            a50, a200 = sma50.iloc[-1 - back], sma200.iloc[-1 - back]
            b50, b200 = sma50.iloc[-2 - back], sma200.iloc[-2 - back]
            if any(pd.isna(v) for v in (a50, a200, b50, b200)):
                continue
            now_side = np.sign(a50 - a200)
            crossed = (a50 - a200) * sign > 0 and (b50 - b200) * sign <= 0
            if crossed and now_side == sign:
                days = back
                break
        out[name] = days
    before = vol.iloc[-21:-1]
    out["avg_volume_20"] = float(before.mean()) if before.notna().all() else None
    avg = out["avg_volume_20"]
    out["relvol"] = out["volume"] / avg if avg and out["volume"] is not None else None
    out["gap_pct"] = _pct(last(on["open"]), last(close, 1))
    dollar = (close * vol).iloc[-20:]
    out["dollar_volume_20"] = float(dollar.mean()) if dollar.notna().all() else None
    c, h, lo = (bars[k].to_numpy(dtype="float64") for k in ("close", "high", "low"))
    rsi = talib.RSI(c, timeperiod=14)[-1] if len(c) > 14 else np.nan
    atr = talib.ATR(h, lo, c, timeperiod=14)[-1] if len(c) > 14 else np.nan
    out["rsi14"] = _value(rsi)
    out["atr14_pct"] = None if pd.isna(atr) else float(atr) / out["close"] * 100
    return out
