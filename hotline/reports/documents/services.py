"""Generating statistics documents: one now (``document_generate``) and what the scheduler
owes (``generate_due``).

Versioned, never replaced: generating a (kind, period, unit) that exists writes version
n+1 beside it; the list shows every version and ``documents_for(latest=True)`` the newest.
The scheduler generates a period only when it has no version yet, so a task that runs
twice (or on two machines) generates each period once — the unique (kind, period, unit,
version) decides a race, and the loser removes its files and writes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation

from hotline.core.errors import Forbidden, InvalidInput
from hotline.core.types import AnyUser, User
from hotline.org.models import Role, Unit
from hotline.org.selectors import memberships_of
from hotline.reports.documents.figures import Period, build
from hotline.reports.documents.outbox import notify_subscribers
from hotline.reports.documents.pdf import render_pdf
from hotline.reports.documents.selectors import may_see
from hotline.reports.documents.xlsx import render_xlsx
from hotline.reports.facts import TZ
from hotline.reports.measures import PeriodKind
from hotline.reports.models import DocumentKind, DocumentTrigger, ReportDocument, ReportSubscription
from hotline.reports.periods import parse_period_key, period_key, period_start, shift

logger = logging.getLogger(__name__)

# the periods each kind is made for (the first: the one the scheduler makes)
PERIOD_KINDS: Final[dict[str, tuple[PeriodKind, ...]]] = {
    DocumentKind.MONTHLY: ("month",),
    DocumentKind.QUARTERLY: ("quarter",),
    DocumentKind.WEEKLY: ("week",),
    DocumentKind.CIRCULAR: ("month", "quarter"),
}
# who may generate one now (the supervision office); the scheduler needs nobody
GENERATE_ROLES: Final = frozenset({Role.COORDINATOR, Role.LEADER, Role.ADMIN})


def _key_kind(key: str) -> PeriodKind:
    if "-W" in key:
        return "week"
    if "-Q" in key:
        return "quarter"
    return "month" if key.count("-") == 1 else "day"


def parse_period(kind: str, key: str) -> Period:
    """The period a document of ``kind`` is asked for: ``2026-10``, ``2026-Q3``, ``2026-W41``."""
    if kind not in PERIOD_KINDS:
        raise InvalidInput(
            f"未知的文档类型“{kind}”;可用:{'、'.join(PERIOD_KINDS)}",
            code="report_document_invalid_kind",
            field="kind",
        )
    period_kind = _key_kind(key.strip())
    examples = {"month": "2026-10", "quarter": "2026-Q3", "week": "2026-W41"}
    wanted = "、".join(examples[p] for p in PERIOD_KINDS[kind])
    if period_kind not in PERIOD_KINDS[kind]:
        raise InvalidInput(
            f"“{key}”不是此类文档的期间(应如 {wanted})", code="report_document_invalid_period", field="period"
        )
    try:
        start = parse_period_key(key.strip(), period_kind)
    except InvalidInput:
        raise InvalidInput(
            f"“{key}”不是有效的期间(应如 {wanted})", code="report_document_invalid_period", field="period"
        ) from None
    if not 2000 <= start.year <= 2099 or period_key(start, period_kind) != key.strip():
        raise InvalidInput(f"“{key}”不是有效的期间", code="report_document_invalid_period", field="period")
    return Period(period_kind, start)


def may_generate(user: AnyUser, unit: Unit) -> bool:
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return any(m.role in GENERATE_ROLES for m in memberships_of(user)) and may_see(user, unit)


def _next_version(kind: str, period: str, unit: Unit) -> int:
    found = ReportDocument.objects.filter(kind=kind, period=period, unit=unit).aggregate(v=Max("version"))[
        "v"
    ]
    return int(found or 0) + 1


def document_generate(
    *,
    kind: str,
    period: Period,
    unit: Unit,
    actor: User | None = None,
    trigger: str = DocumentTrigger.MANUAL,
    notify: bool = False,
    now: datetime | None = None,
) -> ReportDocument | None:
    """Generate (kind, period, unit): PDF and Excel under MEDIA_ROOT, kept as a new version.

    ``trigger=schedule`` generates only the first version (None when one exists or another
    run just wrote it); ``manual`` always writes the next one. ``actor`` (when given) must be
    a coordinator, leader or admin who may see the unit (``report_document_forbidden``).
    ``notify`` writes the subscribers' messages in the same transaction.
    """
    if actor is not None and not may_generate(actor, unit):
        raise Forbidden(
            "仅监控中心协调员、分管领导和管理员可以生成其范围内的统计文档", code="report_document_forbidden"
        )
    key = period_key(period.start, period.kind)
    if kind not in PERIOD_KINDS or period.kind not in PERIOD_KINDS[kind]:
        raise InvalidInput("文档类型与期间不符", code="report_document_invalid_period", field="period")
    scheduled = trigger == DocumentTrigger.SCHEDULE
    if scheduled and ReportDocument.objects.filter(kind=kind, period=key, unit=unit).exists():
        return None
    moment = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):  # a document is in the site's language
        layout = build(kind, unit, period, now=moment)
    version = 1 if scheduled else _next_version(kind, key, unit)
    document = ReportDocument(
        kind=kind,
        period=key,
        period_start=period.start,
        period_end=period.end,
        unit=unit,
        version=version,
        title=f"{layout.title}({layout.subtitle})"[:200],
        trigger=trigger,
        generated_at=moment,
        generated_by=actor,
        figures=layout.to_json(),
    )
    document.pdf.save(
        "document.pdf", ContentFile(render_pdf(layout, generated_at=moment, version=version)), save=False
    )
    document.xlsx.save(
        "document.xlsx", ContentFile(render_xlsx(layout, generated_at=moment, version=version)), save=False
    )
    try:
        with transaction.atomic():
            document.save()
            if notify:
                notify_subscribers(document)
    except IntegrityError:
        # another run wrote this version first: ours is not kept
        document.pdf.delete(save=False)
        document.xlsx.delete(save=False)
        if scheduled:
            return None
        raise
    logger.info("report document %s: %s %s %s v%s", document.pk, kind, key, unit.code, version)
    return document


def due_periods(kind: str, today: date) -> list[Period]:
    """The last complete period(s) of ``kind`` on ``today`` (local date)."""
    out = []
    for period_kind in PERIOD_KINDS[kind]:
        current = period_start(today, period_kind)
        out.append(Period(period_kind, shift(current, period_kind, -1)))
    return out


def scopes(kind: str) -> list[Unit]:
    """The units a kind is made for: every top unit, and every unit an active subscription names."""
    named = ReportSubscription.objects.filter(kind=kind, active=True).values("unit_id")
    return list(Unit.objects.filter(parent__isnull=True) | Unit.objects.filter(pk__in=named))


@dataclass
class DueReport:
    generated: list[int]  # document ids
    skipped: int  # (kind, period, unit) that already had a document


def generate_due(*, now: datetime | None = None, kinds: tuple[str, ...] | None = None) -> DueReport:
    """Generate every document owed for the last complete periods and tell the subscribers.
    Idempotent: what exists is skipped (the worker runs it daily, so a missed day catches up)."""
    moment = now or timezone.now()
    today = moment.astimezone(TZ).date()
    report = DueReport([], 0)
    for kind in kinds or tuple(PERIOD_KINDS):
        for period in due_periods(kind, today):
            for unit in sorted(scopes(kind), key=lambda u: u.path):
                document = document_generate(
                    kind=kind,
                    period=period,
                    unit=unit,
                    trigger=DocumentTrigger.SCHEDULE,
                    notify=True,
                    now=moment,
                )
                if document is None:
                    report.skipped += 1
                else:
                    report.generated.append(document.pk)
    return report
