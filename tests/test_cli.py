"""`python worker.py …` as a user runs it: real processes, real databases."""

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.harness import moment_env

ROOT = Path(__file__).resolve().parent.parent
SYMBOLS = "AAPL,MSFT,NVDA,AMZN,GOOGL,META,JPM,XOM,JNJ,PG,KO,PEP,WMT,HD,CVX,MRK,ABBV,COST,ORCL,NFLX,SPY,QQQ"


def worker(*args: str, database_url: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": database_url,
        "PROVIDER": "demo",
        "HISTORY_YEARS": "2",
        **moment_env(),
        **env,
    }
    return subprocess.run(
        [sys.executable, "worker.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("symbols", "message"),
    [('"; DROP TABLE x;--', "not a valid ticker symbol"), ("", "empty"), ("A" * 50, "too long")],
)
def test_malformed_symbols_are_rejected_before_any_io(tmp_path, symbols, message):
    db = tmp_path / "never.db"
    proc = worker("pull", "--symbols", symbols, database_url=f"sqlite:///{db}")
    assert proc.returncode == 2
    assert message in proc.stderr
    assert not db.exists()


def test_pull_movers_status_end_to_end(database_url):
    assert worker("migrate", database_url=database_url).returncode == 0
    pulled = worker("pull", "--symbols", SYMBOLS, database_url=database_url)
    assert pulled.returncode == 0, pulled.stderr
    assert "job=pull-symbols status=ok" in pulled.stderr and "chunk=1/1" in pulled.stderr

    out = worker("movers", "--json", "--horizon", "1w", "--group", "sp500", database_url=database_url)
    assert out.returncode == 0, out.stderr
    snap = json.loads(out.stdout)
    assert set(snap) == {"as_of", "horizon", "group", "gainers", "losers"}
    assert (snap["horizon"], snap["group"]) == ("1w", "sp500")
    assert len(snap["gainers"]) == len(snap["losers"]) == 10
    assert {"symbol", "name", "close", "change", "pct_change", "volume"} <= set(snap["gainers"][0])

    table = worker("movers", database_url=database_url)
    assert "S&P 500 — 1 day — as of" in table.stdout and "ETFs — 1 year" in table.stdout

    status = worker("status", database_url=database_url)
    assert status.returncode == 0
    assert "data provider : demo" in status.stdout and "movers   ok" in status.stdout


def test_dead_database_is_one_clear_line_and_a_failure_code(tmp_path):
    proc = worker("pull", "--symbols", "AAPL", database_url="postgresql://postgres@127.0.0.1:1/none")
    assert proc.returncode == 1
    assert "job=pull status=failed reason=database unavailable" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["movers", "--date", "2024-11-23"],
            "2024-11-23 is not a trading day (a weekend); the session before is 2024-11-22",
        ),
        (
            ["movers", "--date", "2024-11-28"],
            "2024-11-28 is not a trading day (a market holiday); the session before is 2024-11-27",
        ),
        (
            ["movers", "--date", (date.today() + timedelta(days=30)).isoformat()],
            "has no closed session yet; the latest is",
        ),
        (["movers", "--date", "1985-01-02"], "is before 1990-01-02, where the trading calendar starts"),
        (["movers", "--date", "2024-13-01"], "not a date (YYYY-MM-DD)"),
        (["backfill", "--years", "0"], "must be from 1 to 60 years (got 0)"),
        (["backfill", "--years", "-3"], "must be from 1 to 60 years (got -3)"),
        (["backfill", "--years", "1000"], "must be from 1 to 60 years (got 1000)"),
        (["backfill", "--years", "ten"], "not a whole number of years: 'ten'"),
    ],
)
def test_bad_dates_and_years_exit_2_with_one_line_before_any_io(tmp_path, args, message):
    db = tmp_path / "never.db"
    proc = worker(*args, database_url=f"sqlite:///{db}")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"worker.py {args[0]}: error: argument") and message in last
    assert not db.exists()


def test_stats_by_hand(database_url):
    assert worker("migrate", database_url=database_url).returncode == 0
    assert worker("pull", "--symbols", "AAPL,MSFT,SPY", database_url=database_url).returncode == 0
    out = worker("stats", database_url=database_url)
    assert out.returncode == 0, out.stderr
    assert "screener snapshot for" in out.stdout and ": 3 symbols" in out.stdout
    assert "new 52-week highs: " in out.stdout and "new 52-week lows: " in out.stdout
    assert "job=stats status=ok" in out.stderr
    bad = worker("stats", "--date", "2026-11-26", database_url=database_url)  # Thanksgiving
    assert bad.returncode == 2 and "2026-11-26 is not a trading day (a market holiday)" in bad.stderr
