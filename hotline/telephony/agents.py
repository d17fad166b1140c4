"""Agents (座席): sign in with staff number, extension and password; states and their log.

Every state change closes the open ``AgentStateLog`` row (its duration) and opens the
next, in one transaction with the agent row, and tells the PBX after commit
(``pbx.send``: the queues' pause flag follows the state). A change to the state the agent
is already in writes nothing.

States: offline → (sign in) ready; ready ⇄ break (小休); a call answered → busy; busy ⇄
mute; the call ends → wrap-up (话后整理, ``HOTLINE_WRAPUP_SECONDS``), which ends by itself
(``agent_current`` on every read, ``expire_wrapups`` periodically) or by the agent
choosing ready or break. The PBX is paused in every state but ready.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from hotline.core.errors import InvalidInput
from hotline.core.types import AnyUser
from hotline.org.models import Role
from hotline.org.selectors import memberships_of
from hotline.telephony import pbx
from hotline.telephony.models import Agent, AgentState, AgentStateLog, Push, SkillGroup

STALE_SECONDS = 90  # no event-stream heartbeat for this long: the browser is gone
_EXTENSION = re.compile(r"^[0-9]{2,10}$")
SUPERVISOR_ROLES = frozenset({Role.TEAM_LEADER, Role.ADMIN})

# what an agent may choose, from which states
_CHOICES: dict[str, frozenset[str]] = {
    AgentState.READY: frozenset({AgentState.BREAK, AgentState.WRAPUP}),
    AgentState.BREAK: frozenset({AgentState.READY, AgentState.WRAPUP}),
    AgentState.MUTE: frozenset({AgentState.BUSY}),
    AgentState.BUSY: frozenset({AgentState.MUTE}),
}
_PAUSED = frozenset({AgentState.BREAK, AgentState.WRAPUP, AgentState.BUSY, AgentState.MUTE})


def may_take_calls(user: AnyUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return Agent.objects.filter(user_id=user.pk).exists()


def may_supervise(user: AnyUser) -> bool:
    """Team leaders (班长) and administrators: the centre's calls, every task, reassigning."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return any(m.role in SUPERVISOR_ROLES for m in memberships_of(user))


def agent_of(user: AnyUser) -> Agent | None:
    if not user.is_authenticated:
        return None
    return Agent.objects.filter(user_id=user.pk).prefetch_related("groups").first()


def _queues(agent: Agent) -> list[str]:
    return [g.queue for g in agent.groups.filter(active=True)]


def _tell_pbx(agent: Agent, state: str, reason: str) -> None:
    """After commit: pause or unpause the agent's extension in its queues."""
    extension = agent.extension
    if not extension:
        return
    paused = state in _PAUSED
    transaction.on_commit(lambda: pbx.queue_pause(extension, paused, reason or state))


def _set_state(agent: Agent, state: str, *, now: datetime, reason: str = "", tell_pbx: bool = True) -> bool:
    """The one place a state changes (the caller holds the agent row locked)."""
    if agent.state == state:
        return False
    current = AgentStateLog.objects.filter(agent=agent, ended_at__isnull=True).first()  # at most one
    if current is not None:
        current.ended_at = now
        current.seconds = max(0, int((now - current.started_at).total_seconds()))
        current.save(update_fields=["ended_at", "seconds"])
    AgentStateLog.objects.create(
        agent=agent,
        state=state,
        extension=agent.extension,
        started_at=now,
        reason=reason[:64],
        pbx_sent=tell_pbx and bool(agent.extension) and pbx.configured(),
    )
    agent.state = state
    agent.state_since = now
    # the agent's browser shows the new state at once (answered, signed out by the server)
    Push.objects.create(user_id=agent.user_id, kind="state", payload={"state": state}, created_at=now)
    if state != AgentState.WRAPUP:
        agent.wrapup_until = None
    agent.save(
        update_fields=["state", "state_since", "wrapup_until", "extension", "session_key", "last_seen"]
    )
    if tell_pbx and state != AgentState.OFFLINE:
        _tell_pbx(agent, state, reason)
    return True


