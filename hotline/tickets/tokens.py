"""The signed survey link (评价链接) sent to a complainant who could not be reached.

Signed with the installation's secret key; it names the ticket and expires after 30 days.
The portal checks it instead of the query code; the outbox puts it in the SMS and mail.
"""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from hotline.tickets.models import Ticket

RATE_TOKEN_SALT = "hotline.portal.rate"
RATE_TOKEN_MAX_AGE = 30 * 24 * 60 * 60  # a survey link stays valid for 30 days


def rate_token(ticket: Ticket) -> str:
    """A signed token for the survey link, so the complainant need not type the query code."""
    return signing.dumps({"n": ticket.number}, salt=RATE_TOKEN_SALT)


def rate_link(ticket: Ticket) -> str:
    """The path of the survey page with its token (prefix the site's address for an SMS)."""
    return f"{reverse('portal:rate', args=[ticket.number])}?t={rate_token(ticket)}"


def rate_token_number(token: str) -> str | None:
    """The ticket number a valid, unexpired survey token was made for, else None."""
    try:
        data = signing.loads(token, salt=RATE_TOKEN_SALT, max_age=RATE_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    number = data.get("n") if isinstance(data, dict) else None
    return number if isinstance(number, str) else None
