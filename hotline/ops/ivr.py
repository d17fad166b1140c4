"""The keypad progress query (自助查询办理进度) answered with the portal's own check.

Telephony lies below the portal (``pyproject.toml``'s layers), so the FastAGI server takes
the lookup as a function and ``hotline telephony agi`` hands it this one: the ticket by
number and query code exactly as the public portal finds it (``public_ticket``: constant-
time compare, a missing ticket answered as a wrong code, wrong codes counted per client).
The "client" of a phone call is the caller's number (``tel:+86…``; ``tel:anonymous`` for a
hidden one, which all such callers share).
"""

from __future__ import annotations

from hotline.core.errors import NotFound, TooManyRequests
from hotline.portal.selectors import public_ticket


def progress_status(number: str, code: str, caller: str) -> str:
    """``open`` / ``suspended`` / ``closed``, ``not_found`` (wrong number or code) or
    ``locked`` (too many wrong codes from this caller)."""
    try:
        ticket = public_ticket(number, code, client=f"tel:{caller or 'anonymous'}")
    except TooManyRequests:
        return "locked"
    except NotFound:
        return "not_found"
    return str(ticket.status)
