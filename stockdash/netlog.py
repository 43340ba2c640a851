"""A network error logged once, not once per process: `make run` starts four processes that each
probe Yahoo, and the same DNS failure five times says nothing the first did not.

The processes share a small note in the temp directory of what was logged and when; an error
already noted within WINDOW seconds goes to the debug log only. Losing the note (or a race between
two processes) costs at most a repeated line, never an error unsaid.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import time
import zlib
from pathlib import Path

WINDOW = 600.0
_CHECKOUT = zlib.crc32(str(Path(__file__).resolve().parent).encode())  # one note per checkout and user
MEMO = Path(tempfile.gettempdir()) / f"stockdash-{os.getuid()}-{_CHECKOUT:08x}-network-errors.json"


# curl says "Failed to connect ... after 0 ms" one time and "after 1 ms" the next: the same error.
_TIMINGS = re.compile(r"\b\d+(?:\.\d+)? ?(?:ms|s|seconds)\b")


def first_time(message: str, *, now: float | None = None, memo: Path | None = None) -> bool:
    """Whether no stockdash process logged `message` (timings aside) in the last WINDOW seconds;
    notes it if so."""
    message = _TIMINGS.sub("#", message)
    now = time.time() if now is None else now
    path = memo or MEMO
    try:
        seen = {k: float(v) for k, v in json.loads(path.read_text()).items()}
    except (OSError, ValueError, AttributeError):
        seen = {}
    if now - seen.get(message, -WINDOW) < WINDOW:
        return False
    seen = {k: v for k, v in seen.items() if now - v < WINDOW} | {message: now}
    with contextlib.suppress(OSError):  # an unwritable temp dir: every process logs it, as before
        path.write_text(json.dumps(seen))
    return True
