"""Who a request comes from, for the per-visitor provider budget."""

from __future__ import annotations

import ipaddress

from flask import Request


def client_address(request: Request) -> str:
    """The visitor's IP (an IPv6 visitor's /64), or "" when there is none to tell.

    Heroku's router appends the address it accepted the connection from to X-Forwarded-For,
    after whatever the client sent itself: the last hop is the one to trust, the first is
    anything a client likes. Without a proxy in front it is the peer address.
    """
    forwarded = ",".join(request.headers.getlist("X-Forwarded-For"))
    for candidate in (forwarded.rsplit(",", 1)[-1].strip(), request.remote_addr or ""):
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            continue
        if address.version == 6:  # one host usually holds a whole /64
            return str(ipaddress.ip_network(f"{address}/64", strict=False))
        return str(address)
    return ""
