"""Who is asking: the client's address, taken one way for every limit.

Every counter of failed attempts (staff logins through django-axes, public query codes) and
the API's rate limits must agree on the address, or a client could pick the door that
counts it least. The rule is DRF's (``SimpleRateThrottle.get_ident``) with
``HOTLINE_NUM_PROXIES`` (``REST_FRAMEWORK["NUM_PROXIES"]``): 0 — the default — takes
``REMOTE_ADDR`` and ignores ``X-Forwarded-For``, which any client can write; behind N
reverse proxies the address is the N-th from the right of ``X-Forwarded-For`` (the one the
nearest trusted proxy saw).
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest
from rest_framework.settings import api_settings

# An IPv6 subscriber usually holds a whole /64: counting single addresses there would give
# one person 2**64 fresh budgets.
IPV6_PREFIX = 64


def client_address(request: HttpRequest) -> str:
    """The client's address as the rate limits see it ("" when the server got none)."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    proxies = int(api_settings.NUM_PROXIES or 0)
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in str(forwarded).split(",")]
    return hops[-min(proxies, len(hops))] or remote


def client_network(address: str) -> str:
    """The unit a limit counts: the IPv4 address itself, or the IPv6 address's /64.

    A value that is not an address (a misconfigured proxy header) is counted as given.
    """
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip()
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_PREFIX), strict=False))
    return str(ip)
