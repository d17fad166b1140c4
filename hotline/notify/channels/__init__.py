"""Delivery channels: each adapter sends one outbox row and returns the provider's id.

An adapter raises :class:`NotConfigured` when its settings are empty (the row is marked
``skipped``), :class:`PermanentError` when retrying cannot help (the row goes ``dead`` at
once), and anything else for a temporary failure (retried with backoff).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hotline.notify.models import Message


class NotConfigured(Exception):
    pass


class PermanentError(Exception):
    pass


Sender = Callable[["Message"], str]


def sender_for(channel: str) -> Sender:
    from hotline.notify.channels import email, sms

    senders: dict[str, Sender] = {"email": email.send, "sms": sms.send}
    return senders[channel]
