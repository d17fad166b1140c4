"""Who may see which statistics document, and the list of a user's documents.

A document covers a unit's subtree. The centre (coordinator, leader, team leader, admin)
sees the documents of every unit in its reach — a membership reaches its unit and below, a
centre's (受理中心) membership its parent unit and below, as for rectification notices — and
a department head those of its own unit and the units below it. Agents and handlers, who
do not get statistics either (``reports.query.STATS_ROLES``), see none. A document the
user may not see is the same ``report_document_not_found`` as a missing one.

For the workbench's report centre: ``documents_for(user)`` (newest first) and the download
URL ``reverse("report-document-file", args=[pk, "pdf" | "xlsx"])`` (see ``file_url``).
"""

from __future__ import annotations

from typing import Literal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from hotline.core.errors import NotFound
from hotline.core.types import AnyUser
from hotline.org.models import Role, Unit
from hotline.org.selectors import memberships_of
from hotline.rectification.access import jurisdiction
from hotline.reports.models import ReportDocument
from hotline.workflow.roles import CENTRE_ROLES

FileFormat = Literal["pdf", "xlsx"]
FORMATS: tuple[FileFormat, ...] = ("pdf", "xlsx")


def reach(user: AnyUser) -> list[Unit] | None:
    """The units whose subtrees' documents ``user`` may see; ``None``: all (a superuser)."""
    if not user.is_authenticated:
        return []
    if getattr(user, "is_superuser", False):
        return None
    out = []
    for m in memberships_of(user):
        if m.role in CENTRE_ROLES:
            out.append(jurisdiction(m))
        elif m.role == Role.DEPT_HEAD:
            out.append(m.unit)
    return out


def may_see(user: AnyUser, unit: Unit) -> bool:
    """Whether ``user`` may open the documents covering ``unit``."""
    units = reach(user)
    return units is None or any(u.covers(unit) for u in units)


def documents_for(
    user: AnyUser, *, kind: str = "", period: str = "", latest: bool = False
) -> QuerySet[ReportDocument]:
    """The documents ``user`` may see, newest period first; ``kind``/``period`` narrow it,
    ``latest`` keeps only the newest version of each (kind, period, unit)."""
    qs = ReportDocument.objects.select_related("unit", "generated_by")
    units = reach(user)
    if units is not None:
        match = Q(pk__in=[])
        for unit in units:
            match |= Q(unit__path__startswith=unit.path)
        qs = qs.filter(match)
    if kind:
        qs = qs.filter(kind=kind)
    if period:
        qs = qs.filter(period=period)
    if latest:
        newer = ReportDocument.objects.filter(
            kind=OuterRef("kind"),
            period=OuterRef("period"),
            unit=OuterRef("unit"),
            version__gt=OuterRef("version"),
        )
        qs = qs.exclude(Exists(newer))
    return qs.order_by("-period_start", "kind", "unit__path", "-version")


def access_document(user: AnyUser, pk: int) -> ReportDocument:
    """One document the user may see, or ``NotFound`` (the same for missing and forbidden)."""
    document = documents_for(user).filter(pk=pk).first()
    if document is None:
        raise NotFound("统计文档不存在", code="report_document_not_found")
    return document


def file_url(document: ReportDocument, fmt: FileFormat) -> str:
    """The download address of one of the document's files (login required)."""
    return reverse("report-document-file", args=[document.pk, fmt])
