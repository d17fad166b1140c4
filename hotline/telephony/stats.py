"""Call measures (话务指标): one definition for the wallboard, the report centre and exports.

Over inbound calls that were not blocked (a blocked caller is counted apart):

- ``offered`` (呼入量): every such call, ringing, in talk or ended;
- ``answered`` (接通): a call an agent answered (in talk or ended after an answer);
- ``abandoned`` (放弃): the caller hung up waiting in the queue; ``missed`` (未接): it rang
  at agents and nobody answered; ``lost`` (呼损) = both;
- ``service_level`` (服务水平): answered within ``SERVICE_SECONDS`` (15 s) of the call's
  start ÷ (answered + lost); ``answer_rate`` (接通率): answered ÷ (answered + lost) —
  004 L446 asks for at least 95 %; calls still waiting are in neither;
- ``avg_wait`` (平均等待): seconds from the start to the answer, over answered calls;
  ``avg_talk`` (平均通话) and ``avg_handle`` (平均处理 = talk + wrap-up), over answered
  calls that ended.

Outbound calls: ``outbound`` and ``outbound_connected``. ``surveyed`` and the four keypad
levels count the calls whose caller pressed a digit in the satisfaction survey.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet, Sum

from hotline.telephony.models import Call, CallOutcome, CallStatus, Direction

SERVICE_SECONDS = 15

_IN = Q(direction=Direction.INBOUND) & ~Q(outcome=CallOutcome.BLOCKED)
_ANSWERED = _IN & Q(answered_at__isnull=False)
_LOST = _IN & Q(outcome__in=[CallOutcome.ABANDONED, CallOutcome.MISSED])

AGGREGATES: dict[str, Any] = {
    "offered": Count("pk", filter=_IN),
    "answered": Count("pk", filter=_ANSWERED),
    "abandoned": Count("pk", filter=_IN & Q(outcome=CallOutcome.ABANDONED)),
    "missed": Count("pk", filter=_IN & Q(outcome=CallOutcome.MISSED)),
    "waiting": Count("pk", filter=_IN & Q(status=CallStatus.RINGING)),
    "within_service": Count("pk", filter=_ANSWERED & Q(wait_seconds__lte=SERVICE_SECONDS)),
    "blocked": Count("pk", filter=Q(outcome=CallOutcome.BLOCKED)),
    "outbound": Count("pk", filter=Q(direction=Direction.OUTBOUND)),
    "outbound_connected": Count("pk", filter=Q(direction=Direction.OUTBOUND, answered_at__isnull=False)),
    "wait_avg": Avg("wait_seconds", filter=_ANSWERED),
    "talk_avg": Avg("talk_seconds", filter=_ANSWERED & Q(status=CallStatus.ENDED)),
    "handle_avg": Avg(
        F("talk_seconds") + F("wrapup_seconds"),
        filter=_ANSWERED & Q(status=CallStatus.ENDED, wrapup_seconds__isnull=False),
    ),
    "talk_total": Sum("talk_seconds", filter=_ANSWERED & Q(status=CallStatus.ENDED)),
    "surveyed": Count("pk", filter=Q(survey_score__isnull=False)),
    "survey_1": Count("pk", filter=Q(survey_score=1)),
    "survey_2": Count("pk", filter=Q(survey_score=2)),
    "survey_3": Count("pk", filter=Q(survey_score=3)),
    "survey_4": Count("pk", filter=Q(survey_score=4)),
}


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _seconds(value: float | None) -> float | None:
    return round(float(value), 1) if value is not None else None


@dataclass(frozen=True)
class Figures:
    offered: int
    answered: int
    abandoned: int
    missed: int
    waiting: int
    within_service: int
    blocked: int
    outbound: int
    outbound_connected: int
    wait_avg: float | None
    talk_avg: float | None
    handle_avg: float | None
    talk_total: int
    surveyed: int
    survey_1: int
    survey_2: int
    survey_3: int
    survey_4: int

    @property
    def lost(self) -> int:
        return self.abandoned + self.missed

    @property
    def service_level(self) -> float | None:
        return _ratio(self.within_service, self.answered + self.lost)

    @property
    def answer_rate(self) -> float | None:
        return _ratio(self.answered, self.answered + self.lost)

    @property
    def satisfied_rate(self) -> float | None:
        """非常满意 + 满意 ÷ every keypad answer."""
        return _ratio(self.survey_1 + self.survey_2, self.surveyed)

    def as_dict(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out.update(
            lost=self.lost,
            service_level=self.service_level,
            answer_rate=self.answer_rate,
            satisfied_rate=self.satisfied_rate,
        )
        return out


def from_row(row: dict[str, Any]) -> Figures:
    """A ``Figures`` from one row of ``AGGREGATES`` (an ``aggregate()`` or ``annotate()``)."""
    values: dict[str, Any] = {
        name: (_seconds(row[name]) if name.endswith("_avg") else int(row[name] or 0)) for name in AGGREGATES
    }
    return Figures(**values)


def figures(calls: QuerySet[Call]) -> Figures:
    """The measures over ``calls`` (one query)."""
    return from_row(calls.order_by().aggregate(**AGGREGATES))


def figures_by(
    calls: QuerySet[Call], *fields: str, **expressions: Any
) -> list[tuple[dict[str, Any], Figures]]:
    """The measures per group: ``fields`` are field names, ``expressions`` named expressions,
    both passed to ``values()`` (e.g. ``day=TruncDate("started_at", tzinfo=…)``); one query,
    ordered by the group (fields first, then the expressions, as given)."""
    names = [*fields, *expressions]
    rows = calls.order_by().values(*fields, **expressions).annotate(**AGGREGATES).order_by(*names)
    return [({n: row[n] for n in names}, from_row(row)) for row in rows]
