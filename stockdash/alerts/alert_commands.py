"""`python worker.py alerts list|add|remove|on|off|test|deliveries`: the owner's rules from a shell."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from stockdash.alerts import rules as rules_db
from stockdash.alerts import status
from stockdash.alerts.channels import Channel, parse_channels, selected
from stockdash.alerts.delivery import send
from stockdash.alerts.kinds import SPECS, Kind
from stockdash.config import Settings
from stockdash.deployment import resolve
from stockdash.symbols import InvalidSymbol

TEST_MESSAGE = "stockdash test message: this channel receives the owner's alerts."


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    kinds = "; ".join(f"{k.value}: {SPECS[k].summary}" for k in Kind)
    p = sub.add_parser("alerts", help="the owner's delivered alerts: list, add, remove, test, deliveries")
    a = p.add_subparsers(dest="alerts_command", required=True)
    a.add_parser("list", help="every rule, its channels and its crossing state")
    add = a.add_parser("add", help="add a rule", description=f"kinds — {kinds}")
    add.add_argument("symbol")
    add.add_argument("kind", choices=[k.value for k in Kind])
    add.add_argument("value", type=float, nargs="?", help="the level or threshold (RSI: 30/70 by default)")
    add.add_argument("--minutes", type=int, help="pct_window: the N minutes")
    add.add_argument(
        "--channels", default="", help="channel numbers from ALERT_CHANNELS, e.g. 1,3 (default: all)"
    )
    add.add_argument("--note", default="", help="a line added to the message")
    for name, text in (("remove", "delete a rule"), ("on", "turn a rule on"), ("off", "turn a rule off")):
        a.add_parser(name, help=text).add_argument("id", type=int)
    a.add_parser("test", help="send a test message to every channel and report each one's result")
    d = a.add_parser("deliveries", help="the latest deliveries: channel, status, attempts, error")
    d.add_argument("--limit", type=int, default=20)


def _channels_text(stored: str, channels: list[Channel]) -> str:
    chosen = selected(stored, channels)
    return "all" if not stored else ",".join(c.label for c in chosen) or "(none configured)"


def cmd_alerts(settings: Settings, args: argparse.Namespace) -> int:
    channels = parse_channels(settings.alert_channels)
    if args.alerts_command == "test":
        return _test(channels)
    engine = resolve(settings).engine()
    with engine.begin() as conn:
        match args.alerts_command:
            case "list":
                found = rules_db.all_rules(conn)
                for r in found:
                    st = r.state
                    state = "fired" if st.fired else "armed" if st.armed else "waiting for the other side"
                    print(
                        f"#{r.id:<4} {'on ' if r.enabled else 'off'} {r.describe():<32} "
                        f"channels={_channels_text(r.channels, channels)} crossing={st.seq} {state}"
                        + (f"  note: {r.note}" if r.note else "")
                    )
                if not found:
                    print("no rules yet: python worker.py alerts add AAPL price_above 200")
            case "add":
                try:
                    rule = rules_db.add(
                        conn,
                        symbol=args.symbol,
                        kind=args.kind,
                        value=args.value,
                        minutes=args.minutes,
                        channels=channels,
                        select_channels=args.channels,
                        note=args.note,
                    )
                except (ValueError, InvalidSymbol) as exc:
                    print(f"alerts add: {exc}")
                    return 2
                print(
                    f"added #{rule.id}: {rule.describe()} channels={_channels_text(rule.channels, channels)}"
                )
            case "remove" | "on" | "off":
                if args.alerts_command == "remove":
                    done = rules_db.remove(conn, args.id)
                else:
                    done = rules_db.set_enabled(conn, args.id, args.alerts_command == "on")
                print(f"#{args.id} {args.alerts_command}: {'done' if done else 'no such rule'}")
                return 0 if done else 1
            case "deliveries":
                for d in status.deliveries(conn, limit=args.limit):
                    error = f" error: {d['error']}" if d["error"] else ""
                    print(
                        f"{d['created_at']:%Y-%m-%d %H:%M:%S} {d['channel']:<12} {d['status']:<8} "
                        f"attempts={d['attempts']} {d['headline'][:70]}{error}"
                    )
    return 0


def _test(channels: list[Channel]) -> int:
    """One test message per channel, each one's result on its own line; 1 if any failed."""
    if not channels:
        print("ALERT_CHANNELS is unset: no channel to test (see docs/alerts.md)")
        return 1
    failed = 0
    for channel in channels:
        error = send(channel, f"{TEST_MESSAGE}\n{datetime.now(UTC):%Y-%m-%d %H:%M:%S UTC}", channels=channels)
        failed += error is not None
        print(f"{channel.label:<12} {'ok' if error is None else 'FAILED: ' + error}")
    return 1 if failed else 0
