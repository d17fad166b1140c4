"""The one door for rectification state changes (整改): issue, report, verify, send back, withdraw.

Every change locks the notice row, refuses a stale ``expected_version`` (409
``stale_version``), checks the status, applies, bumps ``version``, appends its
:class:`~hotline.rectification.models.NoticeStep` and writes its messages to the outbox —
all in one transaction. Two conflicting actions at once serialise on the row lock: the
loser finds the notice moved and gets a 409. An action that would change nothing (verifying
a verified notice) writes nothing and answers ``no_change``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from hotline.calendar.services import compute_deadline
from hotline.core.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NoChange
from hotline.core.types import AnyUser, User
from hotline.org.models import Unit
from hotline.rectification.access import issuing_membership, may_issue, notice_roles
from hotline.rectification.models import (
    AWAITING_REPORT,
    Notice,
    NoticeSequence,
    NoticeStatus,
    NoticeStep,
    Report,
    StepAction,
)
from hotline.rectification.outbox import heads_of, send
from hotline.tickets.models import Ticket

MAX_DAYS: Final = 60  # working days: about three months
SUBJECT_MAX: Final = 200
TEXT_MAX: Final = 5000
REASON_MAX: Final = 1000
ACTIONS: Final = ("report", "verify", "send_back", "withdraw")
# which part of the notice each action is for (``access.notice_roles``)
ACTION_ROLE: Final = {"report": "head", "verify": "issuer", "send_back": "issuer", "withdraw": "issuer"}
# the statuses each action starts from
ACTION_FROM: Final[dict[str, tuple[str, ...]]] = {
    "report": AWAITING_REPORT,
    "verify": (NoticeStatus.REPORTED,),
    "send_back": (NoticeStatus.REPORTED,),
    "withdraw": (NoticeStatus.ISSUED, NoticeStatus.REPORTED, NoticeStatus.SENT_BACK),
}
# the status an action leaves: already there means nothing to do
ACTION_TO: Final = {
    "report": NoticeStatus.REPORTED,
    "verify": NoticeStatus.VERIFIED,
    "send_back": NoticeStatus.SENT_BACK,
    "withdraw": NoticeStatus.WITHDRAWN,
}


@dataclass(frozen=True)
class Deadline:
    due_at: datetime
    remind_at: datetime | None
    provisional: bool


# --- input -------------------------------------------------------------------------------


def _text(value: Any, *, field: str, label: str, limit: int, required: bool = True, prefix: str = "") -> str:
    """Stripped text of ``field``; codes ``<prefix>_required`` / ``<prefix>_too_long`` /
    ``invalid_<prefix>`` (``prefix`` defaults to the field's name)."""
    code = prefix or field
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"{label}应为文字", code=f"invalid_{code}", field=field)
    if required and not text:
        raise InvalidInput(f"请填写{label}", code=f"{code}_required", field=field)
    if len(text) > limit:
        raise InvalidInput(f"{label}不能超过{limit}字", code=f"{code}_too_long", field=field)
    return text


def _days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput("整改期限应为工作日数", code="invalid_days", field="days")
    try:
        days = int(value)
    except ValueError:
        raise InvalidInput("整改期限应为工作日数", code="invalid_days", field="days") from None
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"整改期限应为1至{MAX_DAYS}个工作日", code="invalid_days", field="days")
    return days


def deadline_for(*, start: datetime, days: int) -> Deadline:
    """``days`` working days from ``start`` on the calendar (the close of the last one), and
    the reminder one working day before (the close of the day before; none for one day)."""
    due = compute_deadline(start=start, amount=days, unit="working_days")
    remind = compute_deadline(start=start, amount=days - 1, unit="working_days") if days >= 2 else None
    return Deadline(
        due_at=due.due_at,
        remind_at=remind.due_at if remind is not None and remind.due_at > start else None,
        provisional=due.provisional,
    )


# --- numbering ---------------------------------------------------------------------------

_UPSERT = (
    "INSERT INTO {table} (year, last) VALUES (%s, 1) "
    "ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last"
)


def next_notice_number(year: int) -> str:
    """``ZG2026-0001``: one atomic upsert per number, so concurrent issues never share one."""
    table = connection.ops.quote_name(NoticeSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT.format(table=table), [year])
        (seq,) = cursor.fetchone()
    return f"ZG{year}-{seq:04d}"


# --- history -----------------------------------------------------------------------------


def record_step(
    notice: Notice,
    *,
    action: StepAction,
    actor: AnyUser | None,
    from_status: str,
    now: datetime,
    comment: str = "",
    payload: dict[str, Any] | None = None,
    actor_label: str = "",
) -> NoticeStep:
    """Append one history line; the caller holds the notice's row lock (``seq`` cannot race)."""
    last = NoticeStep.objects.filter(notice=notice).aggregate(m=Max("seq"))["m"] or 0
    user = actor if isinstance(actor, User) and actor.is_authenticated else None
    return NoticeStep.objects.create(
        notice=notice,
        seq=last + 1,
        action=action,
        actor=user,
        actor_label=actor_label or ("" if user else "系统"),
        from_status=from_status,
        to_status=notice.status,
        comment=comment,
        payload=payload or {},
        at=now,
    )


