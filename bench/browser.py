"""First-load benchmark in a real browser: `python bench/browser.py`.

Fills a demo SQLite database (the S&P 500 and a few ETFs, two years) through the real jobs, then
starts two `gunicorn` servers with the repo's gunicorn.conf.py on loopback: the dashboard
(`app:server`) and the framework's floor, a default Dash app with one candlestick dcc.Graph
(`bench.minimal_app:server`, on the same data). In headless Chromium it measures, side by side
and interleaved, several repetitions each:
  * time to a drawn chart: from navigation start until the price chart's SVG holds a drawn
    candlestick or line trace, cold (a fresh profile, empty cache) and warm (a second visit
    in the same profile);
  * bytes transferred (encoded, headers included) on a first and a second visit, once the page
    is idle (no request for IDLE seconds after the chart is drawn), and what the heaviest second
    visit downloaded, by path.
Medians are compared with the targets: cold <= 1.0x the minimal app's, warm <= 1.5x, first
visit <= 2.5 MB. Not a timed test: it prints figures. BENCH_REPS sets the repetitions (5).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SE_AVOID_STATS", "true")  # selenium-manager: no telemetry, no downloads

from selenium import webdriver  # noqa: E402

from stockdash.universe import load_group  # noqa: E402
from tests.harness import chromium, start_gunicorn, stop_gunicorn  # noqa: E402
from tests.web.conftest import fill  # noqa: E402

REPS = int(os.environ.get("BENCH_REPS", "5"))
DEADLINE = 60.0
IDLE = 0.5  # seconds without network activity that count as "the page is done loading"
FINISHED = ("Network.loadingFinished", "Network.loadingFailed")
TARGETS = {"cold_ratio": 1.0, "warm_ratio": 1.5, "first_visit_mb": 2.5}

# Runs in the page before any of its scripts: note when the price chart first shows a drawn
# trace (a candlestick's boxes or a line's path), in ms since navigation start.
DRAWN_PROBE = """
(() => {
  const drawn = () => !!document.querySelector(
    '#price-chart .main-svg .cartesianlayer .trace.boxes path.box[d],'
    + '#price-chart .main-svg .cartesianlayer .trace.scatter path.js-line[d]');
  const check = () => {
    if (window.__drawnAt === undefined && drawn()) { window.__drawnAt = performance.now(); }
  };
  new MutationObserver(check).observe(document, {childList: true, subtree: true, attributes: true});
})();
"""


@dataclass
class Visit:
    drawn_ms: float
    bytes: int
    requests: int
    by_url: dict[str, int] = field(default_factory=dict)  # path (query dropped) -> bytes


@dataclass
class Figures:
    cold: list[Visit] = field(default_factory=list)
    warm: list[Visit] = field(default_factory=list)

    def median(self, kind: str, attr: str) -> float:
        return statistics.median(getattr(v, attr) for v in getattr(self, kind))


def open_browser(profile: str) -> webdriver.Chrome:
    driver = chromium(profile, performance_log=True)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": DRAWN_PROBE})
    return driver


def visit(driver: webdriver.Chrome, url: str) -> Visit:
    """Load `url`, wait for the drawn chart and an idle network; count what came over the wire."""
    driver.get_log("performance")  # drop what earlier visits left
    driver.get(url)
    pending: set[str] = set()
    received: dict[str, int] = {}
    urls: dict[str, str] = {}
    drawn_ms = None
    last_event = time.monotonic()
    deadline = last_event + DEADLINE
    while time.monotonic() < deadline:
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            params = message.get("params", {})
            method = message["method"]
            if method == "Network.requestWillBeSent" and params["request"]["url"].startswith(url):
                pending.add(params["requestId"])
                urls[params["requestId"]] = params["request"]["url"][len(url) - 1 :].split("?")[0]
                last_event = time.monotonic()
            elif method in FINISHED and params["requestId"] in pending:
                pending.discard(params["requestId"])
                received[params["requestId"]] = int(params.get("encodedDataLength", 0))
                last_event = time.monotonic()
        if drawn_ms is None:
            drawn_ms = driver.execute_script("return window.__drawnAt ?? null")
            if drawn_ms is not None:  # what the drawn chart sets off (the movers) counts too
                last_event = time.monotonic()
        if drawn_ms is not None and not pending and time.monotonic() - last_event >= IDLE:
            by_url: dict[str, int] = {}
            for request_id, size in received.items():
                by_url[urls[request_id]] = by_url.get(urls[request_id], 0) + size
            return Visit(drawn_ms, sum(received.values()), len(received), by_url)
        time.sleep(0.05)
    raise RuntimeError(
        f"{url}: within {DEADLINE:.0f} s: chart drawn at {drawn_ms} ms, {len(pending)} requests pending"
    )


def measure(url: str, figures: Figures) -> None:
    """One cold visit in a fresh profile, then one warm visit in the same profile."""
    profile = tempfile.mkdtemp(prefix="bench-chromium-")
    driver = open_browser(profile)
    try:
        figures.cold.append(visit(driver, url))
        driver.get("about:blank")
        figures.warm.append(visit(driver, url))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    db = workdir / "demo.db"
    symbols = list(load_group("sp500")["symbol"]) + ["SPY", "QQQ", "DIA", "IWM", "XLK", "XLE"]
    started = time.monotonic()
    fill(f"sqlite:///{db}", symbols)
    took = time.monotonic() - started
    print(f"filled {db.name}: {len(symbols)} symbols, 2 years of demo bars in {took:.0f} s")
    database_url = f"sqlite:///{db}"
    servers = {
        "app": start_gunicorn(database_url, workdir / "app.log"),
        "minimal": start_gunicorn(database_url, workdir / "minimal.log", target="bench.minimal_app:server"),
    }
    figures = {name: Figures() for name in servers}
    try:
        for server in servers.values():  # one untimed visit each: workers warm, like a live site
            measure(server.url + "/", Figures())
        for rep in range(REPS):
            for name, server in servers.items():
                measure(server.url + "/", figures[name])
                cold, warm = figures[name].cold[-1], figures[name].warm[-1]
                print(
                    f"  rep {rep + 1} {name:8} cold {cold.drawn_ms:6.0f} ms  warm {warm.drawn_ms:6.0f} ms"
                    f"  first visit {cold.bytes / 1e6:5.2f} MB in {cold.requests} requests"
                    f"  second {warm.bytes / 1e6:5.2f} MB in {warm.requests}"
                )
    except Exception:
        for name, server in servers.items():
            print(f"--- {name} gunicorn log (tail) ---\n{server.output()[-3000:]}")
        raise
    finally:
        for server in servers.values():
            stop_gunicorn(server)
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"\nmedians of {REPS} (time to a drawn chart; bytes incl. headers)")
    header = (
        ("cold ms", 10),
        ("warm ms", 10),
        ("first visit MB", 16),
        ("requests", 10),
        ("second visit MB", 17),
    )
    print(" " * 10 + "".join(f"{title:>{width}}" for title, width in header))
    for name, fig in figures.items():
        print(
            f"{name:10}{fig.median('cold', 'drawn_ms'):10.0f}{fig.median('warm', 'drawn_ms'):10.0f}"
            f"{fig.median('cold', 'bytes') / 1e6:16.2f}{fig.median('cold', 'requests'):10.0f}"
            f"{fig.median('warm', 'bytes') / 1e6:17.3f}"
        )
    app, floor = figures["app"], figures["minimal"]
    second = max(app.warm, key=lambda v: v.bytes).by_url
    print(f"\napp's heaviest second visit: {len(second)} paths, largest first (bytes incl. headers)")
    for path, size in sorted(second.items(), key=lambda item: -item[1])[:8]:
        print(f"  {size:9,d}  {path}")
    result = {
        "cold_ratio": app.median("cold", "drawn_ms") / floor.median("cold", "drawn_ms"),
        "warm_ratio": app.median("warm", "drawn_ms") / floor.median("warm", "drawn_ms"),
        "first_visit_mb": app.median("cold", "bytes") / 1e6,
    }
    for key, value in result.items():
        verdict = "ok" if value <= TARGETS[key] else "MISSED"
        print(f"target {key} <= {TARGETS[key]}: {value:.2f} {verdict}")
    print(
        f"browser: cold_ratio={result['cold_ratio']:.2f} warm_ratio={result['warm_ratio']:.2f}"
        f" first_visit_mb={result['first_visit_mb']:.2f}"
    )


if __name__ == "__main__":
    main()
