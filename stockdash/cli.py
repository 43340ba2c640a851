"""`python worker.py …`: the jobs, runnable by hand (`heroku run python worker.py pull`)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, date, datetime

from sqlalchemy.exc import SQLAlchemyError

from stockdash import actions, calendar, cli_args, ingest, jobs, logs, migrate, movers, reads, screener
from stockdash.alerts import alert_commands as alerts_cli
from stockdash.alerts import status as alert_status
from stockdash.config import Settings, get_settings
from stockdash.db import get_engine, migration_urls
from stockdash.dbname import database_name
from stockdash.deployment import resolve
from stockdash.errors import error_text
from stockdash.live import stream_command as live_cli
from stockdash.providers.base import ProviderError
from stockdash.runs import Status
from stockdash.symbols import InvalidSymbol, normalise_many
from stockdash.universe import GROUP_LABELS, to_yahoo
from stockdash.workers import queue_commands as queue_cli

log = logging.getLogger("stockdash.worker")

EXIT_STATUS = {Status.OK: 0, Status.PARTIAL: 3, Status.CUT_SHORT: 3, Status.FAILED: 1}


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _symbols(text: str) -> list[str]:
    try:
        return [to_yahoo(s) for s in normalise_many(text)]
    except InvalidSymbol as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="worker.py", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations (the release phase)")
    pull = sub.add_parser("pull", help="fetch missing daily bars for the universe")
    pull.add_argument("--symbols", type=_symbols, help="comma-separated symbols instead of UNIVERSE")
    pull.add_argument("--since", type=_date, help="fetch from this date even if stored")
    pull.add_argument("--enqueue", action="store_true", help="queue it for the workers, as the clock does")
    back = sub.add_parser("backfill", help="fetch HISTORY_YEARS (or --years) again, replacing stored bars")
    back.add_argument("--symbols", type=_symbols)
    back.add_argument("--years", type=cli_args.history_years, help="years to fetch (default: HISTORY_YEARS)")
    acts = sub.add_parser(
        "actions", help="fetch the dividends and splits of the stored bars (a one-off backfill)"
    )
    acts.add_argument("--symbols", type=_symbols, help="comma-separated symbols instead of every stored one")
    mv = sub.add_parser("movers", help="compute (and print) top gainers and losers")
    mv.add_argument("--date", type=cli_args.session_date, help="trading date (default: latest with data)")
    mv.add_argument("--horizon", choices=list(movers.HORIZONS), default="1d")
    mv.add_argument("--group", choices=list(movers.GROUPS), default="sp500")
    mv.add_argument("--json", action="store_true", help="print one snapshot as JSON")
    st = sub.add_parser("stats", help="compute the screener's snapshot of figures per symbol")
    st.add_argument("--date", type=cli_args.session_date, help="trading date (default: latest with data)")
    st.add_argument("--full", action="store_true", help="RSI/ATR from each symbol's whole history")
    sub.add_parser(
        "status", help="last runs, data freshness, row counts, live stream; the queue with REDIS_URL"
    )
    sub.add_parser("housekeeping", help="what the clock runs nightly: prune old rows, close abandoned runs")
    stream = sub.add_parser("stream", help="run the live ingest in the foreground, whatever the hour")
    stream.add_argument("--symbols", type=_symbols, help="comma-separated symbols instead of the live set")
    stream.add_argument("--seconds", type=int, help="stop after this many seconds")
    queue_cli.add_commands(sub)
    alerts_cli.add_commands(sub)
    return p


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    # Alembic's own lines, once per database, named none; ours says which database and what changed.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    for url in migration_urls(settings):
        engine = get_engine(url)
        before = migrate.current(engine)
        migrate.upgrade(engine)
        after = migrate.current(engine)
        change = f"{before or 'empty'} -> {after}" if before != after else f"at {after}, nothing to do"
        log.info("job=migrate status=ok database=%s %s", database_name(url), change)
    return 0


def cmd_pull(settings: Settings, args: argparse.Namespace) -> int:
    if args.enqueue:
        return queue_cli.cmd_enqueue_pull(settings, args)
    result = jobs.pull(
        resolve(settings).engine(),
        resolve(settings).provider(),
        settings,
        symbols=args.symbols,
        since=args.since,
    )
    return EXIT_STATUS[result.status]


def cmd_backfill(settings: Settings, args: argparse.Namespace) -> int:
    if args.years is not None:
        settings = settings.model_copy(update={"history_years": args.years})
    today = calendar.last_closed_session()
    result = jobs.pull(
        resolve(settings).engine(),
        resolve(settings).provider(),
        settings,
        symbols=args.symbols,
        since=ingest.history_start(settings, today),
        today=today,
    )
    return EXIT_STATUS[result.status]


def cmd_actions(settings: Settings, args: argparse.Namespace) -> int:
    try:
        deployment = resolve(settings)
        done = actions.backfill(deployment.engine(), deployment.provider(), symbols=args.symbols)
    except ProviderError as exc:
        log.error("job=actions status=failed reason=%s", error_text(exc))
        return 1
    for symbol, reason in sorted(done.failures.items()):
        log.warning("job=actions symbol=%s failed: %s", symbol, reason)
    log.info("job=actions symbols=%d rows=%d failed=%d", done.symbols, done.rows, len(done.failures))
    return 3 if done.failures else 0


def cmd_movers(settings: Settings, args: argparse.Namespace) -> int:
    engine = resolve(settings).engine()
    result = jobs.compute_movers(engine, as_of=args.date)
    if result.status == Status.FAILED:
        print(f"movers failed: {result.message}", file=sys.stderr)
        return 1
    with engine.connect() as conn:
        if args.json:
            snap = movers.read(conn, as_of=result.target_date, horizon=args.horizon, group=args.group)
            print(json.dumps(snap, indent=2))
            return 0
        for group in movers.GROUPS:
            for horizon in movers.HORIZONS:
                snap = movers.read(conn, as_of=result.target_date, horizon=horizon, group=group)
                print(format_snapshot(snap))
    return 0


def cmd_stats(settings: Settings, args: argparse.Namespace) -> int:
    result = jobs.compute_stats(resolve(settings).engine(), as_of=args.date, full=args.full)
    if result.status == Status.FAILED:
        print(f"stats failed: {result.message}", file=sys.stderr)
        return 1
    print(f"screener snapshot for {result.target_date}: {result.rows_written:,} symbols ({result.message})")
    with resolve(settings).engine().connect() as conn:
        _, rows = screener.read_snapshot(conn, result.target_date)
    for flag, label in (("new_high_52w", "new 52-week highs"), ("new_low_52w", "new 52-week lows")):
        hits = [r["symbol"] for r in rows if r[flag]]
        print(
            f"{label}: {len(hits)}"
            + (f" ({', '.join(hits[:10])}{' …' if len(hits) > 10 else ''})" if hits else "")
        )
    return EXIT_STATUS[result.status]


def format_snapshot(snap: dict) -> str:
    title = (
        f"{GROUP_LABELS[snap['group']]} — {movers.HORIZON_LABELS[snap['horizon']]} — as of {snap['as_of']}"
    )
    lines = [title, "=" * len(title)]
    for side in ("gainers", "losers"):
        lines.append(
            f"{side.capitalize():<8} {'name':<28} {'close':>10} {'change':>9} {'%':>8} {'volume':>13}"
        )
        for r in snap[side]:
            vol = f"{r['volume']:,}" if r["volume"] is not None else "-"
            lines.append(
                f"{r['symbol']:<8} {r['name'][:28]:<28} {r['close']:>10.2f} {r['change']:>+9.2f} "
                f"{r['pct_change']:>+7.2f}% {vol:>13}"
            )
        lines.append("")
    return "\n".join(lines)


def cmd_status(settings: Settings, _args: argparse.Namespace) -> int:
    info = reads.status(resolve(settings).engine())
    print(f"data provider : {info['provider'] or '(empty database)'}")
    print(f"latest bar    : {info['latest_bar'] or '-'}    latest movers: {info['latest_movers'] or '-'}")
    last = info["last_pull"]
    if last:
        when = f"{last['finished_at']:%Y-%m-%d %H:%M %Z}"
        print(f"last pull     : {when} for {last['target_date']} ({last['status']})")
    else:
        print("last pull     : never")
    print(
        f"rows          : {info['daily_bars']:,} bars, {info['symbols_with_bars']:,} symbols, "
        f"{info['securities']:,} securities"
    )
    print("recent runs   :")
    for r in info["recent_runs"]:
        print(
            f"  #{r['id']:<5} {r['job']:<8} {r['status']:<8} {r['started_at']:%Y-%m-%d %H:%M} "
            f"ok={r['symbols_ok']} failed={r['symbols_failed']} rows={r['rows_written']} {r['message'][:60]}"
        )
        if r["job"] in ("pull", "pull-symbols"):
            queue_cli.print_chunks(resolve(settings).engine(), r["id"])
    for line in live_cli.status_lines(resolve(settings).engine(), settings):
        print(line)
    with resolve(settings).engine().connect() as conn:
        for line in alert_status.status_lines(conn, now=datetime.now(UTC)):
            print(line)
    return queue_cli.print_queue(settings)


def cmd_housekeeping(settings: Settings, _args: argparse.Namespace) -> int:
    return EXIT_STATUS[jobs.housekeeping(resolve(settings).engine(), settings).status]


def cmd_stream(settings: Settings, args: argparse.Namespace) -> int:
    deployment = resolve(settings)
    return live_cli.run_stream(
        deployment.engine(),
        settings,
        provider_name=deployment.provider_name,
        symbols=args.symbols,
        seconds=args.seconds,
    )


COMMANDS = {
    "migrate": cmd_migrate,
    "pull": cmd_pull,
    "backfill": cmd_backfill,
    "actions": cmd_actions,
    "movers": cmd_movers,
    "stats": cmd_stats,
    "status": cmd_status,
    "housekeeping": cmd_housekeeping,
    "stream": cmd_stream,
    **queue_cli.COMMANDS,
    "alerts": alerts_cli.cmd_alerts,
}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = get_settings()
    logs.setup(settings.log_level)
    try:
        if args.command != "migrate":  # migrate applies to every database the settings may pick
            resolve(settings)  # once, at start: the commands read this process's decision
        return COMMANDS[args.command](settings, args)
    except SQLAlchemyError as exc:
        first = error_text(exc)
        if "job_runs" in first or "dataset" in first:
            first += " (run `python worker.py migrate` first)"
        log.error("job=%s status=failed reason=database unavailable: %s", args.command, first)
        return 1