def lock_notice(pk: int, *, expected_version: int | None = None) -> Notice:
    """The notice's row, locked until the transaction ends (bare row, as ``lock_ticket``)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_notice needs a transaction (transaction.atomic)")
    locked = Notice.objects.select_for_update().get(pk=pk)
    if expected_version is not None and expected_version != locked.version:
        raise Conflict(
            "整改通知书已被他人处理,请刷新后重试", code="stale_version", current_version=locked.version
        )
    return locked


# --- the commands ------------------------------------------------------------------------


def notice_issue(
    *,
    actor: AnyUser,
    unit: Unit | None,
    subject: Any,
    problem: Any,
    requirement: Any,
    days: Any,
    ticket: Ticket | None = None,
    now: datetime | None = None,
) -> Notice:
    """Issue a rectification notice to ``unit`` (about ``ticket``, or a pattern when None).

    The caller has checked that ``actor`` may see ``ticket`` (``access_ticket``)."""
    if not isinstance(actor, User) or not may_issue(actor):
        raise Forbidden("您的角色不能下发整改通知书", code="rectification_forbidden")
    if unit is None:
        raise InvalidInput("请选择整改单位", code="unit_required", field="unit")
    if not unit.is_active or not may_issue(actor, unit):
        raise InvalidInput(f"“{unit.name}”不在您的管辖范围内", code="unit_out_of_scope", field="unit")
    subject = _text(subject, field="subject", label="标题", limit=SUBJECT_MAX)
    problem = _text(problem, field="problem", label="存在问题", limit=TEXT_MAX)
    requirement = _text(requirement, field="requirement", label="整改要求", limit=TEXT_MAX)
    amount = _days(days)
    now = now or timezone.now()
    term = deadline_for(start=now, days=amount)
    membership = issuing_membership(actor, unit)
    with transaction.atomic():
        notice = Notice.objects.create(
            number=next_notice_number(timezone.localtime(now).year),
            unit=unit,
            ticket=ticket,
            issuing_unit=membership.unit if membership is not None else None,
            issued_by=actor,
            subject=subject,
            problem=problem,
            requirement=requirement,
            days=amount,
            issued_at=now,
            due_at=term.due_at,
            remind_at=term.remind_at,
            provisional=term.provisional,
        )
        payload: dict[str, Any] = {"days": amount, "due_at": term.due_at.isoformat()}
        if ticket is not None:
            payload["ticket"] = ticket.number
        record_step(notice, action=StepAction.ISSUE, actor=actor, from_status="", now=now, payload=payload)
        send(
            notice,
            kind="rectification_issued",
            users=heads_of(unit),
            key="issue",
            now=now,
            problem=problem,
            requirement=requirement,
        )
    return notice


def _check_role(notice: Notice, actor: AnyUser, action: str) -> User:
    """The acting user, when ``action`` is their part on ``notice`` (else ``Forbidden``)."""
    if not isinstance(actor, User) or ACTION_ROLE[action] not in notice_roles(actor, notice):
        who = "整改单位负责人" if ACTION_ROLE[action] == "head" else "下发整改通知书的监督部门"
        raise Forbidden(f"只有{who}能执行此操作", code="rectification_forbidden")
    return actor


def _check_status(locked: Notice, action: str) -> None:
    if locked.status == ACTION_TO[action] and action != "report":
        raise NoChange(f"整改通知书已是“{locked.get_status_display()}”,无需重复操作")
    if locked.status not in ACTION_FROM[action]:
        raise InvalidTransition(
            f"整改通知书当前为“{locked.get_status_display()}”,不能{StepAction(action).label},可能已被他人处理",
            code="rectification_wrong_status",
            notice_status=locked.status,
            current_version=locked.version,
        )


def notice_report(
    *,
    notice: Notice,
    actor: AnyUser,
    text: Any,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Notice:
    """The unit's head answers with a rectification report (整改报告)."""
    user = _check_role(notice, actor, "report")
    body = _text(text, field="text", label="整改报告", limit=TEXT_MAX, prefix="report")
    with transaction.atomic():
        locked = lock_notice(notice.pk, expected_version=expected_version)
        if locked.status == NoticeStatus.REPORTED:
            latest = Report.objects.filter(notice=locked).order_by("-seq").first()
            if latest is not None and latest.text == body:
                raise NoChange("这份整改报告已经提交,等待验证")
        _check_status(locked, "report")
        now = now or timezone.now()
        seq = (Report.objects.filter(notice=locked).aggregate(m=Max("seq"))["m"] or 0) + 1
        report = Report.objects.create(
            notice=locked, seq=seq, text=body, submitted_by=user, submitted_at=now, due_at=locked.due_at
        )
        from_status = locked.status
        locked.status = NoticeStatus.REPORTED
        locked.reported_at = now
        locked.on_time = report.on_time
        locked.version += 1
        locked.save()
        record_step(
            locked,
            action=StepAction.REPORT,
            actor=actor,
            from_status=from_status,
            now=now,
            comment=body,
            payload={"report": seq, "on_time": report.on_time},
        )
        send(
            locked,
            kind="rectification_reported",
            users=[locked.issued_by] if locked.issued_by.is_active else [],
            key=f"report:{seq}",
            now=now,
            report_seq=seq,
            report=body,
            late=not report.on_time,
        )
    return locked


