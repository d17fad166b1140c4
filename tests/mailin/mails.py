"""Mails as clients write them, for the tests here: built with the standard library where it
writes what real clients write, by hand where real clients do something else (GBK bytes
labelled gb2312, raw 8-bit headers)."""

from __future__ import annotations

import base64
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def mail(
    *,
    subject: str = "小区门口餐馆油烟扰民",
    body: str = "每天晚上油烟很大,请尽快处理。",
    sender: str = "张三 <zhang.san@example.com>",
    to: str = "12345@hotline.example.cn",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    files: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
) -> tuple[bytes, str]:
    """A UTF-8 mail (and its Message-ID) with ``files`` as (name, bytes, MIME type)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(timezone.now())
    mid = message_id or make_msgid(idstring=uuid.uuid4().hex[:8], domain="example.com")
    msg["Message-ID"] = mid
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for name, data, ctype in files:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes(), mid


def b64(text: str, charset: str) -> str:
    return base64.b64encode(text.encode(charset)).decode()


def encoded_word(text: str, charset: str, label: str | None = None) -> str:
    """``=?label?B?…?=`` of ``text`` encoded in ``charset`` (label: what the client claims)."""
    return f"=?{label or charset}?B?{b64(text, charset)}?="


def raw_mail(
    headers: list[tuple[str, str]], body: bytes, *, message_id: str | None = None
) -> tuple[bytes, str]:
    """A mail from header lines and a body as given (bytes in headers are allowed)."""
    mid = message_id or f"<{uuid.uuid4().hex}@client.example.cn>"
    lines = [f"{k}: {v}" for k, v in headers]
    lines += [f"Message-ID: {mid}", f"Date: {format_datetime(timezone.now())}", "MIME-Version: 1.0"]
    head = "\r\n".join(lines).encode("utf-8", "surrogateescape")
    return head + b"\r\n\r\n" + body, mid
