"""Writing the index: a ticket's or an article's document, in the transaction of its change.

``ticket_indexed`` hears every ticket event inside the writing transaction
(``workflow.events.on_event``) and ``article_indexed`` every article save
(``knowledge.services.on_article_saved``): the document commits with the change or not at
all, so a search finds what has committed, nothing more, nothing less.

Confidential tickets (ADR 0006): the complainant's identity is masked for everyone, so it
is never indexed — neither the identity fields nor their values where they recur in the
free text (a report that says "我的电话13800138000" is indexed with ``138****8000``). A
search by a reporter's phone, name, id number, e-mail or address cannot find the report,
and no snippet can show them. Everywhere else identity is shown in full to whoever sees the
ticket, and is searchable the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.utils.translation import gettext_lazy as _

from hotline.core.phones import national_number
from hotline.knowledge.models import Article
from hotline.search.text import lexemes, normalise, one_line
from hotline.tickets.masking import IDENTITY_MASKS
from hotline.tickets.models import Ticket, TicketEvent
from hotline.workflow.access import identity_hidden
from hotline.workflow.kinds import EventKind

# A ticket document's lines, in order (an empty field is an empty line); replies follow.
TICKET_FIELDS: Final = (
    ("number", _("编号")),
    ("subject", _("标题")),
    ("description", _("诉求内容")),
    ("demand", _("诉求人要求")),
    ("respondent_name", _("被诉对象")),
    ("respondent_address", _("被诉对象地址")),
    ("respondent_licence", _("许可证号")),
    ("region", _("发生地区")),
    ("complainant_name", _("诉求人")),
    ("complainant_phone", _("联系电话")),
    ("complainant_id_number", _("证件号码")),
    ("complainant_email", _("电子邮箱")),
    ("complainant_address", _("联系地址")),
)
REPLY_LABEL: Final = _("答复")
IDENTITY_LINES: Final = {
    "complainant_name": "name",
    "complainant_phone": "phone",
    "complainant_id_number": "id_number",
    "complainant_email": "email",
    "complainant_address": "address",
}
# The events whose text is a reply (答复), in the payload's ``result`` or the comment; a
# letter about the ticket (往来函件) is searchable the same way.
REPLY_KINDS: Final = frozenset(
    {
        EventKind.INTERIM_REPLY,
        EventKind.REPLY,
        EventKind.APPROVE_REPLY,
        EventKind.CLOSE,
        EventKind.CORRESPONDENCE,
    }
)
# Kinds that change nothing a document holds: no rewrite for them (the sweep writes many).
TEXT_UNCHANGED: Final = frozenset(
    {
        EventKind.REMIND,
        EventKind.ESCALATE,
        EventKind.RECALCULATE_DEADLINE,
        EventKind.RETURN_VISIT_ATTEMPT,
        EventKind.UNMASK,
        EventKind.ATTACH,
        EventKind.SIGN,
        EventKind.ANSWER_SCRIPT,
        EventKind.CITE_ARTICLE,
        EventKind.KEYPAD_SURVEY,
    }
)
ARTICLE_FIELDS: Final = (("title", _("标题")), ("tags", _("标签")), ("body", _("正文")))


def reply_texts(events: Iterable[TicketEvent]) -> list[str]:
    """The replies' texts in order, each once (a close often repeats the reply)."""
    seen: list[str] = []
    for event in events:
        if event.action not in REPLY_KINDS:
            continue
        result = (event.payload or {}).get("result")
        for text in (result if isinstance(result, str) else "", event.comment):
            line = one_line(text)
            if line and line not in seen:
                seen.append(line)
    return seen


def _identity_masks(ticket: Ticket) -> dict[str, str]:
    """A confidential ticket's identity values (lower-cased) → their masks, longest first."""
    phone = ticket.complainant_phone
    pairs = [
        (ticket.complainant_name if len(ticket.complainant_name) >= 2 else "", "name"),
        (phone, "phone"),
        (national_number(phone) if phone else "", "phone"),
        (ticket.complainant_id_number, "id_number"),
        (ticket.complainant_email, "email"),
        (ticket.complainant_address if len(ticket.complainant_address) >= 4 else "", "address"),
    ]
    masks = {normalise(v).lower(): IDENTITY_MASKS[kind](normalise(v)) for v, kind in pairs if normalise(v)}
    return dict(sorted(masks.items(), key=lambda item: len(item[0]), reverse=True))


def ticket_lines(ticket: Ticket, replies: Sequence[str]) -> list[str]:
    """A ticket's document, line by line (``TICKET_FIELDS``, then the replies)."""
    hidden = identity_hidden(ticket)
    lines: list[str] = []
    for name, _label in TICKET_FIELDS:
        value = str(getattr(ticket, name) or "")
        if name in IDENTITY_LINES and hidden:
            value = ""
        elif name == "complainant_phone" and value:
            value = national_number(value)  # as dialled: 13800138000, 0571-…
        lines.append(one_line(value))
    lines.extend(replies)
    masks = _identity_masks(ticket) if hidden else {}
    if masks:
        pattern = re.compile("|".join(re.escape(v) for v in masks), re.IGNORECASE)
        lines = [pattern.sub(lambda m: masks[m.group(0).lower()], line) for line in lines]
    return lines


