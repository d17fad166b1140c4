from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hotline.mailin.models import Mailbox, Security
from tests.servers.imap import ImapServer, imap_server  # noqa: F401  (the session fixture)
from tests.servers.smtp import SmtpServer


@pytest.fixture
def mailbox(db: Any, org: Any, imap_server: ImapServer) -> Mailbox:  # noqa: F811
    """A mailbox on its own fresh folder of the session's Dovecot, taking what is there."""
    return Mailbox.objects.create(
        name="江州投诉邮箱",
        host=imap_server.host,
        port=imap_server.port,
        security=Security.NONE,
        username=imap_server.username,
        password=imap_server.password,
        folder=imap_server.new_folder(),
        take_existing=True,
    )


@pytest.fixture
def put(mailbox: Mailbox, imap_server: ImapServer) -> Any:  # noqa: F811
    """``put(*raw)`` appends mails to the mailbox's folder; their UIDs."""

    def append(*messages: bytes) -> list[int]:
        return imap_server.append(mailbox.folder, *messages)

    return append


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpServer]:
    """Our outgoing mail (receipts) delivered to a real SMTP server on loopback."""
    server = SmtpServer().start()
    settings.HOTLINE_SMTP_HOST, settings.HOTLINE_SMTP_PORT = server.host, server.port
    settings.HOTLINE_SMTP_FROM = "12345@hotline.example.cn"
    yield server
    server.stop()
