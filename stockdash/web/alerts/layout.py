"""The owner's alerts card: a sign-in form for everyone, the rules and the add form for the owner."""

from __future__ import annotations

from dash import dcc, html

from stockdash.alerts.channels import Channel
from stockdash.alerts.kinds import SPECS, Kind
from stockdash.alerts.rules import Rule
from stockdash.web import ids
from stockdash.web.alerts.auth import OFF
from stockdash.web.components import card

HIDDEN = {"display": "none"}
SHOWN: dict = {}


def rules_table(rules: list[Rule], channels: list[Channel]) -> html.Div | html.Table:
    """The owner's rules, one row each with its state, a Pause (or Resume) and a Remove button."""
    if not rules:
        return html.Div("No rules yet: add one below.", className="muted")
    labels = {str(c.number): c.label for c in channels}
    rows = []
    for r in rules:
        st = r.state
        state = "fired" if st.fired else "armed" if st.armed else "waiting for the other side"
        chosen = ", ".join(labels.get(n, f"#{n}") for n in r.channels.split(",")) if r.channels else "all"
        rows.append(
            html.Tr(
                [
                    html.Td(r.symbol, className="sym"),
                    html.Td(r.describe().split(" ", 1)[1]),
                    html.Td(chosen),
                    html.Td(state if r.enabled else "paused"),
                    html.Td(r.note),
                    html.Td(
                        [
                            html.Button(
                                "Pause" if r.enabled else "Resume",
                                id={"type": ids.OWNER_TOGGLE, "index": r.id},
                                n_clicks=0,
                                className="link",
                            ),
                            html.Button(
                                "Remove",
                                id={"type": ids.OWNER_REMOVE, "index": r.id},
                                n_clicks=0,
                                className="link",
                            ),
                        ]
                    ),
                ],
                className="owner-rule",
            )
        )
    head = html.Tr([html.Th(h) for h in ("Symbol", "Rule", "Channels", "State", "Note", "")])
    return html.Table([html.Thead(head), html.Tbody(rows)], className="owner-rules-table")


def _add_form() -> html.Div:
    kinds = [{"label": f"{k.value}: {SPECS[k].summary}", "value": k.value} for k in Kind]
    return html.Div(
        className="owner-add",
        children=[
            dcc.Input(id=ids.OWNER_SYMBOL, type="text", placeholder="Symbol (AAPL)", className="in"),
            dcc.Dropdown(id=ids.OWNER_KIND, options=kinds, value=Kind.PRICE_ABOVE.value, clearable=False),
            dcc.Input(id=ids.OWNER_VALUE, type="text", placeholder="Level or %", className="in"),
            dcc.Input(id=ids.OWNER_MINUTES, type="text", placeholder="Minutes (N)", className="in"),
            dcc.Input(id=ids.OWNER_SELECT, type="text", placeholder="Channels (all)", className="in"),
            dcc.Input(id=ids.OWNER_NOTE, type="text", placeholder="Note (optional)", className="in"),
            html.Button("Add rule", id=ids.OWNER_ADD, n_clicks=0, className="button button-plain"),
        ],
    )


def owner_card(*, enabled: bool, owner: bool, rules: list[Rule], channels: list[Channel]) -> html.Section:
    """Both parts are always there (the callbacks swap which shows); the owner's part is filled
    only for the owner's session, so a visitor's page never holds the rules or the channels."""
    visitor = (
        [
            html.Label("Owner's token", htmlFor=ids.OWNER_TOKEN),
            dcc.Input(
                id=ids.OWNER_TOKEN,
                type="password",
                placeholder="ADMIN_TOKEN",
                autoComplete="off",
                className="in",
            ),
            html.Button(
                "Sign in to manage alerts", id=ids.OWNER_SIGN_IN, n_clicks=0, className="button button-plain"
            ),
        ]
        if enabled
        else [
            html.P(OFF, className="muted"),
            dcc.Input(id=ids.OWNER_TOKEN, type="password", style=HIDDEN),
            html.Button(id=ids.OWNER_SIGN_IN, n_clicks=0, style=HIDDEN),
        ]
    )
    shown = owner and enabled
    return card(
        html.H2("Alerts that reach you"),
        html.Div(visitor, id=ids.OWNER_VISITOR, style=HIDDEN if shown else SHOWN, className="owner-visitor"),
        html.Div(id=ids.OWNER_MESSAGE, className="owner-message", role="status"),
        html.Div(
            id=ids.OWNER_PANEL,
            style=SHOWN if shown else HIDDEN,
            children=[
                html.P(
                    [
                        "Delivered by the server to: ",
                        html.Span(
                            ", ".join(c.label for c in channels) if shown else "", id=ids.OWNER_CHANNELS
                        ),
                        " (ALERT_CHANNELS). Once per crossing; see docs/alerts.md.",
                    ],
                    className="muted",
                ),
                html.Div(rules_table(rules, channels) if shown else [], id=ids.OWNER_RULES),
                _add_form(),
                html.Div(id=ids.OWNER_RULE_MESSAGE, className="owner-message", role="status"),
                html.Button("Sign out", id=ids.OWNER_SIGN_OUT, n_clicks=0, className="button button-plain"),
            ],
        ),
    )
