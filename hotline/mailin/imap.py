"""The IMAP side of a mailbox, with ``imapclient`` (a maintained client over ``imaplib``).

The folder is opened read-only and bodies are read with ``BODY.PEEK[]``: polling changes
nothing on the server (flags, \\Seen), so the centre's own mail client still sees the mail
as it arrived. Sizes are read before bodies, so an oversized mail is never downloaded.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from django.conf import settings
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from hotline.mailin.models import Mailbox, Security

# What a broken connection, a refused login or a protocol error raises (the poller records
# it on the mailbox and tries again next time).
CONNECTION_ERRORS: Final = (IMAPClientError, OSError)  # ssl.SSLError and socket errors are OSError
BODY: Final = b"BODY[]"
HEADER: Final = b"BODY[HEADER]"


@dataclass(frozen=True)
class Folder:
    uid_validity: int
    uid_next: int | None  # None when the server does not say (then the highest UID + 1)


@dataclass(frozen=True)
class Meta:
    size: int
    arrived_at: datetime | None  # INTERNALDATE: when the server received it (aware)


def _context(mailbox: Mailbox) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not mailbox.verify_certificate:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


@contextmanager
def connect(mailbox: Mailbox) -> Iterator[IMAPClient]:
    """A logged-in client for ``mailbox``; logs out (or drops the socket) at the end."""
    client = IMAPClient(
        mailbox.host,
        port=mailbox.port,
        ssl=mailbox.security == Security.TLS,
        ssl_context=_context(mailbox) if mailbox.security == Security.TLS else None,
        timeout=float(settings.HOTLINE_MAIL_TIMEOUT_SECONDS),
    )
    client.normalise_times = False  # INTERNALDATE as an aware datetime, not local naive time
    try:
        if mailbox.security == Security.STARTTLS:
            client.starttls(_context(mailbox))
        client.login(mailbox.username, mailbox.password)
        yield client
    finally:
        try:
            client.logout()
        except (*CONNECTION_ERRORS, AttributeError):
            client.shutdown()


def open_folder(client: IMAPClient, folder: str) -> Folder:
    """Select ``folder`` read-only; its UIDVALIDITY and UIDNEXT."""
    info: dict[bytes, Any] = client.select_folder(folder, readonly=True)
    uid_next = info.get(b"UIDNEXT")
    return Folder(uid_validity=int(info[b"UIDVALIDITY"]), uid_next=int(uid_next) if uid_next else None)


def highest_uid(client: IMAPClient) -> int:
    uids = client.search(["ALL"])
    return max((int(u) for u in uids), default=0)


def uids_after(client: IMAPClient, last_uid: int) -> list[int]:
    """The UIDs above ``last_uid``, ascending (``n:*`` names the highest UID even when it is
    below n, so the answer is filtered)."""
    return sorted(int(u) for u in client.search(["UID", f"{last_uid + 1}:*"]) if int(u) > last_uid)


def metas(client: IMAPClient, uids: Sequence[int]) -> dict[int, Meta]:
    """Size and arrival time of each of ``uids`` still in the folder."""
    if not uids:
        return {}
    answer = client.fetch(list(uids), ["RFC822.SIZE", "INTERNALDATE"])
    result: dict[int, Meta] = {}
    for uid, data in answer.items():
        arrived = data.get(b"INTERNALDATE")
        result[int(uid)] = Meta(
            size=int(data.get(b"RFC822.SIZE") or 0),
            arrived_at=arrived if isinstance(arrived, datetime) and arrived.tzinfo is not None else None,
        )
    return result


def contents(client: IMAPClient, uids: Sequence[int], *, headers_only: bool = False) -> dict[int, bytes]:
    """The whole message (or only its header) of each of ``uids``, without setting \\Seen."""
    if not uids:
        return {}
    item, key = ("BODY.PEEK[HEADER]", HEADER) if headers_only else ("BODY.PEEK[]", BODY)
    answer = client.fetch(list(uids), [item])
    return {int(uid): bytes(data.get(key) or b"") for uid, data in answer.items()}
