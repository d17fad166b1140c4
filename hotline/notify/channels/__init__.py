"""Delivery channels: each adapter sends one outbox row and returns the provider's id.

An adapter raises :class:`NotConfigured` when its settings are empty (the row is marked
``skipped``), :class:`PermanentError` when retrying cannot help (the row goes ``dead`` at
once), :class:`Deferred` when the row must wait its turn (no try used), and anything else for
a temporary failure (retried with backoff).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from hotline.notify.models import Message


class NotConfigured(Exception):
    pass


class PermanentError(Exception):
    pass


class Deferred(Exception):
    """Not now, and not a failure: the row waits until ``until`` without using up a try (a
    partner's callbacks keep their order: one waits while the one before it is retried)."""

    def __init__(self, reason: str, *, until: datetime) -> None:
        super().__init__(reason)
        self.until = until


Sender = Callable[["Message"], str]

# Channels a feature adds (``register_sender`` in its ``AppConfig.ready``): the worker sends
# their rows like email and SMS, with the same claims, retries and backoff (ADR 0025).
extra_senders: dict[str, Sender] = {}


def register_sender(channel: str, sender: Sender) -> None:
    """Let the worker deliver outbox rows of ``channel`` with ``sender`` (idempotent)."""
    extra_senders[channel] = sender


def worker_channels() -> tuple[str, ...]:
    """The channels whose rows the worker delivers: email, SMS and the registered ones."""
    return ("email", "sms", *extra_senders)


def sender_for(channel: str) -> Sender:
    from hotline.notify.channels import email, sms

    senders: dict[str, Sender] = {"email": email.send, "sms": sms.send, **extra_senders}
    return senders[channel]
