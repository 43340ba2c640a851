"""Each distinct network error is logged once across processes, not once per process."""

import logging
import subprocess
import sys
from pathlib import Path

from stockdash import netlog
from stockdash.providers import yahoo

ROOT = Path(__file__).resolve().parent.parent


def test_a_message_is_new_once_per_window(tmp_path):
    memo = tmp_path / "memo.json"
    assert netlog.first_time("DNS: no host", now=1000.0, memo=memo)
    assert not netlog.first_time("DNS: no host", now=1000.0 + netlog.WINDOW - 1, memo=memo)
    assert netlog.first_time("refused", now=1001.0, memo=memo)  # another error is said
    assert netlog.first_time("refused after 0 ms", now=1002.0, memo=memo)
    assert not netlog.first_time("refused after 1 ms", now=1003.0, memo=memo)  # the same, timings aside
    assert netlog.first_time("DNS: no host", now=1000.0 + netlog.WINDOW, memo=memo)  # said again later
    memo.write_text("not json")
    assert netlog.first_time("DNS: no host", now=5000.0, memo=memo)  # a broken note costs nothing


def test_the_same_probe_failure_is_logged_once(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(netlog, "MEMO", tmp_path / "memo.json")
    caplog.set_level(logging.INFO, logger="stockdash.providers.yahoo")
    closed = "http://127.0.0.1:9/v8/finance/chart/SPY"  # the discard port: refused at once
    assert yahoo.reachable(timeout=2.0, url=closed) is False
    assert yahoo.reachable(timeout=2.0, url=closed) is False
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(said) == 1 and said[0].startswith("yahoo unreachable: "), said


def test_another_process_does_not_repeat_it(tmp_path, monkeypatch):
    memo = tmp_path / "memo.json"
    probe = (
        "import logging, sys; from stockdash import netlog; from stockdash.providers import yahoo;"
        f"netlog.MEMO = __import__('pathlib').Path({str(memo)!r});"
        "logging.basicConfig(level=logging.INFO, stream=sys.stderr);"
        "yahoo.reachable(timeout=2.0, url='http://127.0.0.1:9/')"
    )
    runs = [
        subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True) for _ in "ab"
    ]
    assert [r.stderr.count("yahoo unreachable") for r in runs] == [1, 0], [r.stderr for r in runs]
