"""Rectification messages through the outbox (``notify.services.notify_staff``), in the
caller's transaction, and who they go to.

A notice is not a ticket: its messages have kinds of their own (``rectification_issued``,
``_reported``, ``_sent_back``, ``_verified``, ``_due_soon``, ``_overdue``, ``_escalated``)
whose templates open with ``notify/_notice.txt`` — number, subject, unit, status, deadline
and the notice page's address — and are written with no ticket (``Message.ticket`` is the
ticket's outbox history; a notice's is its own history of steps).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from hotline.core.types import User
from hotline.notify.services import local_text, notify_staff
from hotline.org.models import Membership, Role, Unit
from hotline.rectification.models import Notice


def _ancestor_paths(unit: Unit) -> list[str]:
    """``unit``'s own path first, then its parents' up to the root."""
    parts = [p for p in unit.path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(len(parts), 0, -1)]


def heads_of(unit: Unit) -> list[User]:
    """The heads who answer for ``unit``: its own, else those of the nearest unit above that has any."""
    by_path: dict[str, list[User]] = {}
    rows = Membership.objects.filter(
        role=Role.DEPT_HEAD, unit__path__in=_ancestor_paths(unit), user__is_active=True
    ).select_related("user", "unit")
    for m in rows.order_by("user_id"):
        by_path.setdefault(m.unit.path, []).append(m.user)
    for path in _ancestor_paths(unit):
        if by_path.get(path):
            return by_path[path]
    return []


def leaders_over(unit: Unit) -> list[User]:
    """Leaders (分管领导) holding their role in ``unit`` or a unit above it."""
    rows = Membership.objects.filter(
        role=Role.LEADER, unit__path__in=_ancestor_paths(unit), user__is_active=True
    ).select_related("user")
    found: dict[int, User] = {}
    for m in rows:
        found.setdefault(m.user.pk, m.user)
    return [found[pk] for pk in sorted(found)]


def notice_url(notice: Notice) -> str:
    """The notice page's full address (``HOTLINE_PUBLIC_BASE_URL``: email has no host to
    be relative to)."""
    base = str(settings.HOTLINE_PUBLIC_BASE_URL).rstrip("/")
    return f"{base}{reverse('web:rectification', args=[notice.number])}"


def notice_context(notice: Notice) -> dict[str, Any]:
    """What ``notify/_notice.txt`` and the ``rectification_*`` templates read about the notice."""
    # stored text: in the site's language, whatever the acting user's screens are in
    with translation.override(settings.LANGUAGE_CODE):
        status_label = str(notice.get_status_display())
    return {
        "number": notice.number,
        "subject": notice.subject,
        "unit_name": notice.unit.name,
        "status_label": status_label,
        "due": local_text(notice.due_at),
        "provisional": notice.provisional,
        "issuer_name": notice.issuing_unit.name if notice.issuing_unit is not None else "",
        "ticket_number": notice.ticket.number if notice.ticket is not None else "",
        "notice_url": notice_url(notice),
    }


def send(
    notice: Notice,
    *,
    kind: str,
    users: Iterable[User],
    key: str,
    now: datetime,
    **context: Any,
) -> int:
    """Write the messages of one step (idempotent on ``key``); returns the rows written."""
    recipients = list(users)
    if not recipients:
        return 0
    return notify_staff(
        ticket=None,
        kind=kind,
        users=recipients,
        context={**notice_context(notice), **context},
        key=f"rectification:{notice.pk}:{key}",
        now=now,
    )