def _locked(agent: Agent) -> Agent:
    return Agent.objects.select_for_update().get(pk=agent.pk)


def agent_sign_in(
    *,
    user: AnyUser,
    staff_no: str,
    extension: str,
    password: str,
    session_key: str = "",
    now: datetime | None = None,
) -> Agent:
    """签入: the staff number must be the user's own and the password theirs."""
    now = now or timezone.now()
    staff_no = (staff_no or "").strip()
    extension = (extension or "").strip()
    failed = InvalidInput("工号或密码不正确", code="agent_sign_in_failed")
    if not user.is_authenticated or not staff_no or not user.check_password(password or ""):
        raise failed
    if not _EXTENSION.match(extension):
        raise InvalidInput("分机号应为 2–10 位数字", code="agent_extension_invalid", field="extension")
    try:
        with transaction.atomic():
            agent = Agent.objects.select_for_update().filter(user_id=user.pk, staff_no=staff_no).first()
            if agent is None:
                raise failed
            holder = Agent.objects.filter(extension=extension).exclude(pk=agent.pk).first()
            if holder is not None:
                raise InvalidInput(
                    f"分机 {extension} 已由工号 {holder.staff_no} 签入",
                    code="agent_extension_taken",
                    field="extension",
                )
            moved = agent.extension and agent.extension != extension
            if moved:
                _leave_queues(agent)
            agent.extension = extension
            agent.session_key = session_key[:64]
            agent.last_seen = now
            if agent.state == AgentState.OFFLINE or moved:
                agent.save(update_fields=["extension", "session_key", "last_seen"])
                _join_queues(agent)
                if agent.state == AgentState.OFFLINE:
                    _set_state(agent, AgentState.READY, now=now, reason="sign_in")
            else:
                agent.save(update_fields=["extension", "session_key", "last_seen"])
            return agent
    except IntegrityError:
        raise InvalidInput(
            f"分机 {extension} 已被占用", code="agent_extension_taken", field="extension"
        ) from None


def _join_queues(agent: Agent) -> None:
    extension, name = agent.extension, agent.staff_no
    for queue in _queues(agent):
        transaction.on_commit(partial(pbx.queue_add, extension, queue, name))


def _leave_queues(agent: Agent) -> None:
    extension = agent.extension
    for queue in _queues(agent):
        transaction.on_commit(partial(pbx.queue_remove, extension, queue))


def agent_sign_out(*, agent: Agent, reason: str = "", now: datetime | None = None) -> Agent:
    """签出: leaves the queues and frees the extension; signing out twice writes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(agent)
        if locked.state == AgentState.OFFLINE and not locked.extension:
            return locked
        _leave_queues(locked)
        locked.extension = ""
        locked.session_key = ""
        _set_state(locked, AgentState.OFFLINE, now=now, reason=reason or "sign_out", tell_pbx=False)
        locked.save(update_fields=["extension", "session_key"])
        return locked


def agent_set_state(
    *, agent: Agent, state: str, actor: AnyUser, reason: str = "", now: datetime | None = None
) -> Agent:
    """The agent's own choice (示闲, 小休, 静音 and back); unchanged writes nothing."""
    now = now or timezone.now()
    if state not in _CHOICES:
        raise InvalidInput("无效的座席状态", code="agent_state_invalid", field="state")
    with transaction.atomic():
        locked = _resolve_wrapup(_locked(agent), now)
        if locked.state == state:
            return locked
        if locked.state == AgentState.OFFLINE:
            raise InvalidInput("请先签入", code="agent_not_signed_in")
        if locked.state not in _CHOICES[state]:
            raise InvalidInput(
                f"当前状态“{AgentState(locked.state).label}”不能切换为“{AgentState(state).label}”",
                code="agent_state_invalid",
                field="state",
            )
        _set_state(locked, state, now=now, reason=reason or "agent")
        return locked


def _resolve_wrapup(agent: Agent, now: datetime) -> Agent:
    if agent.state == AgentState.WRAPUP and agent.wrapup_until is not None and agent.wrapup_until <= now:
        _set_state(agent, AgentState.READY, now=agent.wrapup_until, reason="wrapup_end")
    return agent


