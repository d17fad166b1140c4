"""The Asterisk side of routing and the voice menu (``hotline telephony asterisk-config``).

``render`` writes, from the data (access numbers, skill groups, prompts):

- ``extensions_hotline.conf``: context ``hotline-numbers`` (one extension per active access
  number: set the number's queue and priority as defaults — a Hotline that cannot be
  reached never drops a call —, ask ``route``, go to the flow), ``hotline-flow`` (menu,
  queue with ``QUEUE_PRIO`` and the agent to ring first, transfer, message, progress,
  survey), ``hotline-survey`` (exten ``s``: where the agent's "send to survey" redirects the
  caller), ``hotline-answered`` (Dial's ``U()`` on a directly rung agent's channel), and the
  agent's call control (``telephony.control``): ``hotline-queue`` and ``hotline-autodial``
  (one extension per queue: a transferred or auto-dialled caller joins it),
  ``hotline-conference`` (``call<pk>`` rooms: ConfBridge for three-way calls);
- ``queues_hotline.conf``: one queue per active skill group;
- ``sounds/hotline/<name>.wav``: the uploaded prompts.

Only names that are safe in a dialplan are written (digits for numbers, ``[A-Za-z0-9_-]``
for queues and prompts); anything else is left out with a comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hotline.telephony.agi.scripts import PROMPTS
from hotline.telephony.models import HotlineNumber, IvrPrompt, SkillGroup
from hotline.telephony.pbx import AUTODIAL_CONTEXT, CONFERENCE_CONTEXT, QUEUE_CONTEXT
from hotline.telephony.routing import queue_of

AGENT_RING_SECONDS = 20  # the agent rung first; then the queue
QUEUE_SECONDS = 300  # waiting in the queue; then the caller may leave a message
_NUMBER = re.compile(r"^[0-9]{2,32}$")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
HEADER = "; 由 `hotline telephony asterisk-config` 生成,请勿手工修改(修改数据后重新生成)\n"


@dataclass
class Fragments:
    files: dict[str, str] = field(default_factory=dict)  # relative path → text
    sounds: dict[str, bytes] = field(default_factory=dict)  # relative path → audio
    missing_prompts: list[str] = field(default_factory=list)  # PROMPTS not uploaded yet


def _numbers(agi: str) -> list[str]:
    lines = ["[hotline-numbers]"]
    for number in HotlineNumber.objects.filter(active=True).select_related("group").order_by("number"):
        queue = queue_of(number)
        if not _NUMBER.match(number.number) or (queue and not _NAME.match(queue)):
            lines.append(f"; 跳过 {number.pk}:号码须为数字、队列名须为字母数字")
            continue
        lines += [
            f"exten => {number.number},1,NoOp(Hotline {number.number})",
            " same => n,Set(HOTLINE_CALL=${CHANNEL(linkedid)})",
            f" same => n,Set(HOTLINE_QUEUE={queue})",
            f" same => n,Set(HOTLINE_PRIORITY={number.priority})",
            f" same => n,AGI({agi}/route,${{HOTLINE_CALL}})",
            " same => n,Goto(hotline-flow,s,1)",
        ]
    return lines


def _flow(agi: str, outbound_context: str) -> list[str]:
    return [
        "[hotline-flow]",
        "exten => s,1,Answer()",
        ' same => n,GotoIf($["${HOTLINE_MENU}" != ""]?menu)',
        ' same => n,GotoIf($["${HOTLINE_FLOW}" = "after_hours"]?message,1:queue,1)',
        " same => n(menu),Set(HOTLINE_NEXT=)",
        f" same => n,AGI({agi}/menu,${{HOTLINE_CALL}},${{HOTLINE_MENU}})",
        ' same => n,Goto(${IF($["${HOTLINE_NEXT}" = ""]?queue:${HOTLINE_NEXT})},1)',
        "",
        'exten => queue,1,GotoIf($["${HOTLINE_RECORDING}" != ""]?ring)',
        " same => n,Set(HOTLINE_RECORDING=${STRFTIME(${EPOCH},,%Y/%m/%d)}/${HOTLINE_CALL}.wav)",
        " same => n,MixMonitor(${HOTLINE_RECORDING},b)",
        ' same => n(ring),GotoIf($["${HOTLINE_AGENT}" = ""]?wait)',
        f" same => n,Dial(${{HOTLINE_AGENT}},{AGENT_RING_SECONDS},U(hotline-answered))",
        ' same => n,GotoIf($["${DIALSTATUS}" = "ANSWER"]?hangup,1)',
        " same => n(wait),Set(QUEUE_PRIO=${HOTLINE_PRIORITY})",
        f" same => n,Queue(${{HOTLINE_QUEUE}},t,,,{QUEUE_SECONDS})",
        ' same => n,GotoIf($["${QUEUESTATUS}" = "TIMEOUT"]?message,1)',
        " same => n,Hangup()",
        "",
        f"exten => transfer,1,Dial(Local/${{HOTLINE_TARGET}}@{outbound_context},60)",
        " same => n,Hangup()",
        "",
        f"exten => message,1,AGI({agi}/message,${{HOTLINE_CALL}})",
        " same => n,Hangup()",
        "",
        f"exten => progress,1,AGI({agi}/progress,${{HOTLINE_CALL}})",
        ' same => n,GotoIf($["${HOTLINE_MENU}" != ""]?s,menu)',
        " same => n,Hangup()",
        "",
        "exten => survey,1,Goto(hotline-survey,s,1)",
        "exten => hangup,1,Hangup()",
        "exten => i,1,Goto(queue,1)",
        "",
        "; 座席点“转满意度评价”:AMI Redirect 来电通道到 hotline-survey,s,1",
        "[hotline-survey]",
        "exten => s,1,Answer()",
        f" same => n,AGI({agi}/survey,${{CHANNEL(linkedid)}})",
        " same => n,Hangup()",
        "",
        "; 直接振铃的座席接起时在座席通道上执行(Dial 的 U 选项),记录接听",
        "[hotline-answered]",
        f"exten => s,1,AGI({agi}/answered,${{CHANNEL(linkedid)}})",
        " same => n,Return()",
    ]


def _control() -> list[str]:
    """转队列 and 自动外呼 (one literal extension per queue: a queue name may hold ``-``,
    which a pattern would read as a range) and the three-way rooms (``pbx.conference_room``)."""
    transfer = [f"[{QUEUE_CONTEXT}]"]
    autodial = [f"[{AUTODIAL_CONTEXT}]"]
    for group in SkillGroup.objects.filter(active=True).order_by("code"):
        if not _NAME.match(group.queue):
            continue
        transfer += [
            f"exten => {group.queue},1,Set(HOTLINE_QUEUE={group.queue})",
            " same => n,Set(HOTLINE_AGENT=)",  # not the first agent again
            " same => n,Goto(hotline-flow,queue,1)",
        ]
        autodial += [
            f"exten => {group.queue},1,Set(HOTLINE_CALL=${{CHANNEL(linkedid)}})",
            f" same => n,Set(HOTLINE_QUEUE={group.queue})",
            " same => n,Set(HOTLINE_PRIORITY=0)",
            " same => n,Goto(hotline-flow,queue,1)",  # the task's owner (HOTLINE_AGENT) first
        ]
    return [
        "; 座席转队列:AMI Redirect 来电通道到 hotline-queue,<队列>,1",
        *transfer,
        "",
        "; 自动外呼:接通的外呼进入队列(任务负责人优先)",
        *autodial,
        "",
        "; 三方通话:来电与座席(Redirect)、第三方(Originate)进入同一会议室",
        f"[{CONFERENCE_CONTEXT}]",
        "exten => _call.,1,Answer()",
        " same => n,ConfBridge(${EXTEN})",
        " same => n,Hangup()",
    ]


def _queues() -> list[str]:
    lines: list[str] = []
    for group in SkillGroup.objects.filter(active=True).order_by("code"):
        if not _NAME.match(group.queue):
            lines.append(f"; 跳过技能组 {group.code}:队列名须为字母数字")
            continue
        lines += [
            f"[{group.queue}]",
            "strategy = rrmemory",
            "timeout = 15",
            "retry = 2",
            "wrapuptime = 0",
            "ringinuse = no",
            "joinempty = yes",
            "leavewhenempty = no",
            "setinterfacevar = yes",
            "",
        ]
    return lines


def render(*, agi_host: str, agi_port: int, outbound_context: str) -> Fragments:
    agi = f"agi://{agi_host}:{agi_port}"
    fragments = Fragments()
    fragments.files["extensions_hotline.conf"] = (
        HEADER + "\n".join([*_numbers(agi), "", *_flow(agi, outbound_context), "", *_control()]) + "\n"
    )
    fragments.files["queues_hotline.conf"] = HEADER + "\n".join(_queues()) + "\n"
    names = set()
    for prompt in IvrPrompt.objects.order_by("name"):
        if _NAME.match(prompt.name):
            fragments.sounds[f"sounds/hotline/{prompt.name}.wav"] = bytes(prompt.audio)
            names.add(prompt.name)
    fragments.missing_prompts = [name for name in PROMPTS if name not in names]
    return fragments
