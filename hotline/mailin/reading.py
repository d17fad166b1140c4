"""One mail's bytes → what intake needs: who, what, the text, the files, and what kind it is.

``read_mail`` never raises on a malformed mail: Python's parser is lenient (it records
defects instead of failing), text is decoded by :mod:`hotline.mailin.decoding`, and a
part that cannot be read is left out. Whether the mail is an automatic answer (RFC 3834
``Auto-Submitted``, the de-facto ``X-Autoreply``/``Precedence`` headers, a read receipt)
or a delivery report (RFC 3464 ``multipart/report``, a mail from MAILER-DAEMON) is decided
here from the headers and the structure, with the reason in words for the record.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.header import Header
from email.message import Message
from email.parser import HeaderParser
from email.utils import parseaddr, parsedate_to_datetime
from typing import Final

from hotline.mailin.decoding import decode_bytes, decode_header_value, text_of_html, tidy

MESSAGE_ID_MAX: Final = 200  # Ticket.source holds 200 characters
_MSGID: Final = re.compile(r"<[^<>\s]+>")
_EMAIL: Final = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Subjects that auto-responders put in front (with an ASCII or a full-width colon).
AUTO_SUBJECTS: Final = re.compile(
    r"^\s*(?:自动回复|自动答复|自动应答|auto(?:matic)?[ -]?reply|autoreply|out of (?:the )?office)\s*[::]",
    re.IGNORECASE,
)
AUTO_PRECEDENCE: Final = frozenset({"bulk", "auto_reply", "junk", "list"})
AUTO_HEADERS: Final = ("X-Autoreply", "X-Autorespond", "X-Autoresponse")
BOUNCE_SENDERS: Final = frozenset({"mailer-daemon", "postmaster"})
# Parts that are never the body nor a file of their own (the pieces of a delivery report).
REPORT_PARTS: Final = frozenset(
    {"message/delivery-status", "text/rfc822-headers", "message/disposition-notification"}
)


@dataclass
class MailFile:
    name: str
    data: bytes
    content_type: str


@dataclass
class Mail:
    message_id: str  # "<…>" as sent, or a digest of the bytes when the mail has none
    subject: str
    sender: str  # the From address, lower-case ("" when there is none)
    sender_name: str
    sent_at: datetime | None  # the Date header (aware), None when missing or unreadable
    body: str
    files: list[MailFile] = field(default_factory=list)
    references: list[str] = field(default_factory=list)  # In-Reply-To first, then References
    auto_reply: str = ""  # why it is an automatic answer, "" when it is not
    bounce: str = ""  # why it is a delivery report, "" when it is not
    bounced_ids: list[str] = field(default_factory=list)  # Message-IDs of what bounced
    own: bool = False  # one of our own messages come back (a loop)


def message_id_of(msg: Message, raw: bytes) -> str:
    """The Message-ID (``<…>``) as sent; a long one or none: ``<sha256:…@hotline.mailin>``
    from the bytes, so the same mail is still recognised when fetched twice."""
    found = _MSGID.findall(decode_header_value(msg.get("Message-ID")))
    if found and len(found[0]) <= MESSAGE_ID_MAX:
        return str(found[0])
    digest = hashlib.sha256(found[0].encode() if found else raw).hexdigest()[:40]
    return f"<sha256.{digest}@hotline.mailin>"


def _sent_at(msg: Message) -> datetime | None:
    value = msg.get("Date")
    if not value:
        return None
    try:
        when = parsedate_to_datetime(decode_header_value(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when if when.tzinfo is not None else None


def _leaves(part: Message) -> list[Message]:
    """The parts to read, in order: an attached mail or a report's piece is one leaf (its
    insides are not the body)."""
    ctype = part.get_content_type()
    if ctype == "message/rfc822" or ctype in REPORT_PARTS or not part.is_multipart():
        return [part]
    payload = part.get_payload()
    if not isinstance(payload, list):
        return [part]
    leaves: list[Message] = []
    for sub in payload:
        if isinstance(sub, Message):
            leaves.extend(_leaves(sub))
    return leaves


def _file_name(part: Message, number: int) -> str:
    raw = part.get_param("filename", None, "content-disposition")
    if raw is None:
        raw = part.get_param("name", None)
    name = ""
    if isinstance(raw, tuple):  # RFC 2231: (charset, language, value as latin-1 bytes)
        charset, _language, value = raw
        name = decode_bytes(str(value).encode("latin-1", "replace"), charset)
    elif isinstance(raw, str):
        name = decode_header_value(raw)  # encoded words in a parameter: common in Chinese mail
    name = re.sub(r"[\x00-\x1f\x7f]", "", os.path.basename(name.replace("\\", "/"))).strip()
    if not name:
        ext = mimetypes.guess_extension(part.get_content_type()) or ".bin"
        name = f"附件{number}{ext}"
    return name[:200]


def _text_of(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    text = decode_bytes(data, part.get_content_charset())
    return text_of_html(text) if part.get_content_type() == "text/html" else tidy(text)


def _is_file(part: Message) -> bool:
    if part.get_content_disposition() == "attachment":
        return True
    if part.get_content_type() in ("text/plain", "text/html"):
        return False
    return True  # images inline in the text, documents without a disposition


def _report_type(msg: Message) -> str:
    if msg.get_content_type() != "multipart/report":
        return ""
    return str(msg.get_param("report-type", "") or "").lower()


def _bounce_reason(msg: Message, sender: str, leaves: list[Message]) -> str:
    report = _report_type(msg)
    local = sender.partition("@")[0]
    if not (report == "delivery-status" or local in BOUNCE_SENDERS or msg.get("X-Failed-Recipients")):
        return ""
    details: list[str] = []
    for part in leaves:
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks if isinstance(blocks, list) else []:
            if not isinstance(block, Message) or not block.get("Action"):
                continue
            status = decode_header_value(block.get("Status"))
            diagnostic = decode_header_value(block.get("Diagnostic-Code"))
            details.append(" ".join(p for p in (status, diagnostic) if p))
    text = ";".join(d for d in details if d) or ("投递状态报告" if report else f"发件人 {local}")
    return _EMAIL.sub("***", f"退信:{text}")[:480]  # the address that bounced is identity


def _bounced_ids(leaves: list[Message], body: str) -> list[str]:
    found: list[str] = []
    for part in leaves:
        ctype = part.get_content_type()
        headers: Message | None = None
        if ctype == "message/rfc822":
            inner = part.get_payload()
            headers = (
                inner[0] if isinstance(inner, list) and inner and isinstance(inner[0], Message) else None
            )
        elif ctype == "text/rfc822-headers":
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                headers = HeaderParser().parsestr(decode_bytes(data))
        if headers is not None:
            found.extend(_MSGID.findall(decode_header_value(headers.get("Message-ID"))))
    # MTAs that quote the original in their text
    found.extend(m for m in re.findall(r"Message-ID:\s*(<[^<>\s]+>)", body, re.IGNORECASE))
    return list(dict.fromkeys(found))


def _auto_reason(msg: Message, subject: str) -> str:
    submitted = decode_header_value(msg.get("Auto-Submitted")).lower()
    if submitted and not submitted.startswith("no"):
        return f"Auto-Submitted: {submitted}"[:200]
    for name in AUTO_HEADERS:
        if msg.get(name) is not None:
            return f"{name}: {decode_header_value(msg.get(name))}"[:200]
    precedence = decode_header_value(msg.get("Precedence")).lower()
    if precedence in AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    if _report_type(msg) == "disposition-notification":
        return "阅读回执"
    if AUTO_SUBJECTS.match(subject):
        return "标题为自动回复"
    return ""


def read_mail(raw: bytes) -> Mail:
    """What ``raw`` (a whole RFC 5322 message) says; never raises on malformed input."""
    msg = message_from_bytes(raw)
    from_value = msg.get("From")
    if isinstance(from_value, Header):  # raw 8-bit bytes in it: decode the whole, then split
        name, address = parseaddr(decode_header_value(from_value))
    else:  # split first: a display name's encoded words may decode to "<", "," or "@"
        name, address = parseaddr(str(from_value or ""))
    sender = decode_header_value(address).lower()
    sender = sender if "@" in sender and len(sender) <= 254 and " " not in sender else ""
    subject = decode_header_value(msg.get("Subject"))
    leaves = _leaves(msg)
    texts: list[str] = []
    htmls: list[str] = []
    files: list[MailFile] = []
    for part in leaves:
        ctype = part.get_content_type()
        if ctype in REPORT_PARTS:
            continue
        if _is_file(part):
            if ctype == "message/rfc822":
                inner = part.get_payload()
                first = inner[0] if isinstance(inner, list) and inner else None
                data = first.as_bytes() if isinstance(first, Message) else b""
            else:
                payload = part.get_payload(decode=True)
                data = payload if isinstance(payload, bytes) else b""
            files.append(MailFile(name=_file_name(part, len(files) + 1), data=data, content_type=ctype))
        elif ctype == "text/plain":
            texts.append(_text_of(part))
        else:
            htmls.append(_text_of(part))
    body = "\n\n".join(t for t in texts if t) or "\n\n".join(t for t in htmls if t)
    message_id = message_id_of(msg, raw)
    references = _MSGID.findall(
        decode_header_value(msg.get("In-Reply-To")) + " " + decode_header_value(msg.get("References"))
    )
    bounce = _bounce_reason(msg, sender, leaves)
    return Mail(
        message_id=message_id,
        subject=subject,
        sender=sender,
        sender_name=decode_header_value(name)[:64],
        sent_at=_sent_at(msg),
        body=body,
        files=files,
        references=list(dict.fromkeys(references)),
        auto_reply="" if bounce else _auto_reason(msg, subject),
        bounce=bounce,
        bounced_ids=_bounced_ids(leaves, body) if bounce else [],
        own=message_id.endswith("@hotline.notify>"),
    )
