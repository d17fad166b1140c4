"""The signature both ways (ADR 0025; docs/guide/admin.md, 上级转办).

Each request carries the Unix time it was signed at and an HMAC-SHA256 of that time, a dot
and the exact body bytes, keyed with the shared secret of that direction:

    X-Hotline-Timestamp: 1767225600
    X-Hotline-Signature: sha256=<hex of HMAC-SHA256(key, "1767225600." + body)>

The receiver recomputes it over the bytes it got (never over re-serialised JSON), compares
in constant time, and refuses a time outside its window: a request captured and sent again
later is refused (an exact resend inside the window registers nothing new: pushes are
idempotent on the partner's ticket id, callbacks carry their delivery key).
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Hotline-Timestamp"
SIGNATURE_HEADER = "X-Hotline-Signature"
PARTNER_HEADER = "X-Hotline-Partner"  # on callbacks: the partner's code as we know it
DELIVERY_HEADER = "X-Hotline-Delivery"  # on callbacks: the same for every try of one callback
EVENT_HEADER = "X-Hotline-Event"  # on callbacks: accepted, dispatched, replied, …
PREFIX = "sha256="


def signature(key: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of ``timestamp + "." + body`` keyed with ``key``."""
    mac = hmac.new(key.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return PREFIX + mac.hexdigest()


def signature_matches(key: str, timestamp: str, body: bytes, given: str) -> bool:
    """Whether ``given`` is the signature of ``timestamp`` and ``body`` under ``key``."""
    if not key or not given:
        return False
    return hmac.compare_digest(signature(key, timestamp, body).encode(), given.strip().encode())


def timestamp_fresh(timestamp: str, *, now: float, window: float) -> bool:
    """Whether ``timestamp`` (whole Unix seconds, as text) is within ``window`` seconds of
    ``now``, before or after (clocks of two systems differ a little)."""
    text = timestamp.strip()
    if not text.isdigit() or len(text) > 12:
        return False
    return abs(now - int(text)) <= window
