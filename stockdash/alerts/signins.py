"""The owner's sign-in: the token compared in constant time, attempts limited per client.

Attempts are rows in the database, so every web process (and dyno) counts the same ones.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from stockdash.schema import sign_in_attempts

ATTEMPTS = 5  # per client within WINDOW, right or wrong
WINDOW = timedelta(minutes=5)


def token_matches(given: str, token: str) -> bool:
    """Whether `given` is the owner's token, in time that does not depend on where they differ."""
    # Digests first: equal lengths, so not even the token's length shows in the time taken.
    return hmac.compare_digest(_digest(given), _digest(token))


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def owner_mark(token: str, secret_key: str) -> str:
    """What the session cookie holds for the owner: changes when the token does (old sessions end)."""
    return hmac.new(secret_key.encode(), b"owner:" + token.encode(), hashlib.sha256).hexdigest()[:32]


def allowed(conn: Connection, client: str, *, now: datetime) -> bool:
    """Record an attempt by `client`; False when it already made ATTEMPTS within WINDOW."""
    since = now - WINDOW
    c = sign_in_attempts.c
    made = conn.execute(select(func.count()).where(c.client == client, c.at >= since)).scalar_one()
    conn.execute(sign_in_attempts.delete().where(c.at < since))
    if made >= ATTEMPTS:
        return False
    conn.execute(sign_in_attempts.insert().values(client=client[:64], at=now))
    return True
