"""`python -m stockdash.devready URL`: wait for the web to answer, then say where to open it.

`make run` starts this beside honcho: the last line of a fresh start is then the address to open,
not a gunicorn worker's boot line. Gives up quietly after WAIT seconds (the web's own lines say why).
"""

from __future__ import annotations

import sys
import time
import urllib.error
import urllib.request

WAIT = 180.0


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # it answers (a 503 while the database warms up is an answer)
    except OSError:
        return False


def main(argv: list[str]) -> int:
    url = argv[1].rstrip("/") if len(argv) > 1 else "http://localhost:5000"
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if answers(url):
            print(f"Open {url}", flush=True)
            return 0
        time.sleep(0.5)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
