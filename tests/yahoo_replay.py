"""Replay recorded Yahoo HTTP answers to yfinance's own session, so its real request and parsing code runs.

Usage in any test (a full `pull` included; the provider needs no session argument because
the replay installs itself as the session of yfinance's process-wide `YfData`):

    from tests.yahoo_replay import yahoo_http_fixture, recording, rate_limited, not_found, timeout
    # (importing yahoo_http_fixture registers the `yahoo_http` fixture in that module)

    def test_pull(yahoo_http):                       # fixture: a YahooReplay, already active
        yahoo_http.add("AAPL", recording("AAPL_2020-08-31_2020-11-06"))
        yahoo_http.add("MSFT", rate_limited(), rate_limited(), recording("MSFT_2021-02-01_2022-01-28"))
        yahoo_http.add("BAD", not_found())           # also the default for any symbol not added
        ...run the job with PROVIDER=yahoo...
        assert yahoo_http.count("MSFT") == 4

or without pytest fixtures: `with yahoo_replay({"AAPL": "AAPL_2020-08-31_2020-11-06"}) as replay: ...`.

Answers for a symbol are served in order to its chart requests (the timezone lookup
`range=1d` and the data request `period1/period2` alike); the last one then repeats forever.
Recordings are sliced like Yahoo does (period1 <= t < period2), events included.
"""

from __future__ import annotations

import copy
import json
import threading
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
import yfinance as yf
import yfinance.cache as yf_cache
from curl_cffi import requests as curl_requests
from curl_cffi.requests import exceptions as curl_exc
from pandas.errors import Pandas4Warning
from yfinance.data import YfData

FIXTURES = Path(__file__).parent / "fixtures" / "yahoo"

# Yahoo's real answers (see tests/fixtures/yahoo/README.md).
NOT_FOUND_BODY = (
    '{"chart":{"result":null,"error":{"code":"Not Found",'
    '"description":"No data found, symbol may be delisted"}}}'
)
RATE_LIMIT_BODY = "Too Many Requests"
CRUMB = "replayCrumb0"


@dataclass(frozen=True)
class Answer:
    """One HTTP answer to a chart request: a status and body, or an exception raised from get."""

    status: int = 200
    body: str = ""
    recording: dict[str, Any] | None = None
    raises: BaseException | None = None


@dataclass(frozen=True)
class Call:
    """One request yfinance made: kind is tz, history, cookie, crumb, consent, quote or other."""

    method: str
    url: str
    params: dict[str, str]
    kind: str
    symbol: str | None


def recording(name: str | Path) -> Answer:
    """A recorded chart body, by file stem in tests/fixtures/yahoo/ or by path."""
    return Answer(recording=_load(str(name)))


def not_found() -> Answer:
    """Yahoo's HTTP 404 for an unknown or delisted symbol."""
    return Answer(status=404, body=NOT_FOUND_BODY)


def rate_limited() -> Answer:
    """Yahoo's HTTP 429 rate-limit answer."""
    return Answer(status=429, body=RATE_LIMIT_BODY)


def timeout() -> Answer:
    """The session library's own timeout, raised from get as curl would."""
    return Answer(raises=curl_exc.Timeout("Operation timed out after 20000 milliseconds (replayed)"))


def http_error(status: int, body: str = "") -> Answer:
    return Answer(status=status, body=body)