def ticket_labels(body: str) -> list[tuple[object, str]]:
    """(label, line) for each line of a stored ticket document (labels lazy: translated
    only where a snippet shows them)."""
    labelled: list[tuple[object, str]] = []
    for i, line in enumerate(body.split("\n")):
        labelled.append((TICKET_FIELDS[i][1] if i < len(TICKET_FIELDS) else REPLY_LABEL, line))
    return labelled


def article_lines(article: Article) -> list[str]:
    tags = article.tags if isinstance(article.tags, list) else []
    return [one_line(article.title), one_line(" ".join(str(t) for t in tags)), *_body_lines(article.body)]


def _body_lines(text: str) -> list[str]:
    return [line for line in (one_line(raw) for raw in normalise(text).split("\n")) if line]


def article_labels(body: str) -> list[tuple[object, str]]:
    return [
        (ARTICLE_FIELDS[min(i, len(ARTICLE_FIELDS) - 1)][1], line) for i, line in enumerate(body.split("\n"))
    ]


# ---------------------------------------------------------------------------------------
# writing


class _Table:
    def __init__(self, table: str, key: str, fts: str) -> None:
        self.table, self.key, self.fts = table, key, fts


TICKETS: Final = _Table("search_ticketdocument", "ticket_id", "search_ticket")
ARTICLES: Final = _Table("search_articledocument", "article_id", "search_article")


def write_documents(table: _Table, docs: Sequence[tuple[int, list[str]]], *, new: bool = False) -> int:
    """Write ``(id, lines)`` documents, skipping those already as they are (unless ``new``:
    the objects were just created, there is nothing to compare); the number written."""
    if not docs:
        return 0
    rows = {pk: ("\n".join(lines), " ".join(lexemes("\n".join(lines)))) for pk, lines in docs}
    with connection.cursor() as cursor:
        current: dict[int, tuple[str, str]] = {}
        if not new:
            marks = ",".join(["%s"] * len(rows))
            cursor.execute(
                f"SELECT {table.key}, body, tokens FROM {table.table} WHERE {table.key} IN ({marks})",
                list(rows),
            )
            current = {pk: (body, tokens) for pk, body, tokens in cursor.fetchall()}
        changed = [
            (pk, body, tokens) for pk, (body, tokens) in rows.items() if current.get(pk) != (body, tokens)
        ]
        if not changed:
            return 0
        cursor.executemany(
            f"INSERT INTO {table.table} ({table.key}, body, tokens) VALUES (%s, %s, %s) "
            f"ON CONFLICT ({table.key}) DO UPDATE SET body = excluded.body, tokens = excluded.tokens",
            changed,
        )
        if connection.vendor == "sqlite":
            _write_fts(cursor, table, changed)
    return len(changed)


def _write_fts(cursor: CursorWrapper, table: _Table, rows: Sequence[tuple[int, str, str]]) -> None:
    ids = [(pk,) for pk, _body, _tokens in rows]
    cursor.executemany(f"DELETE FROM {table.fts}_words WHERE rowid = %s", ids)
    cursor.executemany(f"DELETE FROM {table.fts}_trigram WHERE rowid = %s", ids)
    cursor.executemany(
        f"INSERT INTO {table.fts}_words (rowid, tokens) VALUES (%s, %s)", [(pk, t) for pk, _b, t in rows]
    )
    cursor.executemany(
        f"INSERT INTO {table.fts}_trigram (rowid, body) VALUES (%s, %s)", [(pk, b) for pk, b, _t in rows]
    )


def index_tickets(tickets: Sequence[Ticket], *, registered: bool = False) -> int:
    """Write the documents of ``tickets`` (their replies read in one query; none when they
    were just ``registered``)."""
    replies: dict[int, list[TicketEvent]] = {t.pk: [] for t in tickets}
    if not registered and tickets:
        events = (
            TicketEvent.objects.filter(ticket_id__in=list(replies), action__in=sorted(REPLY_KINDS))
            .order_by("ticket_id", "seq")
            .only("ticket_id", "action", "comment", "payload")
        )
        for event in events:
            replies[event.ticket_id].append(event)
    docs = [(t.pk, ticket_lines(t, reply_texts(replies[t.pk]))) for t in tickets]
    return write_documents(TICKETS, docs, new=registered)


def index_articles(articles: Sequence[Article]) -> int:
    return write_documents(ARTICLES, [(a.pk, article_lines(a)) for a in articles])


# ---------------------------------------------------------------------------------------
# subscribers (hotline.search.apps)


def ticket_indexed(ticket: Ticket, event: TicketEvent) -> None:
    """``on_event``: rewrite the ticket's document with the change (registration has no
    replies yet: no query for them)."""
    if event.action in TEXT_UNCHANGED:
        return
    index_tickets([ticket], registered=event.action == EventKind.REGISTER)


def article_indexed(article: Article) -> None:
    """``on_article_saved``: rewrite the article's document with the save."""
    index_articles([article])
