"""The FastAGI scripts the generated dialplan calls (``agi://host:port/<script>,<call id>,…``).

The call id is the first argument (``${CHANNEL(linkedid)}``: the caller channel's
Uniqueid for an inbound call, the ``Linkedid`` of the AMI events), else ``agi_uniqueid``.
Everything written goes through ``services.apply_event`` (source ``agi``), so a retried
script records nothing twice.

- ``route``: ``routing.decide`` → a ``route`` event; ``HANGUP`` for a blocked caller, else
  ``SET VARIABLE`` ``HOTLINE_FLOW`` / ``HOTLINE_QUEUE`` / ``HOTLINE_PRIORITY`` /
  ``HOTLINE_AGENT`` (an interface to ring first, or "") / ``HOTLINE_MENU`` (a menu id, or "").
- ``menu`` (argument 2: the menu id): plays the menu, follows keys through submenus, and
  answers ``HOTLINE_NEXT`` = queue | transfer | message | progress | survey with
  ``HOTLINE_QUEUE`` (a chosen skill group) or ``HOTLINE_TARGET`` (a transfer).
- ``progress``: ticket number and query code on the keypad, checked as the public portal
  checks them (``ProgressLookup``, given by the command: the portal lies above telephony);
  the status is played and set as ``HOTLINE_PROGRESS``; three tries per call.
- ``message``: after hours, a recorded message: the file becomes the call's recording and
  a callback task (``message``, channel ``voice``) due in ``HOTLINE_CALLBACK_HOURS``.
- ``survey``: one key 1–4 → a ``survey`` event (on the call and its tickets).
- ``answered``: run on the agent's channel when a directly dialled agent answers (Dial's
  ``U()``), since the AMI listener maps only queue calls: an ``answer`` event.

Prompts are uploaded ``IvrPrompt`` files, played as ``hotline/<name>``; ``PROMPTS`` names
the ones the scripts themselves play.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.telephony import routing, services
from hotline.telephony.agi.protocol import Session
from hotline.telephony.ami.mapping import extension_of
from hotline.telephony.calls import Incoming, caller_number, survey_level
from hotline.telephony.models import Call, CallbackTask, IvrAction, IvrMenu, IvrOption, TaskKind

logger = logging.getLogger("hotline.telephony.agi")

SOURCE = "agi"
NO_NUMBER = frozenset({"", "unknown", "<unknown>", "anonymous", "s"})
# the prompts the scripts play (upload them as IvrPrompt with these names)
PROMPTS = {
    "invalid": "按键无效,请重新选择",
    "progress-number": "请输入工单编号,以井号键结束",
    "progress-code": "请输入查询码,以井号键结束",
    "progress-open": "您的诉求正在办理中",
    "progress-suspended": "您的诉求暂停办理,如需补充材料请留意通知",
    "progress-closed": "您的诉求已办结",
    "progress-not-found": "工单编号或查询码不正确",
    "progress-locked": "查询码错误次数过多,请二十四小时后再试",
    "message-intro": "现在是非工作时间,请在提示音后留言,按井号键结束",
    "message-thanks": "留言已收到,我们将在工作时间回电",
    "survey": "请对本次服务进行评价:非常满意请按1,满意请按2,一般请按3,不满意请按4",
    "survey-thanks": "感谢您的评价,再见",
}
PROGRESS_STATUSES = frozenset({"open", "suspended", "closed", "not_found", "locked"})
PROGRESS_TRIES = 3
SURVEY_TRIES = 2
MESSAGE_SECONDS = 120
MESSAGE_SILENCE = 5
SAMPLES_PER_SECOND = 8000  # Asterisk's wav: 8 kHz
MENU_STEPS = 20  # keys followed through submenus before the caller goes to a person
_TARGET = re.compile(r"^[0-9]{2,20}$")  # a transfer target goes into Dial(): digits only
_SAFE = re.compile(r"[^A-Za-z0-9._-]")

T = TypeVar("T")
# (ticket number, query code, caller E.164) → one of PROGRESS_STATUSES
ProgressLookup = Callable[[str, str, str], str]


class Runner(Protocol):
    """Runs blocking (ORM) work off the event loop."""

    def __call__(self, fn: Callable[[], T], /) -> Awaitable[T]: ...


@dataclass(frozen=True)
class Context:
    session: Session
    call_id: str
    run: Runner
    now: Callable[[], datetime]
    progress: ProgressLookup
    monitor_dir: str


def prompt(name: str) -> str:
    return f"hotline/{name}"


def caller_raw(env: dict[str, str]) -> str:
    value = env.get("callerid", "").strip()
    return "" if value.lower() in NO_NUMBER else value[:64]


def dialled(env: dict[str, str]) -> str:
    extension = env.get("extension", "").strip()
    return extension if extension.lower() not in NO_NUMBER else env.get("dnid", "").strip()


# --- route --------------------------------------------------------------------------------


def _route(ctx: Context, caller: str, number: str, now: datetime) -> routing.Decision:
    decision = routing.decide(caller, number, now)
    applied = services.apply_event(
        Incoming(
            source=SOURCE,
            kind="route",
            call_id=ctx.call_id,
            at=now,
            from_number=caller,
            to_number=number,
            queue=decision.queue,
            flow=decision.flow,
            priority=None if decision.hangup else decision.priority,
            channel=ctx.session.env.get("channel", ""),
        )
    )
    return routing.Decision(hangup=True) if applied.action == "reject" else decision


async def route(ctx: Context) -> None:
    session = ctx.session
    decision = await ctx.run(partial(_route, ctx, caller_raw(session.env), dialled(session.env), ctx.now()))
    if decision.hangup:
        logger.info("call %s: blocked caller, hung up", ctx.call_id)
        await session.hangup()
        return
    logger.info(
        "call %s: %s, queue %s, agent %s %s",
        ctx.call_id,
        decision.flow,
        decision.queue,
        decision.agent or "-",
        decision.reason,
    )
    answers: list[tuple[str, object]] = [
        ("HOTLINE_FLOW", decision.flow),
        ("HOTLINE_QUEUE", decision.queue),  # no skill group at all: the dialplan's default stays
        ("HOTLINE_PRIORITY", decision.priority),
        ("HOTLINE_AGENT", decision.agent),
        ("HOTLINE_MENU", decision.menu.pk if decision.menu is not None else ""),
    ]
    for name, value in answers:
        if name != "HOTLINE_QUEUE" or value:
            await session.set_variable(name, value)


# --- menu ---------------------------------------------------------------------------------


def _menu(menu_id: int | None) -> IvrMenu | None:
    return IvrMenu.objects.select_related("prompt").filter(pk=menu_id).first() if menu_id else None


def _person(menu: IvrMenu) -> IvrOption:
    return IvrOption(menu=menu, digit="", label=_("转人工"), action=IvrAction.PERSON)


def _default(menu: IvrMenu) -> IvrOption:
    return (routing.option_for(menu, menu.default_digit) if menu.default_digit else None) or _person(menu)


async def _choose(ctx: Context, menu: IvrMenu) -> IvrOption:
    """The option the caller keys (the menu repeated ``retries`` times), else the default."""
    played = prompt(menu.prompt.name) if menu.prompt is not None else "silence/1"
    for _try in range(menu.retries + 1):
        digit = await ctx.session.get_data(played, max(1, menu.timeout_seconds) * 1000, 1)
        if not digit:
            continue
        option = await ctx.run(partial(routing.option_for, menu, digit))
        if option is not None:
            return option
        await ctx.session.stream_file(prompt("invalid"))
    return await ctx.run(partial(_default, menu))


async def menu(ctx: Context) -> None:
    session = ctx.session
    arg = session.arg(2)
    current = await ctx.run(partial(_menu, int(arg) if arg.isdigit() else None))
    for _step in range(MENU_STEPS):
        if current is None:
            break
        option = await _choose(ctx, current)
        if option.action == IvrAction.MENU:
            current = await ctx.run(partial(_menu, option.submenu_id))
            continue
        logger.info("call %s: menu %s key %s → %s", ctx.call_id, current.pk, option.digit, option.action)
        if option.action == IvrAction.QUEUE and option.group is not None and option.group.active:
            await session.set_variable("HOTLINE_QUEUE", option.group.queue)
            await session.set_variable("HOTLINE_AGENT", "")  # a chosen group: its queue, no one first
            await session.set_variable("HOTLINE_NEXT", "queue")
        elif option.action == IvrAction.TRANSFER and _TARGET.match(option.target.strip()):
            await session.set_variable("HOTLINE_TARGET", option.target.strip())
            await session.set_variable("HOTLINE_NEXT", "transfer")
        elif option.action in (IvrAction.PROGRESS, IvrAction.MESSAGE, IvrAction.SURVEY):
            await session.set_variable("HOTLINE_NEXT", option.action)
        else:  # a person (and an option set up wrong: a person rather than nothing)
            await session.set_variable("HOTLINE_NEXT", "queue")
        return
    await session.set_variable("HOTLINE_NEXT", "queue")


# --- progress -----------------------------------------------------------------------------


async def progress(ctx: Context) -> None:
    session = ctx.session
    caller = caller_number(caller_raw(session.env))
    status = ""
    for _try in range(PROGRESS_TRIES):
        number = (await session.get_data(prompt("progress-number"), 10000, 20)).strip("#*")
        if not number:
            continue
        code = (await session.get_data(prompt("progress-code"), 10000, 6)).strip("#*")
        status = await ctx.run(partial(ctx.progress, number, code, caller))
        if status not in PROGRESS_STATUSES:
            status = "not_found"
        logger.info("call %s: progress query → %s", ctx.call_id, status)
        await session.set_variable("HOTLINE_PROGRESS", status)
        await session.stream_file(prompt("progress-" + status.replace("_", "-")))
        if status != "not_found":
            return
    if not status:
        await session.set_variable("HOTLINE_PROGRESS", "none")


# --- message ------------------------------------------------------------------------------


def _message(ctx: Context, name: str, seconds: int, caller: str, now: datetime) -> CallbackTask | None:
    with transaction.atomic():
        applied = services.apply_event(
            Incoming(
                source=SOURCE,
                kind="recording",
                call_id=ctx.call_id,
                at=now,
                recording=name,
                dedupe=f"{ctx.call_id}:message",
            )
        )
        call = applied.call
        if applied.duplicate or call is None:
            return None
        phone = call.caller or caller_number(caller)
        if not phone or CallbackTask.objects.filter(call=call, kind=TaskKind.MESSAGE).exists():
            return None
        return services.callback_create(
            kind=TaskKind.MESSAGE,
            phone=phone,
            due_at=now + timedelta(hours=settings.HOTLINE_CALLBACK_HOURS),
            call=call,
            channel="voice",
            note=_("语音留言 %(seconds)d 秒:%(file)s") % {"seconds": seconds, "file": name},
        )


async def message(ctx: Context) -> None:
    session = ctx.session
    now = ctx.now()
    name = f"messages/{timezone.localtime(now):%Y/%m/%d}/msg-{_SAFE.sub('_', ctx.call_id)[:100]}"
    await session.stream_file(prompt("message-intro"))
    reply = await session.record_file(
        f"{ctx.monitor_dir.rstrip('/')}/{name}", max_seconds=MESSAGE_SECONDS, silence=MESSAGE_SILENCE
    )
    seconds = max(0, reply.endpos) // SAMPLES_PER_SECOND
    if reply.code != 200 or reply.data == "writefile" or seconds < 1:
        logger.info("call %s: no message recorded (%s)", ctx.call_id, reply.line)
        return
    task = await ctx.run(partial(_message, ctx, f"{name}.wav", seconds, caller_raw(session.env), now))
    logger.info("call %s: message of %d s, callback task %s", ctx.call_id, seconds, task.pk if task else "-")
    if reply.result != "-1" and not session.hung_up:
        await session.stream_file(prompt("message-thanks"))


# --- survey and answered ------------------------------------------------------------------


def _survey(ctx: Context, digit: str, now: datetime) -> bool:
    if not Call.objects.filter(call_id=ctx.call_id).exists():
        return False
    services.apply_event(Incoming(source=SOURCE, kind="survey", call_id=ctx.call_id, at=now, digits=digit))
    return True


async def survey(ctx: Context) -> None:
    session = ctx.session
    for _try in range(SURVEY_TRIES):
        digit = await session.get_data(prompt("survey"), 8000, 1)
        if survey_level(digit) is not None:
            known = await ctx.run(partial(_survey, ctx, digit, ctx.now()))
            if not known:
                logger.warning("call %s: survey for a call we do not know", ctx.call_id)
            await session.set_variable("HOTLINE_SURVEY", digit)
            await session.stream_file(prompt("survey-thanks"))
            return
        if digit:
            await session.stream_file(prompt("invalid"))


def _answered(ctx: Context, now: datetime) -> None:
    channel = ctx.session.env.get("channel", "")
    services.apply_event(
        Incoming(
            source=SOURCE,
            kind="answer",
            call_id=ctx.call_id,
            at=now,
            extension=extension_of(channel),
            peer_channel=channel,
            dedupe=f"{ctx.call_id}:answered:{ctx.session.env.get('uniqueid', '')}",
        )
    )


async def answered(ctx: Context) -> None:
    await ctx.run(partial(_answered, ctx, ctx.now()))


SCRIPTS: dict[str, Callable[[Context], Awaitable[None]]] = {
    "route": route,
    "menu": menu,
    "progress": progress,
    "message": message,
    "survey": survey,
    "answered": answered,
}
