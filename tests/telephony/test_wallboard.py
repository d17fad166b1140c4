"""The wallboard (issue 13 item 2, Done-when): its figures equal a count over the call log.

A mixed day of calls is folded through ``apply_event`` as a PBX would send them (answered
within and beyond 15 s, abandoned, missed, blocked, outbound, still talking, still waiting,
yesterday's, a stale ring), then the snapshot's today and this-hour figures are compared with
a count written here in plain Python over the ``Call`` rows, independently of ``stats``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import mean
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hotline.callers.models import BlocklistEntry, BlocklistStatus
from hotline.core.errors import NoChange
from hotline.telephony import agents, floor, wallboard
from hotline.telephony.calls import Incoming, apply_event
from hotline.telephony.models import Agent, AgentState, Call

pytestmark = pytest.mark.django_db
LOCAL = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 14, 40, tzinfo=LOCAL)
BLOCKED = "13900000000"


def at(day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=LOCAL)


def fold(kind: str, call_id: str, when: datetime, **fields: Any) -> None:
    apply_event(Incoming(source="http", kind=kind, call_id=call_id, at=when, **fields))


def call(
    call_id: str,
    start: datetime,
    *,
    caller: str = "13812345678",
    wait: int | None = None,
    talk: int | None = None,
    gave_up: tuple[int, str] | None = None,
    direction: str = "in",
) -> None:
    """newCall; answered after ``wait`` by 1001; hung up after ``talk``; or given up."""
    numbers = {"from_number": caller, "to_number": "12345"} if direction == "in" else {"to_number": caller}
    fold(
        "newCall",
        call_id,
        start,
        direction=direction,
        users=("1001",) if direction == "out" else (),
        **numbers,
    )
    if wait is not None:
        answered = start + timedelta(seconds=wait)
        fold("answer", call_id, answered, direction=direction, users=("1001",))
        if talk is not None:
            fold("hangup", call_id, answered + timedelta(seconds=talk), cause="normalClearing")
    elif gave_up is not None:
        seconds, cause = gave_up
        fold("hangup", call_id, start + timedelta(seconds=seconds), cause=cause)


@pytest.fixture
def call_log(users: dict[str, Any], settings: Any) -> dict[str, Agent]:
    settings.HOTLINE_WRAPUP_SECONDS = 30
    one = Agent.objects.create(user=users["agent"], staff_no="1001")
    two = Agent.objects.create(user=users["handler"], staff_no="1002")
    Agent.objects.create(user=users["head"], staff_no="1003")  # never signed in
    agents.agent_sign_in(
        user=users["agent"], staff_no="1001", extension="8001", password="pw-test-123", now=at(10, 8, 0)
    )
    agents.agent_sign_in(
        user=users["handler"], staff_no="1002", extension="8002", password="pw-test-123", now=at(10, 8, 5)
    )
    agents.agent_set_state(agent=two, state=AgentState.BREAK, actor=users["handler"], now=at(10, 14, 30))
    BlocklistEntry.objects.create(
        phone="+86" + BLOCKED,
        reason="恶意骚扰",
        status=BlocklistStatus.ACTIVE,
        requested_by=users["agent"],
        requested_at=at(1, 9, 0),
    )
    call("y-answered", at(9, 23, 50), wait=5, talk=60)  # yesterday
    call("y-stale", at(9, 9, 0))  # yesterday, its end never reported: not waiting any more
    call("d-fast", at(10, 9, 0), wait=3, talk=120)
    call("d-slow", at(10, 10, 15), wait=20, talk=300)  # beyond the 15 s service level
    call("d-abandoned", at(10, 11, 0), gave_up=(40, "abandon"))
    call("d-missed", at(10, 12, 30), gave_up=(30, "noAnswer"))
    call("d-blocked", at(10, 12, 45), caller=BLOCKED)
    call("d-out", at(10, 13, 10), caller="13700000000", wait=9, talk=45, direction="out")
    call("h-fast", at(10, 14, 5), wait=8, talk=200)
    call("h-talking", at(10, 14, 10), wait=16)  # still in talk
    call("h-abandoned", at(10, 14, 20), gave_up=(12, "abandon"))
    call("h-wait-long", at(10, 14, 38, 30))  # waiting 90 s
    call("h-wait-short", at(10, 14, 39, 40))  # waiting 20 s
    return {"one": one, "two": two}


@dataclass
class Counted:
    offered: int
    answered: int
    abandoned: int
    missed: int
    service_level: float | None
    answer_rate: float | None
    wait_avg: float | None
    talk_avg: float | None
    handle_avg: float | None


def count(start: datetime, end: datetime) -> Counted:
    """The measures as 004 L446 and the issue word them, counted over the rows by hand."""
    rows = [c for c in Call.objects.all() if start <= c.started_at < end]
    inbound = [c for c in rows if c.direction == "in" and c.outcome != "blocked"]
    answered = [c for c in inbound if c.answered_at is not None]
    abandoned = [c for c in inbound if c.outcome == "abandoned"]
    missed = [c for c in inbound if c.outcome == "missed"]
    decided = len(answered) + len(abandoned) + len(missed)  # calls still waiting are in neither
    within = [c for c in answered if (c.answered_at - c.started_at).total_seconds() <= 15]
    ended = [c for c in answered if c.ended_at is not None]

    def avg(values: list[float]) -> float | None:
        return round(mean(values), 1) if values else None

    return Counted(
        offered=len(inbound),
        answered=len(answered),
        abandoned=len(abandoned),
        missed=len(missed),
        service_level=round(len(within) / decided, 4) if decided else None,
        answer_rate=round(len(answered) / decided, 4) if decided else None,
        wait_avg=avg([(c.answered_at - c.started_at).total_seconds() for c in answered]),
        talk_avg=avg([(c.ended_at - c.answered_at).total_seconds() for c in ended]),
        handle_avg=avg([(c.ended_at - c.answered_at).total_seconds() + 30 for c in ended]),
    )


def shown(figures: Any) -> Counted:
    return Counted(**{name: getattr(figures, name) for name in Counted.__dataclass_fields__})


def test_the_wallboards_figures_equal_a_count_over_the_call_log(call_log: dict[str, Agent]) -> None:
    snap = wallboard.snapshot(NOW)
    today, hour = count(at(10, 0, 0), at(11, 0, 0)), count(at(10, 14, 0), at(10, 15, 0))
    assert shown(snap.today) == today
    assert shown(snap.hour) == hour
    # and the count itself is the day we built (so neither side is vacuous)
    assert (today.offered, today.answered, today.abandoned, today.missed) == (9, 4, 2, 1)
    assert (hour.offered, hour.answered, hour.abandoned, hour.missed) == (5, 2, 1, 0)
    assert (today.service_level, today.answer_rate) == (round(2 / 7, 4), round(4 / 7, 4))


def test_the_queue_is_the_calls_ringing_now_and_the_longest_wait_is_the_oldest(
    call_log: dict[str, Agent],
) -> None:
    snap = wallboard.snapshot(NOW)
    ringing = Call.objects.filter(status="ringing", direction="in", started_at__gte=NOW - timedelta(hours=4))
    assert [w.call for w in snap.waiting] == list(ringing.order_by("started_at").values_list("pk", flat=True))
    assert [w.seconds for w in snap.waiting] == [90, 20] and snap.longest_wait == 90
    assert snap.waiting[0].number == "+8613812345678" and snap.as_dict()["waiting"] == 2


def test_agents_are_shown_by_state_with_their_time_in_it(call_log: dict[str, Agent]) -> None:
    snap = wallboard.snapshot(NOW)
    rows = {row.staff_no: row for row in snap.agents}
    talking = Call.objects.get(call_id="h-talking")
    assert (rows["1001"].state, rows["1001"].seconds, rows["1001"].call) == ("busy", 1784, talking.pk)
    assert (rows["1002"].state, rows["1002"].seconds, rows["1002"].call) == ("break", 600, None)
    assert rows["1003"].state == "offline"
    assert snap.states == {"ready": 0, "busy": 1, "mute": 0, "wrapup": 0, "break": 1, "offline": 1}
    assert [r.staff_no for r in snap.signed_in] == ["1001", "1002"]


def test_the_change_token_moves_with_the_floor_and_only_then(
    call_log: dict[str, Agent], users: dict[str, Any]
) -> None:
    before = wallboard.change_token(NOW)
    assert wallboard.change_token(NOW) == before
    with pytest.raises(NoChange):
        floor.supervise(leader=users["teamlead"], agent=call_log["two"], kind="busy")
    assert wallboard.change_token(NOW) == before  # nothing written, nothing to send
    floor.supervise(leader=users["teamlead"], agent=call_log["two"], kind="ready")
    after = wallboard.change_token(NOW)
    assert after != before
    assert wallboard.change_token(NOW + timedelta(hours=1)) != after  # this hour's window moved
