"""/favicon.ico: browsers ask for it at the root whatever the page links, so it answers 200, not a 404.

The icon lives in the assets folder, where Dash also finds it and links it (as /_favicon.ico).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, send_file

ICON = Path(__file__).resolve().parent / "assets" / "favicon.ico"
ONE_DAY = 86_400


def register(server: Flask) -> None:
    @server.get("/favicon.ico")
    def _favicon() -> Response:
        return send_file(ICON, mimetype="image/vnd.microsoft.icon", max_age=ONE_DAY)
