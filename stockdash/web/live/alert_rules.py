"""The visitor's price alerts on the live card: the form, the rules and what fired.

Rules live in the browser (localStorage); the rules themselves and how they fire are in alerts.py.
This module holds the form, the edits (plain functions), the lists drawn from the stores, and their
wiring; toasts and notifications are drawn in the browser (assets/live.js).
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

from dash import ALL, ClientsideFunction, Dash, Input, NoUpdate, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from stockdash.calendar import NEW_YORK
from stockdash.web import ids
from stockdash.web.live import alerts, data


def panel() -> html.Div:
    kinds = [{"label": v, "value": k} for k, v in alerts.KINDS.items()]
    form = html.Div(
        [
            dcc.Dropdown(
                id=ids.RULE_SYMBOL, options=[], placeholder="Symbol", clearable=False, className="dd"
            ),
            dcc.Dropdown(id=ids.RULE_KIND, options=kinds, value="above", clearable=False, className="dd"),
            dcc.Input(id=ids.RULE_VALUE, type="text", placeholder="Level or %", className="in"),
            dcc.Input(
                id=ids.RULE_MINUTES, type="text", inputMode="numeric", placeholder="Minutes", className="in"
            ),
            html.Button("Add alert", id=ids.RULE_ADD, n_clicks=0, className="button button-plain"),
        ],
        className="rule-form",
    )
    return html.Div(
        [
            html.Div(
                [
                    html.H3("Alerts"),
                    html.Button(
                        "Allow notifications", id=ids.NOTIFY, n_clicks=0, className="button button-plain"
                    ),
                    html.Span(id=ids.NOTIFY_STATE, className="meta"),
                ],
                className="alerts-head",
            ),
            form,
            html.Div(id=ids.RULE_NOTE, className="notice", role="status"),
            html.Div(
                [
                    html.Div([html.H4("Rules"), html.Ul(id=ids.RULE_LIST, className="rule-list")]),
                    html.Div([html.H4("Fired"), html.Ul(id=ids.FIRED_LIST, className="fired-list")]),
                ],
                className="alerts-lists",
            ),
        ],
        className="alerts",
    )


class RulesEdit(NamedTuple):
    rules: list[dict[str, Any]] | NoUpdate
    note: str


def edit_rules(
    trigger: object,
    *,
    rules: object,
    symbol: str | None,
    kind: str | None,
    value: object,
    minutes: object,
    clicked: bool,
) -> RulesEdit:
    """The rules after an add or a remove; a bad rule is a plain note and changes nothing."""
    current = [alerts.rule_json(r) for r in alerts.parse_rules(rules)]
    if isinstance(trigger, dict) and trigger.get("type") == ids.RULE_REMOVE:
        if not clicked:
            raise PreventUpdate  # a remove button appearing, not clicked
        return RulesEdit([r for r in current if r["id"] != trigger.get("index")], "")
    if trigger != ids.RULE_ADD or not clicked:
        raise PreventUpdate
    if len(current) >= alerts.MAX_RULES:
        return RulesEdit(no_update, f"Up to {alerts.MAX_RULES} alerts: remove one first.")
    raw = {
        "id": f"r{time.time_ns() // 1000}",
        "symbol": symbol,
        "kind": kind,
        "value": value,
        "minutes": minutes,
    }
    if not symbol:
        return RulesEdit(no_update, "Choose the symbol the alert watches.")
    try:
        rule = alerts.make_rule(raw)
    except alerts.BadRule as exc:
        return RulesEdit(no_update, f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
    return RulesEdit([*current, alerts.rule_json(rule)], "")


def rule_items(rules: object) -> list[html.Li]:
    items = [
        html.Li(
            [
                html.Span(alerts.describe(r)),
                html.Button(
                    "✕", id={"type": ids.RULE_REMOVE, "index": r.id}, className="link", title="Remove"
                ),
            ]
        )
        for r in alerts.parse_rules(rules)
    ]
    return items or [html.Li("No alerts yet.", className="meta")]


def fired_items(fired: object) -> list[html.Li]:
    items = []
    for f in fired if isinstance(fired, list) else []:
        when = data.utc_of(f.get("time")) if isinstance(f, dict) else None
        if when is None:
            continue
        items.append(
            html.Li(
                [
                    html.Span(f"{when.astimezone(NEW_YORK):%d %b %H:%M:%S} ET", className="meta"),
                    html.Span(str(f.get("text"))[:200]),
                ]
            )
        )
    return items or [html.Li("Nothing has fired.", className="meta")]


def register(app: Dash) -> None:
    @app.callback(
        output=[Output(ids.RULES, "data"), Output(ids.RULE_NOTE, "children")],
        inputs={
            "add": Input(ids.RULE_ADD, "n_clicks"),
            "removes": Input({"type": ids.RULE_REMOVE, "index": ALL}, "n_clicks"),
        },
        state={
            "rules": State(ids.RULES, "data"),
            "symbol": State(ids.RULE_SYMBOL, "value"),
            "kind": State(ids.RULE_KIND, "value"),
            "value": State(ids.RULE_VALUE, "value"),
            "minutes": State(ids.RULE_MINUTES, "value"),
        },
        prevent_initial_call=True,
    )
    def _rules(add: object, removes: object, **values: Any) -> RulesEdit:
        clicked = bool(ctx.triggered and ctx.triggered[0].get("value"))
        return edit_rules(ctx.triggered_id, clicked=clicked, **values)

    @app.callback(output=Output(ids.RULE_LIST, "children"), inputs={"rules": Input(ids.RULES, "data")})
    def _rule_list(rules: object) -> list[html.Li]:
        return rule_items(rules)

    @app.callback(output=Output(ids.FIRED_LIST, "children"), inputs={"fired": Input(ids.FIRED, "data")})
    def _fired_list(fired: object) -> list[html.Li]:
        return fired_items(fired)

    @app.callback(output=Output(ids.RULE_MINUTES, "disabled"), inputs={"kind": Input(ids.RULE_KIND, "value")})
    def _minutes_used(kind: object) -> bool:
        return kind != "move"

    # In the browser (assets/live.js): toasts and notifications for what fired, and asking the
    # visitor for notification permission.
    app.clientside_callback(
        ClientsideFunction("live", "toast_fired"),
        output=Output(ids.LIVE_SINK, "data"),
        inputs=[Input(ids.FIRED, "data")],
    )
    app.clientside_callback(
        ClientsideFunction("live", "ask_notifications"),
        output=Output(ids.NOTIFY_STATE, "children"),
        inputs=[Input(ids.NOTIFY, "n_clicks")],
    )
