"""Whether a request came from this machine itself (who may read ``/metrics``).

The client's address is ``hotline.core.clients.client_address``: the one rule every rate
limit uses (``HOTLINE_NUM_PROXIES``: 0 takes ``REMOTE_ADDR``; behind N proxies, the N-th
address from the right of ``X-Forwarded-For``).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from hotline.core.clients import client_address

FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


def num_proxies() -> int:
    value: Any = settings.REST_FRAMEWORK.get("NUM_PROXIES")
    return int(value or 0)


def is_loopback_client(request: HttpRequest) -> bool:
    """True only for a request that came from this machine itself.

    Without configured proxies, a loopback ``REMOTE_ADDR`` with a forwarding header is a
    proxy on this machine relaying someone else (an nginx left at ``HOTLINE_NUM_PROXIES=0``):
    not loopback.
    """
    if not num_proxies() and any(request.META.get(h) for h in FORWARDING_HEADERS):
        return False
    try:
        return ipaddress.ip_address(client_address(request)).is_loopback
    except ValueError:
        return False
