"""The owner's alerts callbacks: sign in and out, add, pause, resume and remove rules (refused without
the session)."""

from __future__ import annotations

import logging
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from stockdash.alerts import rules as rules_db
from stockdash.alerts.channels import parse_channels
from stockdash.symbols import InvalidSymbol
from stockdash.web import ids
from stockdash.web.alerts import auth
from stockdash.web.alerts.layout import HIDDEN, SHOWN, rules_table
from stockdash.web.components import DB_DOWN
from stockdash.web.services import Services

log = logging.getLogger("stockdash.web")
MAX_FIELD = 200


def _number(text: Any, what: str, *, integer: bool = False) -> float | int | None:
    """A typed number, or None when left empty; ValueError with a plain message."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if not isinstance(text, str) or len(text) > 32:
        raise ValueError(f"{what}: type a number")
    try:
        return int(text) if integer else float(text)
    except ValueError:
        raise ValueError(f"{what}: {text.strip()[:20]!r} is not a number") from None


def _text(value: Any) -> str:
    return value[:MAX_FIELD] if isinstance(value, str) else ""


def _row_action(conn: Connection, trigger: dict[str, Any]) -> str:
    """Remove, pause or resume the rule a row's button names; a plain message says what happened."""
    index = trigger.get("index")
    rule = rules_db.get(conn, index) if isinstance(index, int) else None
    if rule is None:
        return "That rule is gone already."
    if trigger.get("type") == ids.OWNER_REMOVE:
        rules_db.remove(conn, rule.id)
        return f"Removed rule #{rule.id}."
    rules_db.set_enabled(conn, rule.id, not rule.enabled)
    return f"{'Paused' if rule.enabled else 'Resumed'} rule #{rule.id}."


def register(app: Dash, services: Services) -> None:
    settings = services.settings
    auth.configure(app.server, settings)
    channels = parse_channels(settings.alert_channels)

    def owner_view() -> tuple[Any, str]:
        with services.engine.connect() as conn:
            found = rules_db.all_rules(conn)
        labels = ", ".join(c.label for c in channels) or "(ALERT_CHANNELS is unset)"
        return rules_table(found, channels), labels

    @app.callback(
        output=[
            Output(ids.OWNER_VISITOR, "style"),
            Output(ids.OWNER_PANEL, "style"),
            Output(ids.OWNER_RULES, "children"),
            Output(ids.OWNER_CHANNELS, "children"),
            Output(ids.OWNER_MESSAGE, "children"),
            Output(ids.OWNER_TOKEN, "value"),
        ],
        inputs={"_in": Input(ids.OWNER_SIGN_IN, "n_clicks"), "_out": Input(ids.OWNER_SIGN_OUT, "n_clicks")},
        state={"token": State(ids.OWNER_TOKEN, "value")},
        prevent_initial_call=True,
    )
    def _session(_in: object, _out: object, token: object) -> tuple[Any, ...]:
        signed_out: tuple[Any, ...] = (SHOWN, HIDDEN, [], "", no_update, "")
        if ctx.triggered_id == ids.OWNER_SIGN_OUT:
            auth.sign_out()
            return (*signed_out[:4], "Signed out.", "")
        try:
            refused = auth.sign_in(settings, services.engine, token)
            if refused:
                return (*signed_out[:4], refused, "")
            table, labels = owner_view()
        except SQLAlchemyError:
            return (*signed_out[:4], DB_DOWN, no_update)
        log.info("web owner signed in")
        return HIDDEN, SHOWN, table, labels, "", ""

    @app.callback(
        output=[
            Output(ids.OWNER_RULES, "children", allow_duplicate=True),
            Output(ids.OWNER_RULE_MESSAGE, "children"),
        ],
        inputs={
            "_add": Input(ids.OWNER_ADD, "n_clicks"),
            "removes": Input({"type": ids.OWNER_REMOVE, "index": ALL}, "n_clicks"),
            "toggles": Input({"type": ids.OWNER_TOGGLE, "index": ALL}, "n_clicks"),
        },
        state={
            "symbol": State(ids.OWNER_SYMBOL, "value"),
            "kind": State(ids.OWNER_KIND, "value"),
            "value": State(ids.OWNER_VALUE, "value"),
            "minutes": State(ids.OWNER_MINUTES, "value"),
            "chosen": State(ids.OWNER_SELECT, "value"),
            "note": State(ids.OWNER_NOTE, "value"),
        },
        prevent_initial_call=True,
    )
    def _edit(
        _add: object,
        removes: object,
        toggles: object,
        symbol: object,
        kind: object,
        value: object,
        minutes: object,
        chosen: object,
        note: object,
    ) -> tuple[Any, Any]:
        if not auth.is_owner(settings):
            return [], auth.SIGN_IN_FIRST
        trigger = ctx.triggered_id
        try:
            with services.engine.begin() as conn:
                if isinstance(trigger, dict):  # a row's button (a click, not the list redrawn)
                    clicks = removes if trigger.get("type") == ids.OWNER_REMOVE else toggles
                    if not isinstance(clicks, list) or not any(isinstance(n, int) and n > 0 for n in clicks):
                        return no_update, no_update
                    message = _row_action(conn, trigger)
                else:
                    rule = rules_db.add(
                        conn,
                        symbol=_text(symbol),
                        kind=_text(kind),
                        value=_number(value, "value"),
                        minutes=_number(minutes, "minutes", integer=True),  # type: ignore[arg-type]
                        channels=channels,
                        select_channels=_text(chosen),
                        note=_text(note),
                    )
                    message = f"Added #{rule.id}: {rule.describe()}."
        except (ValueError, InvalidSymbol) as exc:
            return no_update, str(exc)
        except SQLAlchemyError:
            return no_update, DB_DOWN
        table, _labels = owner_view()
        return table, message
