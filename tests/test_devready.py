"""`make run` ends with the address to open: devready waits for /healthz, then prints it."""

import subprocess
import sys
from pathlib import Path

from stockdash import devready
from tests.harness import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_the_address_is_printed_once_the_web_answers(tmp_path):
    port = free_port()
    url = f"http://localhost:{port}"
    ready = subprocess.Popen(
        [sys.executable, "-m", "stockdash.devready", url], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert not devready.answers(url)
    web = subprocess.Popen(  # any HTTP answer will do: a 404 from a plain file server
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        out, _ = ready.communicate(timeout=60)
        assert ready.returncode == 0 and out == f"Open {url}\n"
    finally:
        web.terminate()
        web.wait(timeout=10)
        if ready.poll() is None:
            ready.kill()


def test_make_run_takes_the_port_and_ends_with_devready():
    makefile = (ROOT / "Makefile").read_text()
    assert "PORT ?= 5000" in makefile
    assert "stockdash.devready http://localhost:$(PORT) &" in makefile and "-p $(PORT)" in makefile
    readme = (ROOT / "README.md").read_text()
    assert "make run PORT=8050" in readme and "Open http://localhost:5000" in readme
