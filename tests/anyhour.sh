#!/usr/bin/env bash
# The clock-sensitive tests once per moment of the trading week (issue 20), so CI passes at any
# hour: each run sets STOCKDASH_TEST_NOW and the test session, with every process it starts
# (gunicorn, clock.py, worker.py), reads that wall clock (tests/anyhour/sitecustomize.py).
#
#   tests/anyhour.sh [moment ...]     all moments by default; ANYHOUR_JOBS=2 run side by side
#
# Moments are real NYSE times of Thanksgiving week 2026, all in the past: gunicorn's worker
# watchdog compares file times with time.time(), so a moment in the future would have it kill
# workers. SQLite only (-k "not postgres"): the hour changes what the code asks, not how either
# database answers, and `make test` runs both. Browser tests keep the real clock (Chromium's own
# timers cannot travel), and `slow` ones are left to `make test` to keep this run within minutes.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTEST=${PYTEST:-.venv/bin/pytest}
JOBS=${ANYHOUR_JOBS:-2}

declare -A MOMENTS=(
  [pre-market]=2026-11-24T07:30:00-05:00   # Tue: the stream runs, the session has not opened
  [regular]=2026-11-24T11:00:00-05:00      # Tue: the market is open
  [post-market]=2026-11-24T17:30:00-05:00  # Tue: after the close, before 20:00
  [overnight]=2026-11-19T02:48:00-05:00    # Thu 02:48, the hour issue 20's failing run had
  [weekend]=2026-11-28T12:00:00-05:00      # Sat
  [holiday]=2026-11-26T12:00:00-05:00      # Thanksgiving: no session
  [half-day]=2026-11-27T13:30:00-05:00     # Fri: 30 minutes after the early 13:00 close
)
ORDER=(pre-market regular post-market overnight weekend holiday half-day)

# The live, clock, chart and movers tests (and the jobs and calendar they stand on).
TESTS=(
  tests/test_anyhour.py tests/test_calendar.py tests/test_movers.py tests/test_jobs.py tests/test_fetchbudget.py
  tests/live tests/clock tests/web/test_callbacks.py tests/web/test_live_callbacks.py
  tests/web/test_live_closed_market.py tests/web/test_intraday_fetch.py tests/web/test_links.py
)

LOGS=$(mktemp -d "${TMPDIR:-/tmp}/anyhour.XXXXXX")

run_moment() {
  local name=$1 when=${MOMENTS[$1]} log=$LOGS/$1.log status
  local started=$SECONDS
  if STOCKDASH_TEST_NOW=$when /usr/bin/time -f "%U %S" -o "$log.cpu" \
    "$PYTEST" -q -p no:cacheprovider -m "not browser and not slow" -k "not postgres" "${TESTS[@]}" \
    >"$log" 2>&1; then
    status=passed
  else
    status=FAILED
  fi
  read -r user sys < <(tail -n 1 "$log.cpu")  # after "Command exited with …" when it failed
  printf '%-11s %s  %s in %3d s (cpu %.0f s)  %s\n' "$name" "$when" "$status" $((SECONDS - started)) \
    "$(awk "BEGIN {print $user + $sys}")" "$(tail -n 1 "$log")" >"$log.summary"
}

names=("$@")
[ ${#names[@]} -eq 0 ] && names=("${ORDER[@]}")
for name in "${names[@]}"; do
  [ -n "${MOMENTS[$name]:-}" ] || { echo "unknown moment '$name' (one of: ${ORDER[*]})" >&2; exit 2; }
done

started=$SECONDS
for name in "${names[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
  run_moment "$name" &
done
wait

failed=0
for name in "${names[@]}"; do
  if grep -q " FAILED in " "$LOGS/$name.log.summary"; then
    failed=1
    echo "=== $name: STOCKDASH_TEST_NOW=${MOMENTS[$name]} tests/anyhour.sh $name"
    grep -E "^(FAILED|ERROR)" "$LOGS/$name.log" || tail -n 40 "$LOGS/$name.log"
  fi
done
echo "any hour ($JOBS side by side, $((SECONDS - started)) s in all; logs in $LOGS):"
for name in "${names[@]}"; do cat "$LOGS/$name.log.summary"; done
exit $failed