def agent_current(agent: Agent, now: datetime | None = None) -> Agent:
    """The agent as of now: a wrap-up past its end is over (ready, logged)."""
    now = now or timezone.now()
    if agent.state != AgentState.WRAPUP or agent.wrapup_until is None or agent.wrapup_until > now:
        return agent
    with transaction.atomic():
        return _resolve_wrapup(_locked(agent), now)


def expire_wrapups(now: datetime | None = None) -> int:
    now = now or timezone.now()
    done = 0
    for agent in Agent.objects.filter(state=AgentState.WRAPUP, wrapup_until__lte=now):
        if agent_current(agent, now).state == AgentState.READY:
            done += 1
    return done


def call_started(agent: Agent, *, now: datetime) -> None:
    """A call was answered at the agent's extension (the caller holds a transaction)."""
    locked = _locked(agent)
    if locked.state != AgentState.OFFLINE:
        _set_state(locked, AgentState.BUSY, now=now, reason="call")


def call_ended(agent: Agent, *, now: datetime) -> None:
    """The agent's call ended: wrap-up for ``HOTLINE_WRAPUP_SECONDS``."""
    locked = _locked(agent)
    if locked.state not in (AgentState.BUSY, AgentState.MUTE):
        return
    seconds = settings.HOTLINE_WRAPUP_SECONDS
    if seconds <= 0:
        _set_state(locked, AgentState.READY, now=now, reason="call_end")
        return
    locked.wrapup_until = now + timedelta(seconds=seconds)
    _set_state(locked, AgentState.WRAPUP, now=now, reason="call_end")


def agent_join(*, agent: Agent, group: SkillGroup, actor: AnyUser) -> bool:
    """Join a skill group (its queue, when signed in); already in it: nothing written."""
    with transaction.atomic():
        locked = _locked(agent)
        if locked.groups.filter(pk=group.pk).exists():
            return False
        locked.groups.add(group)
        if locked.extension:
            extension, name, queue = locked.extension, locked.staff_no, group.queue
            transaction.on_commit(lambda: pbx.queue_add(extension, queue, name))
        return True


def agent_leave(*, agent: Agent, group: SkillGroup, actor: AnyUser) -> bool:
    with transaction.atomic():
        locked = _locked(agent)
        if not locked.groups.filter(pk=group.pk).exists():
            return False
        locked.groups.remove(group)
        if locked.extension:
            extension, queue = locked.extension, group.queue
            transaction.on_commit(lambda: pbx.queue_remove(extension, queue))
        return True


def agent_heartbeat(agent: Agent, now: datetime | None = None) -> None:
    Agent.objects.filter(pk=agent.pk).update(last_seen=now or timezone.now())


def sign_out_stale(now: datetime | None = None) -> int:
    """Sign out agents whose browser has gone (no heartbeat for ``STALE_SECONDS``); not in
    the middle of a call."""
    now = now or timezone.now()
    gone = Agent.objects.exclude(state__in=[AgentState.OFFLINE, AgentState.BUSY, AgentState.MUTE]).filter(
        last_seen__lt=now - timedelta(seconds=STALE_SECONDS)
    )
    count = 0
    for agent in gone:
        agent_sign_out(agent=agent, reason="browser_gone", now=now)
        count += 1
    return count


def agent_for_extension(extension: str) -> Agent | None:
    return Agent.objects.filter(extension=extension).select_related("user").first() if extension else None


def agents_named(names: tuple[str, ...]) -> list[Agent]:
    """Agents by username or staff number (a generic event's ``user[]``)."""
    wanted = [n.strip() for n in names if n and n.strip()]
    if not wanted:
        return []
    by_staff = list(Agent.objects.filter(staff_no__in=wanted).select_related("user"))
    found = {a.pk for a in by_staff}
    by_name = [
        a for a in Agent.objects.filter(user__username__in=wanted).select_related("user") if a.pk not in found
    ]
    return by_staff + by_name
