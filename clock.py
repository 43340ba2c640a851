"""The Procfile's `clock:` process: `python clock.py` (or `--print-schedule [--days N] [--from DATE]`)."""

from stockdash.clock.main import main

if __name__ == "__main__":
    raise SystemExit(main())
