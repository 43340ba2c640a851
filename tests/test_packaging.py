"""`pip install .` ships everything the page needs: a wheel built from the source, installed on its own,
serves the page and its vendored bundles."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stockdash.web.page_assets import BUNDLES, VENDOR
from tests.harness import ROOT

# Run from an empty directory with only the installed copy on the path: the source tree is not seen.
SERVE = """
import json, re, sys
import stockdash
from stockdash.config import Settings
from stockdash.db import make_engine
from stockdash.migrate import upgrade
from stockdash.web import create_app

url = sys.argv[1]
upgrade(make_engine(url))
client = create_app(Settings(_env_file=None, database_url=url, provider="demo")).server.test_client()
page = client.get("/")
bundles = {}
for src in re.findall(r'<script src="([^"]*/_stockdash/[^"]+)"', page.get_data(as_text=True)):
    answer = client.get(src)
    bundles[src] = [answer.status_code, len(answer.get_data())]
print(json.dumps({"package": stockdash.__file__, "page": page.status_code, "bundles": bundles}))
"""


@pytest.mark.slow
def test_a_built_wheel_installed_alone_serves_the_page_with_its_bundles(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "stockdash", source / "stockdash", ignore=shutil.ignore_patterns("__pycache__"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", tmp_path / "dist", source], check=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("stockdash-*.whl")
    site = tmp_path / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", site, wheel], check=True, timeout=120)

    run_in = tmp_path / "elsewhere"
    run_in.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", SERVE, f"sqlite:///{tmp_path / 'app.db'}"],
        cwd=run_in,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(answer["package"]).is_relative_to(site)
    assert answer["page"] == 200
    sizes = {(VENDOR / name).stat().st_size for name in BUNDLES}
    assert len(answer["bundles"]) == len(BUNDLES)
    assert {size for status, size in answer["bundles"].values() if status == 200} == sizes
