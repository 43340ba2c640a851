"""Which symbols may join the watchlist: those we can have prices for."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from stockdash.schema import securities
from stockdash.universe import catalogue
from stockdash.web.services import Services


def known_symbol(services: Services, symbol: str) -> bool:
    """In the shipped universe, or stored once (a chart fetched its prices: a security row exists).

    With the database down a symbol outside the universe is given the benefit of the doubt: the
    visitor is told about the outage elsewhere, not that a real ticker is unknown.
    """
    if symbol in catalogue().index:
        return True
    try:
        with services.engine_if_up().connect() as conn:
            found = conn.execute(select(securities.c.symbol).where(securities.c.symbol == symbol)).first()
    except SQLAlchemyError:
        return True
    return found is not None