@cache
def _load_cached(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def _load(name: str) -> dict[str, Any]:
    path = Path(name)
    if not path.is_file():
        path = FIXTURES / (name if name.endswith(".json") else f"{name}.json")
    return json.loads(_load_cached(str(path)))


def slice_chart(body: dict[str, Any], params: Mapping[str, str]) -> dict[str, Any]:
    """What Yahoo would answer for these params: bars and events with period1 <= t < period2."""
    body = copy.deepcopy(body)
    result = body["chart"]["result"][0]
    stamps = result.get("timestamp") or []
    if "period1" in params or "period2" in params:
        lo, hi = int(params.get("period1", 0)), int(params.get("period2", 2**62))
        keep = [i for i, t in enumerate(stamps) if lo <= t < hi]
        events_kept = _slice_events(result.get("events"), lo, hi)
    else:
        keep = list(range(len(stamps)))[-1:]
        events_kept = None
    if not keep:
        return _empty_chart(body)
    result["timestamp"] = [stamps[i] for i in keep]
    for block in ("quote", "adjclose"):
        for series in result["indicators"].get(block, []):
            for key, values in series.items():
                series[key] = [values[i] for i in keep]
    if events_kept:
        result["events"] = events_kept
    else:
        result.pop("events", None)
    return body


def _slice_events(events: dict[str, Any] | None, lo: int, hi: int) -> dict[str, Any]:
    kept = {}
    for kind, items in (events or {}).items():
        inside = {k: v for k, v in items.items() if lo <= int(v["date"]) < hi}
        if inside:
            kept[kind] = inside
    return kept


def _empty_chart(body: dict[str, Any]) -> dict[str, Any]:
    """Yahoo's empty daily answer (as LUCYW_EMPTY): meta, no timestamp, empty indicators."""
    result = body["chart"]["result"][0]
    result.pop("timestamp", None)
    result.pop("events", None)
    result["indicators"] = {"quote": [{}], "adjclose": [{}]}
    return body


class YahooReplay:
    """Routes, request log and answers; thread-safe because yfinance may ask from many threads."""

    def __init__(self, routes: Mapping[str, Answer | str | Sequence[Answer]] | None = None) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, list[Answer]] = {}
        self.calls: list[Call] = []
        self.unrouted: list[Call] = []
        for symbol, answers in (routes or {}).items():
            if isinstance(answers, (str, Answer)):
                answers = [answers]
            self.add(symbol, *answers)

    def add(self, symbol: str, *answers: Answer | str) -> YahooReplay:
        """Answers for SYMBOL's chart requests, in order; the last repeats. A str is a recording name."""
        if not answers:
            raise ValueError("give at least one answer")
        with self._lock:
            self._queues[symbol.upper()] = [recording(a) if isinstance(a, str) else a for a in answers]
        return self

    def count(self, symbol: str | None = None, kind: str | Sequence[str] = ("tz", "history")) -> int:
        """Requests made, by symbol (None = any) and kind (default: all chart requests)."""
        kinds = {kind} if isinstance(kind, str) else set(kind)
        with self._lock:
            return sum(
                1 for c in self.calls if c.kind in kinds and (symbol is None or c.symbol == symbol.upper())
            )

    def answer(self, method: str, url: str, params: Mapping[str, Any] | None) -> curl_requests.Response:
        """The response to one request, as Yahoo would give it."""
        parts = urlsplit(url)
        query = {**dict(parse_qsl(parts.query)), **{k: str(v) for k, v in (params or {}).items()}}
        kind, symbol = classify(parts.hostname or "", parts.path)
        if kind == "chart":
            kind = "history" if "period1" in query or "period2" in query else "tz"
        call = Call(method, url, query, kind, symbol)
        with self._lock:
            self.calls.append(call)
            answer = self._next(symbol) if symbol and kind in ("tz", "history") else None
            if answer is None and kind == "other":
                self.unrouted.append(call)
        if answer is None:
            return _response(url, *fixed_answer(kind, symbol))
        if answer.raises is not None:
            raise answer.raises
        if answer.recording is not None:
            return _response(url, 200, json.dumps(slice_chart(answer.recording, query)))
        return _response(url, answer.status, answer.body)

    def _next(self, symbol: str) -> Answer:
        queue = self._queues.get(symbol)
        if queue is None:
            return not_found()
        return queue.pop(0) if len(queue) > 1 else queue[0]


