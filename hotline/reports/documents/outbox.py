"""Telling the subscribers that a document is ready, through the outbox (ADR 0010).

The outbox sends no attachments (``notify.channels.email`` builds a plain-text message), so
the message carries the links to download the PDF and the Excel file; the link needs a
login, and the download is scoped like the list (``selectors.may_see``). Rows are written
in the transaction that stores the document: one in-app row (delivered by being written)
and, for a user with an address, one e-mail row for the worker — idempotent per document
and user: ``notify.services.notify_staff`` with the ``report_document`` kind (its text in
``notify/report_document/``).
"""

from __future__ import annotations

import logging
from typing import Final

from django.conf import settings
from django.db.models import Q

from hotline.core.types import User
from hotline.notify.services import notify_staff
from hotline.org.models import Membership, Unit, UnitKind
from hotline.reports.documents.selectors import file_url, may_see
from hotline.reports.models import ReportDocument, ReportSubscription
from hotline.workflow.roles import CENTRE_ROLES

logger = logging.getLogger(__name__)

MESSAGE_KIND: Final = "report_document"


def _paths_above(unit: Unit) -> list[str]:
    parts = [p for p in unit.path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def subscribers(document: ReportDocument) -> list[User]:
    """Active users named by the active subscriptions of the document's kind and unit — by
    name, or holding the role in the unit or above it (a centre: its parent or above) — who
    may open it; ordered by id."""
    subs = ReportSubscription.objects.filter(kind=document.kind, unit=document.unit, active=True)
    found: dict[int, User] = {}
    for sub in subs.select_related("user"):
        if sub.user is not None and sub.user.is_active:
            found.setdefault(sub.user.pk, sub.user)
        if not sub.role:
            continue
        paths = _paths_above(document.unit)
        match = Q(unit__path__in=paths)
        if sub.role in CENTRE_ROLES:  # a centre serves the level it sits in (its parent)
            match |= Q(unit__kind=UnitKind.CENTRE, unit__parent__path__in=paths)
        rows = Membership.objects.filter(match, role=sub.role, user__is_active=True).select_related("user")
        for m in rows:
            found.setdefault(m.user.pk, m.user)
    users = [found[pk] for pk in sorted(found)]
    allowed = [u for u in users if may_see(u, document.unit)]
    if len(allowed) < len(users):
        logger.warning(
            "report document %s: %s subscribers may not open it", document.pk, len(users) - len(allowed)
        )
    return allowed


def _links(document: ReportDocument) -> dict[str, str]:
    base = str(settings.HOTLINE_PUBLIC_BASE_URL).rstrip("/")
    return {
        "pdf_url": f"{base}{file_url(document, 'pdf')}",
        "xlsx_url": f"{base}{file_url(document, 'xlsx')}",
    }


def notify_subscribers(document: ReportDocument) -> int:
    """Write the messages for ``document`` (in the caller's transaction); returns rows written.
    A second call for the same document writes nothing."""
    users = subscribers(document)
    if not users:
        return 0
    context = {"document": document, "kind_label": document.get_kind_display(), **_links(document)}
    key = f"report/{document.pk}"
    return notify_staff(ticket=None, kind=MESSAGE_KIND, users=users, context=context, key=key)
