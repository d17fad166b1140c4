"""The wallboard (大屏): the floor now, and today's and this hour's call measures.

- **Now**: the calls waiting in the queues (inbound, not blocked, still ringing, started in
  the last ``QUEUE_HOURS``: an older one lost its events and is no longer waiting) with their
  wait, the longest wait; every agent with their state and how long they have been in it
  (``Agent.state`` / ``state_since``; a wrap-up past its end is ended first, as on every
  read), and the agents counted by state.
- **Today** and **this hour** (local time, ``TIME_ZONE``): ``stats.figures`` over the calls
  *started* in the window — the one definition of offered, answered, abandoned, service
  level, answer rate, average wait and handling time that the report centre uses too.

``change_token()`` is what the live page checks a few times a second: the newest ids of the
tables every change on the floor writes (a call, its events, a state log row, a team
leader's action) and the hour; the full snapshot is built and sent only when it moved.

A caller's number is shown as every screen shows it (``services.shown_number``: masked when
a linked ticket is confidential); the wallboard itself shows no numbers, the team leader's
panel and the API do.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from hotline.telephony import agents, stats
from hotline.telephony.models import (
    Agent,
    AgentState,
    AgentStateLog,
    Call,
    CallEvent,
    CallOutcome,
    CallStatus,
    Direction,
    SupervisorAction,
)
from hotline.telephony.services import number_hidden, shown_number

QUEUE_HOURS = 4
STATE_ORDER = [
    AgentState.READY,
    AgentState.BUSY,
    AgentState.MUTE,
    AgentState.WRAPUP,
    AgentState.BREAK,
    AgentState.OFFLINE,
]


@dataclass(frozen=True)
class Waiting:
    call: int
    number: str  # as the screens show it (masked when hidden)
    area: str
    queue: str
    seconds: int


@dataclass(frozen=True)
class AgentRow:
    id: int
    staff_no: str
    name: str
    extension: str
    state: str
    state_label: str
    seconds: int  # in this state
    call: int | None  # the call in progress


@dataclass(frozen=True)
class Snapshot:
    at: datetime
    today_from: datetime
    hour_from: datetime
    waiting: list[Waiting]
    agents: list[AgentRow]
    today: stats.Figures
    hour: stats.Figures

    @property
    def longest_wait(self) -> int | None:
        return max((w.seconds for w in self.waiting), default=None)

    @property
    def states(self) -> dict[str, int]:
        counts = {str(state): 0 for state in STATE_ORDER}
        for row in self.agents:
            counts[row.state] = counts.get(row.state, 0) + 1
        return counts

    @property
    def signed_in(self) -> list[AgentRow]:
        return [row for row in self.agents if row.state != AgentState.OFFLINE]

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "today_from": self.today_from,
            "hour_from": self.hour_from,
            "waiting": len(self.waiting),
            "longest_wait": self.longest_wait,
            "queue": [asdict(w) for w in self.waiting],
            "states": self.states,
            "agents": [asdict(a) for a in self.agents],
            "today": self.today.as_dict(),
            "hour": self.hour.as_dict(),
        }


def windows(now: datetime) -> tuple[datetime, datetime]:
    """The local day's and hour's starts (aware) for ``now``."""
    local = timezone.localtime(now)
    return (
        local.replace(hour=0, minute=0, second=0, microsecond=0),
        local.replace(minute=0, second=0, microsecond=0),
    )


def calls_started(start: datetime, end: datetime) -> QuerySet[Call]:
    return Call.objects.filter(started_at__gte=start, started_at__lt=end)


def waiting_calls(now: datetime) -> QuerySet[Call]:
    """The calls in the queues now, longest waiting first."""
    return (
        Call.objects.filter(
            direction=Direction.INBOUND,
            status=CallStatus.RINGING,
            started_at__gte=now - timedelta(hours=QUEUE_HOURS),
            started_at__lte=now,
        )
        .exclude(outcome=CallOutcome.BLOCKED)
        .order_by("started_at", "pk")
    )


def _queue(now: datetime) -> list[Waiting]:
    rows = waiting_calls(now).prefetch_related("ticket_links__ticket")
    return [
        Waiting(
            call=c.pk,
            number=shown_number(c.caller or c.from_raw, number_hidden(c)),
            area=c.area,
            queue=c.queue,
            seconds=max(0, int((now - c.started_at).total_seconds())),
        )
        for c in rows
    ]


def _agents(now: datetime) -> list[AgentRow]:
    rows = list(Agent.objects.select_related("user").order_by("staff_no"))
    live = dict(
        Call.objects.filter(status=CallStatus.ANSWERED, agent_id__in=[a.user_id for a in rows])
        .order_by("answered_at", "pk")
        .values_list("agent_id", "pk")
    )  # the latest call of each agent wins
    return [
        AgentRow(
            id=a.pk,
            staff_no=a.staff_no,
            name=a.user.get_full_name() or a.user.username,
            extension=a.extension,
            state=a.state,
            state_label=str(AgentState(a.state).label),
            seconds=max(0, int((now - a.state_since).total_seconds())) if a.state_since else 0,
            call=live.get(a.user_id),
        )
        for a in rows
    ]


def snapshot(now: datetime | None = None) -> Snapshot:
    """The floor as of ``now``."""
    now = now or timezone.now()
    agents.expire_wrapups(now)
    day, hour = windows(now)
    return Snapshot(
        at=now,
        today_from=day,
        hour_from=hour,
        waiting=_queue(now),
        agents=_agents(now),
        today=stats.figures(calls_started(day, day + timedelta(days=1))),
        hour=stats.figures(calls_started(hour, hour + timedelta(hours=1))),
    )


def _newest(qs: QuerySet[Any]) -> int:
    return int(qs.order_by("-pk").values_list("pk", flat=True).first() or 0)


def change_token(now: datetime | None = None) -> str:
    """Moves whenever the snapshot may have: a new call, call event, state or leader's action,
    or a new hour (this hour's window)."""
    local = timezone.localtime(now or timezone.now())
    ids = (
        _newest(Call.objects.all()),
        _newest(CallEvent.objects.all()),
        _newest(AgentStateLog.objects.all()),
        _newest(SupervisorAction.objects.all()),
    )
    return ":".join(str(i) for i in ids) + local.strftime(":%Y%m%d%H")
