"""What a first visit downloads, against a real gunicorn: compressed, long-cached, nothing unused."""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
import subprocess

import brotli
import pytest
import requests

from stockdash.web.page_assets import BUNDLES, EAGER_CHUNKS, VENDOR
from tests.conftest import skip_or_fail
from tests.web.conftest import ROOT

FRONTEND = ROOT / "frontend"
LONG_CACHE = "max-age=31536000"


def fetch(url: str, encoding: str) -> tuple[requests.Response, bytes]:
    """GET `url` accepting only `encoding`; the response and its body as sent (not decoded)."""
    resp = requests.get(url, headers={"Accept-Encoding": encoding}, stream=True, timeout=10)
    return resp, resp.raw.read(decode_content=False)


def decode(body: bytes, encoding: str) -> bytes:
    return gzip.decompress(body) if encoding == "gzip" else brotli.decompress(body)


def page_scripts(server) -> list[str]:
    html = requests.get(server.url + "/", timeout=10).text
    return re.findall(r'<script src="([^"]+)"', html)


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_page_and_dash_json_come_compressed(server, encoding):
    for path in ["/", "/_dash-layout", "/_dash-dependencies", "/api/movers", "/api/history/AAPL"]:
        resp, body = fetch(server.url + path, encoding)
        assert resp.status_code == 200, path
        assert resp.headers["Content-Encoding"] == encoding, path
        assert "Accept-Encoding" in resp.headers["Vary"], path
        plain = decode(body, encoding)
        assert len(body) < len(plain), path
        assert (b"<script" in plain) if path == "/" else plain.lstrip()[:1] in (b"{", b"["), path


def test_big_bundles_come_compressed_and_long_cached(server):
    scripts = page_scripts(server)
    big = [s for s in scripts if re.search(r"plotly-stockdash|dash_ag_grid|dash_renderer|react-dom|/dcc/", s)]
    assert len(big) == 6 + len(EAGER_CHUNKS), scripts  # with the chunks listed in the page
    for src in big:
        resp, body = fetch(server.url + src, "gzip")
        assert resp.status_code == 200, src
        assert resp.headers["Content-Encoding"] == "gzip", src
        plain = gzip.decompress(body)
        assert len(body) < 0.45 * len(plain), f"{src}: {len(body)} of {len(plain)} bytes"
        cache_control = resp.headers["Cache-Control"]
        assert LONG_CACHE in cache_control and "immutable" in cache_control, (src, cache_control)


def test_unfingerprinted_chunks_revalidate(server):
    # dcc loads its async chunks by a fixed name, so they must not be cached blindly.
    resp, body = fetch(server.url + "/_dash-component-suites/dash/dcc/async-graph.js", "br")
    assert resp.headers["Content-Encoding"] == "br"
    assert "immutable" not in resp.headers.get("Cache-Control", "")
    again = requests.get(
        resp.url, headers={"Accept-Encoding": "br", "If-None-Match": resp.headers["ETag"]}, timeout=10
    )
    assert again.status_code == 304


def test_component_chunks_are_in_the_page_under_fingerprinted_names(server):
    """dcc.Graph's, Dropdown's and DatePickerRange's chunks load with the page, long-cached, instead
    of by their fixed names (revalidated on every visit) once the layout has rendered."""
    scripts = page_scripts(server)
    for _namespace, _module, rel_path in EAGER_CHUNKS:
        stem = rel_path.rsplit("/", 1)[-1].split(".")[0]
        listed = [s for s in scripts if re.search(rf"/{stem}\.v[\w]+m\d+\.js$", s)]
        assert len(listed) == 1, (rel_path, scripts)
        resp, body = fetch(server.url + listed[0], "gzip")
        assert resp.status_code == 200 and body, listed[0]
        assert "immutable" in resp.headers["Cache-Control"], listed[0]
        plain = requests.get(server.url + f"/_dash-component-suites/{_namespace}/{rel_path}", timeout=10)
        assert gzip.decompress(body) == plain.content  # the chunk webpack would fetch, byte for byte


def stylesheets(server) -> list[str]:
    html = requests.get(server.url + "/", timeout=10).text
    return re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)


def test_our_assets_are_long_cached_under_their_current_stamp_only(server):
    """Dash links each asset as `?m=<mtime>`: under that stamp it is immutable (a changed file gets
    a new URL); under any other (a page from before a deploy) it revalidates."""
    sheets = [s for s in stylesheets(server) if "/assets/style.css?m=" in s]
    scripts = [s for s in page_scripts(server) if "/assets/clientside.js?m=" in s]
    assert len(sheets) == 1 and len(scripts) == 1, (sheets, scripts)
    for url in sheets + scripts:
        resp = requests.get(server.url + url, timeout=10)
        assert resp.status_code == 200 and "immutable" in resp.headers["Cache-Control"], url
        stale = requests.get(server.url + url.split("?")[0] + "?m=1.5", timeout=10)
        assert stale.status_code == 200 and stale.content == resp.content
        assert "immutable" not in stale.headers.get("Cache-Control", ""), url
        bare = requests.get(server.url + url.split("?")[0], timeout=10)
        assert "immutable" not in bare.headers.get("Cache-Control", ""), url
    escaping = requests.get(server.url + "/assets/..%2F..%2Fconfig.py?m=1", timeout=10)
    assert escaping.status_code == 404


def test_page_loads_our_bundles_and_nothing_unused(server):
    scripts = page_scripts(server)
    assert not [s for s in scripts if re.search(r"dash_table|plotly\.min\.js|polyfill", s)], scripts
    renderer = next(i for i, s in enumerate(scripts) if "dash_renderer" in s)
    for filename in BUNDLES:
        committed = (VENDOR / filename).read_bytes()
        stem, ext = filename.split(".", 1)
        url = f"/_stockdash/{stem}.{hashlib.sha256(committed).hexdigest()[:16]}.{ext}"
        # Before the renderer, so window.Plotly and regeneratorRuntime are there when it runs.
        assert scripts.index(url) < renderer
        assert requests.get(server.url + url, timeout=10).content == committed


def test_an_old_bundle_fingerprint_is_not_found(server):
    resp = requests.get(server.url + "/_stockdash/plotly-stockdash.0123456789abcdef.min.js", timeout=10)
    assert resp.status_code == 404
    assert not resp.headers.get("Cache-Control", "").endswith("immutable")


def test_committed_bundles_are_what_the_build_produces(tmp_path):
    """`npm ci && node build.mjs` in a clean copy of frontend/ writes the committed bytes."""
    npm = shutil.which("npm")
    if npm is None:
        skip_or_fail("needs node and npm (and the npm registry) to rebuild frontend/'s bundles")
    for path in FRONTEND.iterdir():
        if path.is_file() and path.name != ".gitignore":
            shutil.copy(path, tmp_path / path.name)
    run = {"cwd": tmp_path, "capture_output": True, "text": True, "timeout": 300}
    installed = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], **run)
    assert installed.returncode == 0, installed.stderr[-2000:]
    built = subprocess.run(["node", "build.mjs", str(tmp_path / "out")], **run)
    assert built.returncode == 0, built.stderr[-2000:]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(BUNDLES)
    for filename in BUNDLES:
        assert (tmp_path / "out" / filename).read_bytes() == (VENDOR / filename).read_bytes(), filename
