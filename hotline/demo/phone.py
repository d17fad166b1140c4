"""The phone in the demo: skill groups, agents with staff numbers, a questionnaire, and a
fortnight of calls folded through the same core as a PBX's events (answered, missed,
abandoned, one blocked), so the call log, callback tasks and statistics have something
to show. Agents sign in on the workbench (座席签入) with their staff number, any free
extension and their password. Idempotent: calls are only made once."""

from __future__ import annotations

import random
from datetime import timedelta
from functools import partial

from django.utils import timezone

from hotline.core.types import User
from hotline.telephony import services
from hotline.telephony.models import Agent, Call, Push, Questionnaire, SkillGroup

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
        else:
            cause = "cancel" if roll < 0.9 else "noAnswer"
            end = start + timedelta(seconds=rng.randint(10, 90))
            services.apply_event(base(kind="hangup", at=end, cause=cause))
    # the demo's history is not news: no screen pop waits for its agents
    Push.objects.filter(pk__gt=first_push).delete()
    return count