def notice_verify(
    *,
    notice: Notice,
    actor: AnyUser,
    comment: Any = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Notice:
    """The issuer verifies the reported result: the notice is done (整改验证)."""
    _check_role(notice, actor, "verify")
    note = _text(comment, field="comment", label="验证意见", limit=REASON_MAX, required=False)
    with transaction.atomic():
        locked = lock_notice(notice.pk, expected_version=expected_version)
        _check_status(locked, "verify")
        now = now or timezone.now()
        latest = Report.objects.filter(notice=locked).order_by("-seq").first()
        from_status = locked.status
        locked.status = NoticeStatus.VERIFIED
        locked.verified_at = now
        locked.closed_at = now
        locked.version += 1
        locked.save()
        step = record_step(
            locked,
            action=StepAction.VERIFY,
            actor=actor,
            from_status=from_status,
            now=now,
            comment=note,
            payload={"report": latest.seq if latest else None, "on_time": locked.on_time},
        )
        send(
            locked,
            kind="rectification_verified",
            users=heads_of(locked.unit),
            key=f"verify:{step.seq}",
            now=now,
            comment=note,
        )
    return locked


def notice_send_back(
    *,
    notice: Notice,
    actor: AnyUser,
    reason: Any,
    days: Any = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Notice:
    """The issuer does not accept the report: the unit reports again, by the same deadline or,
    with ``days``, by a new one counted from now (new reminder and escalation points)."""
    _check_role(notice, actor, "send_back")
    why = _text(reason, field="reason", label="退回理由", limit=REASON_MAX)
    amount = _days(days) if days not in (None, "") else None
    with transaction.atomic():
        locked = lock_notice(notice.pk, expected_version=expected_version)
        _check_status(locked, "send_back")
        now = now or timezone.now()
        from_status = locked.status
        payload: dict[str, Any] = {}
        if amount is not None:
            term = deadline_for(start=now, days=amount)
            locked.days, locked.due_at = amount, term.due_at
            locked.remind_at, locked.provisional = term.remind_at, term.provisional
            payload = {"days": amount, "due_at": term.due_at.isoformat()}
        locked.status = NoticeStatus.SENT_BACK
        locked.version += 1
        locked.save()
        step = record_step(
            locked,
            action=StepAction.SEND_BACK,
            actor=actor,
            from_status=from_status,
            now=now,
            comment=why,
            payload=payload,
        )
        send(
            locked,
            kind="rectification_sent_back",
            users=heads_of(locked.unit),
            key=f"send_back:{step.seq}",
            now=now,
            reason=why,
            new_deadline=amount is not None,
            past_due=locked.due_at <= now,
        )
    return locked


def notice_withdraw(
    *,
    notice: Notice,
    actor: AnyUser,
    reason: Any,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Notice:
    """The issuer withdraws an open notice (issued by mistake, overtaken by events)."""
    _check_role(notice, actor, "withdraw")
    why = _text(reason, field="reason", label="撤回理由", limit=REASON_MAX)
    with transaction.atomic():
        locked = lock_notice(notice.pk, expected_version=expected_version)
        _check_status(locked, "withdraw")
        now = now or timezone.now()
        from_status = locked.status
        locked.status = NoticeStatus.WITHDRAWN
        locked.closed_at = now
        locked.version += 1
        locked.save()
        record_step(
            locked, action=StepAction.WITHDRAW, actor=actor, from_status=from_status, now=now, comment=why
        )
    return locked


def notice_act(
    *,
    notice: Notice,
    action: str,
    actor: AnyUser,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Notice:
    """One of :data:`ACTIONS` by name, with its fields from ``data`` (the API and the pages)."""
    if action == "report":
        return notice_report(
            notice=notice, actor=actor, text=data.get("text"), expected_version=expected_version
        )
    if action == "verify":
        return notice_verify(
            notice=notice, actor=actor, comment=data.get("comment", ""), expected_version=expected_version
        )
    if action == "send_back":
        return notice_send_back(
            notice=notice,
            actor=actor,
            reason=data.get("reason"),
            days=data.get("days"),
            expected_version=expected_version,
        )
    if action == "withdraw":
        return notice_withdraw(
            notice=notice, actor=actor, reason=data.get("reason"), expected_version=expected_version
        )
    raise InvalidInput(f"未知的操作“{action}”", code="unknown_action", field="action")


def allowed_actions(notice: Notice, user: AnyUser) -> list[str]:
    """The actions ``user`` may take on ``notice`` now (what the page shows as forms)."""
    roles = notice_roles(user, notice)
    return [a for a in ACTIONS if ACTION_ROLE[a] in roles and notice.status in ACTION_FROM[a]]
