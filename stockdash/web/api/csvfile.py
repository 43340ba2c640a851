"""The API's one CSV writer: a header row, then the rows, `None` as an empty field, as a download."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response


def csv_download(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, filename: str) -> Response:
    """A `text/csv` attachment named `filename`; values as `str()` writes them (floats round-trip)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")  # the csv module writes None as an empty field
    writer.writerow(columns)
    writer.writerows(rows)
    return Response(
        buf.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
