"""gunicorn settings for `gunicorn app:server` (the Procfile's web process)."""

import os

# Heroku (and Dokku, Render, Fly) tell the process which port to listen on; [::] also
# accepts IPv4 on a dual-stack host.
bind = f"[::]:{os.environ.get('PORT', '8000')}"

# Heroku sets WEB_CONCURRENCY from the dyno size (2 on standard-1x); 2 fits 512 MB.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))

# Threads let a worker keep serving while some requests wait on the database (at most a few
# seconds: stockdash/db.py bounds every wait) or the provider's bounded fetch. More than a few
# only makes them share one interpreter lock: under bench/load.py (concurrency 50, 2 CPUs) 4
# threads served 164-169 requests/s with /healthz p95 27-35 ms, 8 threads 144-149 with 84 ms.
# stockdash's gthread worker answers GET /healthz, and the page and its files, from threads of
# their own, so neither waits behind chart work (stockdash/web/gunicorn_worker.py).
worker_class = "stockdash.web.gunicorn_worker.FastLaneWorker"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# Load the app once in the master and fork: workers share its memory (pandas, plotly,
# the universe). The app touches no database at import, so no connection is shared.
preload_app = True

# A gthread worker's main thread beats the heartbeat, so this only restarts a worker whose
# main loop is stuck; it never cuts a slow request. Requests are bounded where they wait: the
# database (stockdash/db.py: seconds for the web) and the provider (a 6 s budget), far below
# Heroku's 30 s router limit.
timeout = 25

# Heroku sends SIGTERM and waits 30 s before SIGKILL: finish in-flight requests first.
graceful_timeout = 20

# Access log to stdout: the platform's log router collects it.
accesslog = "-"

# gunicorn 27's control socket lives at one path per user, shared by every instance; not needed.
control_socket_disable = True

# Behind Heroku's router, trust its X-Forwarded-* headers (for scheme and client IP in logs).
forwarded_allow_ips = "*"

# The app answers URLs longer than stockdash.web.api.MAX_URL_BYTES (4096) with a JSON 414, so
# gunicorn must let them through: 8190 is its largest bounded request line (0 would mean no
# bound at all). Only a request line over 8190 bytes still gets gunicorn's own HTML 414.
limit_request_line = 8190
