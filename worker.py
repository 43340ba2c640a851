"""Jobs CLI: `python worker.py migrate|pull|backfill|movers|status` (see --help)."""

import sys

from stockdash.cli import main
from stockdash.jobs import compute_movers, daily, housekeeping, pull  # noqa: F401  the jobs the clock runs

if __name__ == "__main__":
    sys.exit(main())
