"""The phone in the demo: skill groups, agents with staff numbers, a questionnaire, and a
fortnight of calls folded through the same core as a PBX's events (answered, missed,
abandoned, one blocked; keypad survey answers), so the call log, callback tasks and
statistics have something to show; the access number 12345 with a working-hours and an
after-hours menu and an area rule (``seed_routing``), so ``hotline telephony
asterisk-config`` and the AGI service have data. Agents sign in on the workbench (座席签入)
with their staff number, any free extension and their password. Idempotent: calls are
only made once."""

from __future__ import annotations

import random
from datetime import timedelta
from functools import partial

from django.utils import timezone

from hotline.core.types import User
from hotline.telephony import services
from hotline.telephony.models import (
    Agent,
    Call,
    HotlineNumber,
    IvrAction,
    IvrMenu,
    IvrOption,
    Push,
    Questionnaire,
    RoutingRule,
    SkillGroup,
)

# (username, staff number, skill groups)
AGENTS: list[tuple[str, str, tuple[str, ...]]] = [
    ("agent", "1001", ("hotline", "consumer")),
    ("teamlead", "1002", ("hotline",)),
    ("telagent", "2001", ("telecom",)),
]
GROUPS: list[tuple[str, str, str]] = [
    ("hotline", "综合受理", "hotline"),
    ("consumer", "消费维权", "consumer"),
    ("telecom", "通信服务", "telecom"),
]
QUESTIONS = [
    {
        "key": "satisfied",
        "text": "您对本次诉求的办理结果是否满意?",
        "choices": ["满意", "基本满意", "不满意", "非常不满意"],
    },
    {"key": "contacted", "text": "承办单位是否与您联系过?", "choices": ["是", "否"]},
    {"key": "advice", "text": "您还有什么意见或建议?"},
]


def seed_phone(users: dict[str, User], *, calls: int = 40, seed: int = 12) -> int:
    """Groups, agents, the questionnaire, and ``calls`` demo calls; returns the calls made."""
    groups = {
        code: SkillGroup.objects.update_or_create(code=code, defaults={"name": name, "queue": queue})[0]
        for code, name, queue in GROUPS
    }
    for username, staff_no, joined in AGENTS:
        user = users.get(username)
        if user is None:
            continue
        agent, _ = Agent.objects.get_or_create(user=user, defaults={"staff_no": staff_no})
        agent.groups.set([groups[g] for g in joined])
    Questionnaire.objects.update_or_create(name="满意度回访", defaults={"questions": QUESTIONS})
    seed_routing(groups)
    if Call.objects.filter(call_id__startswith="demo-").exists():
        return 0
    return _calls(calls, seed)


def _calls(count: int, seed: int) -> int:
    rng = random.Random(seed)
    now = timezone.now()
    staff = [a.staff_no for a in Agent.objects.filter(staff_no__in=["1001", "1002"])]
    first_push = (Push.objects.order_by("-pk").values_list("pk", flat=True).first()) or 0
    for i in range(count):
        start = now - timedelta(days=rng.randint(1, 14), hours=rng.randint(0, 9), minutes=rng.randint(0, 59))
        start = start.replace(hour=8 + start.hour % 10)
        call_id = f"demo-{i:04d}"
        number = f"13{rng.randint(500000000, 999999999)}"
        base = partial(
            services.Incoming, source="http", call_id=call_id, from_number=number, to_number="12345"
        )
        services.apply_event(base(kind="newCall", at=start, queue="hotline"))
        roll = rng.random()
        if roll < 0.78 and staff:
            answered = start + timedelta(seconds=rng.randint(3, 40))
            who = (rng.choice(staff),)
            services.apply_event(base(kind="answer", at=answered, users=who))
            end = answered + timedelta(seconds=rng.randint(45, 600))
            services.apply_event(base(kind="hangup", at=end, cause="normalClearing"))
            if rng.random() < 0.6:  # the agent sent the caller to the keypad survey
                key = rng.choices("1234", weights=(5, 3, 1, 1))[0]
                services.apply_event(base(kind="survey", at=end + timedelta(seconds=8), digits=key))
        else:
            cause = "cancel" if roll < 0.9 else "noAnswer"
            end = start + timedelta(seconds=rng.randint(10, 90))
            services.apply_event(base(kind="hangup", at=end, cause=cause))
    # the demo's history is not news: no screen pop waits for its agents
    Push.objects.filter(pk__gt=first_push).delete()
    return count


# (menu, digit, label, action, skill group code or submenu name)
MENUS: list[tuple[str, str, str, IvrAction, str]] = [
    ("上班主菜单", "1", "消费投诉举报", IvrAction.QUEUE, "consumer"),
    ("上班主菜单", "2", "其他诉求", IvrAction.QUEUE, "hotline"),
    ("上班主菜单", "3", "查询办理进度", IvrAction.PROGRESS, ""),
    ("上班主菜单", "0", "人工服务", IvrAction.PERSON, ""),
    ("下班菜单", "1", "留言", IvrAction.MESSAGE, ""),
    ("下班菜单", "2", "查询办理进度", IvrAction.PROGRESS, ""),
]


def seed_routing(groups: dict[str, SkillGroup]) -> None:
    """The access number 12345: menus for both flows, priority, and an area rule."""
    menus = {name: IvrMenu.objects.get_or_create(name=name)[0] for name in {m[0] for m in MENUS}}
    for menu, digit, label, action, target in MENUS:
        IvrOption.objects.update_or_create(
            menu=menus[menu],
            digit=digit,
            defaults={"label": label, "action": action, "group": groups.get(target)},
        )
    number, _ = HotlineNumber.objects.update_or_create(
        number="12345",
        defaults={
            "name": "政务服务便民热线",
            "priority": 5,
            "group": groups["hotline"],
            "working_menu": menus["上班主菜单"],
            "after_hours_menu": menus["下班菜单"],
        },
    )
    HotlineNumber.objects.update_or_create(
        number="12315", defaults={"name": "消费者投诉举报专线", "priority": 8, "group": groups["consumer"]}
    )
    RoutingRule.objects.update_or_create(
        kind=RoutingRule.Kind.AREA,
        pattern="广东省",
        hotline_number=number,
        defaults={"group": groups["consumer"], "order": 10},
    )