def classify(host: str, path: str) -> tuple[str, str | None]:
    """Which of Yahoo's endpoints a URL is, and the symbol in its path."""
    if host == "fc.yahoo.com":
        return "cookie", None
    if path.endswith("/v1/test/getcrumb"):
        return "crumb", None
    if "consent" in host or host == "guce.yahoo.com":
        return "consent", None
    if "/v8/finance/chart/" in path:
        return "chart", unquote(path.rsplit("/", 1)[1]).upper()
    if "/finance/quoteSummary/" in path:
        return "quote", unquote(path.rsplit("/", 1)[1]).upper()
    if path.endswith("/v7/finance/quote"):
        return "quote", None
    return "other", None


def fixed_answer(kind: str, symbol: str | None) -> tuple[int, str]:
    """Answers that do not depend on recordings: cookie, crumb, consent, quote lookups."""
    if kind == "crumb":
        return 200, CRUMB
    if kind == "consent":
        return 200, "<html><body></body></html>"
    if kind == "quote" and symbol:
        body = {
            "quoteSummary": {
                "result": None,
                "error": {"code": "Not Found", "description": f"Quote not found for symbol: {symbol}"},
            }
        }
        return 404, json.dumps(body)
    if kind == "quote":
        return 200, '{"quoteResponse":{"result":[],"error":null}}'
    return 404, ""


def _response(url: str, status: int, body: str) -> curl_requests.Response:
    response = curl_requests.Response()
    response.url = url
    response.status_code = status
    response.ok = status < 400
    response.reason = {200: "OK", 404: "Not Found", 429: "Too Many Requests"}.get(status, "")
    response.content = body.encode("utf-8")
    response.headers["Content-Type"] = "application/json;charset=utf-8" if body[:1] == "{" else "text/plain"
    return response


class ReplaySession(curl_requests.Session):
    """A real curl_cffi Session (yfinance insists) whose requests never leave the process."""

    def __init__(self, replay: YahooReplay) -> None:
        super().__init__()
        self.replay = replay

    def request(self, method: str, url: str, params: Any = None, **kwargs: Any) -> curl_requests.Response:
        return self.replay.answer(method, url, params)


@contextmanager
def yahoo_replay(
    routes: Mapping[str, Answer | str | Sequence[Answer]] | None = None,
    *,
    cache_dir: Path | str | None = None,
) -> Iterator[YahooReplay]:
    """Install a replaying session into yfinance, with fresh caches; restore everything after."""
    replay = YahooReplay(routes)
    session = ReplaySession(replay)
    data = YfData()
    previous = data._session
    previous_cache_dir = yf_cache._TzDBManager.get_location()
    _reset_yfinance(cache_dir)
    YfData(session=session)
    try:
        with warnings.catch_warnings():
            # yfinance 1.7.0's utils.parse_actions calls set_index/sort_index(inplace=True),
            # deprecated in pandas 3.1 (Pandas4Warning); nothing of ours can avoid it.
            warnings.filterwarnings(
                "ignore", message="The inplace keyword", category=Pandas4Warning, module=r"yfinance\."
            )
            yield replay
    finally:
        YfData(session=previous)
        _reset_yfinance(previous_cache_dir)
        session.close()


def _reset_yfinance(cache_dir: Path | str | None) -> None:
    """Cold state: no cookie/crumb, basic strategy, empty request cache, tz cache in cache_dir."""
    data = YfData()
    data._crumb = None
    data._cookie = None
    data._cookie_strategy = "basic"
    data._logged_in = False
    YfData.cache_get.cache_clear()
    if cache_dir is not None:
        yf.set_tz_cache_location(str(cache_dir))
        yf_cache._TzCacheManager._tz_cache = None
        yf_cache._CookieCacheManager._Cookie_cache = None
        yf_cache._ISINCacheManager._isin_cache = None


@pytest.fixture(name="yahoo_http")
def yahoo_http_fixture(tmp_path: Path) -> Iterator[YahooReplay]:
    """An active replay with no routes (unknown symbols get Yahoo's 404); add routes in the test."""
    with yahoo_replay(cache_dir=tmp_path / "yf-cache") as replay:
        yield replay
