"""重大投诉 (issue 14, item 6): the pack's rules make a complaint major when it is registered —
before its clocks are set, so the major limits apply — the reason is in its history, and the
leader is told at once in the same transaction; later a person (or a confirmed batch) can
raise a running ticket, whose clocks then take the major limits; 越级 is marked and kept."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
from django.test import Client

from hotline.core.errors import Forbidden, InvalidInput, InvalidTransition, NoChange
from hotline.notify.models import Message
from hotline.policies.registry import get_pack
from hotline.tickets.models import Ticket, TicketEvent
from hotline.workflow.clocks import Clock, clock_due, new_clock
from hotline.workflow.drafts import Person
from hotline.workflow.major import ticket_mark_major
from hotline.workflow.services import allowed_actions
from tests.factories import PersonFactory, register
from tests.helpers import act, local, snapshot

MONDAY = "2026-11-02 09:00"  # a working day
VIP = Person(name="李四", phone="13900009999", customer_class="VIP")


def _events(ticket: Ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("seq").values_list("action", flat=True))


def _mark(ticket: Ticket) -> TicketEvent:
    return TicketEvent.objects.get(ticket=ticket, action="mark_major")


def _major_messages(ticket: Ticket) -> list[Message]:
    return list(Message.objects.filter(ticket=ticket, kind="major").select_related("user"))


def _due(start: Any, amount: int, unit: str) -> Any:
    return clock_due(new_clock(start=start, amount=amount, unit=unit)).at


# -- at registration ---------------------------------------------------------------------------

RULES = [
    ("vip", {"complainant": VIP}, "customer_class", "客户等级为VIP"),
    ("media", {"channel": "media"}, "channel", "受理渠道为媒体"),
    ("regulator", {"upgraded_via": "regulator"}, "upgraded_via", "越级投诉(监管部门/消协)"),
    ("hotline_12345", {"upgraded_via": "hotline_12345"}, "upgraded_via", "越级投诉(12345热线)"),
    ("leader_letter", {"upgraded_via": "leader"}, "upgraded_via", "越级投诉(领导批转)"),
    ("amount", {"claimed_amount": Decimal("50000")}, "amount", "索赔金额50000元,超过10000元"),
    ("injury", {"description": "孩子用了以后手被烫伤,受伤住院"}, "word", "诉求内容含“受伤”"),
    ("death", {"subject": "家中老人食用后死亡"}, "word", "诉求内容含“死亡”"),
    ("media_exposure", {"demand": "否则向媒体曝光"}, "word", "诉求内容含“媒体曝光”"),
]


@pytest.mark.parametrize(("case", "draft", "rule", "text"), RULES, ids=[r[0] for r in RULES])
def test_each_rule_makes_the_complaint_major_before_its_clocks(users, case, draft, rule, text):
    ticket = register(users["agent"], now=local(MONDAY), **draft)
    assert ticket.severity == "major"
    assert _events(ticket) == ["register", "mark_major"]
    event = _mark(ticket)
    assert [r["rule"] for r in event.payload["reasons"]] == [rule]
    assert event.payload["reasons"][0]["text"] == text
    assert event.payload["from_severity"] == "normal" and event.payload["at_registration"] is True
    assert event.comment == f"符合重大投诉规则:{text}"
    # the first clock is the major limit (enterprise: 2 working hours from receipt), not the
    # ordinary one (1 working day)
    limit = (
        get_pack("enterprise")
        .type("complaint")
        .stage_limit("registered", severity="major", category_code=None)
    )
    assert limit is not None and (limit.amount, limit.unit) == (2, "working_hours")
    clock = cast(Clock, ticket.stage_clock)
    assert (clock["amount"], clock["unit"]) == (2, "working_hours")
    assert ticket.due_at == _due(local(MONDAY), 2, "working_hours")
    ordinary = register(users["agent"], now=local(MONDAY))
    assert ordinary.severity == "normal" and ordinary.due_at is not None and ticket.due_at < ordinary.due_at
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.severity, stored.due_at) == ("major", ticket.due_at)


@pytest.mark.parametrize(
    ("case", "draft"),
    [
        ("plain", {}),
        ("amount_at_the_line", {"claimed_amount": Decimal("10000")}),
        ("class_a", {"complainant": PersonFactory.build(customer_class="A")}),
        ("provincial_centre", {"channel": "transfer"}),  # its own limit (001 L30), not major
        (
            "consultation_from_a_vip",
            {"type": "consultation", "complainant": VIP},
        ),
        ("praise_naming_the_media", {"type": "praise", "description": "服务好,要让媒体曝光表扬"}),
    ],
)
def test_what_no_rule_names_stays_as_registered(users, case, draft):
    ticket = register(users["agent"], now=local(MONDAY), **draft)
    assert ticket.severity == "normal"
    assert _events(ticket) == ["register"]
    assert _major_messages(ticket) == []


def test_several_reasons_are_all_in_the_history(users):
    ticket = register(
        users["agent"],
        now=local(MONDAY),
        description="吃了以后受伤住院,我要向媒体曝光",
        claimed_amount=Decimal("80000.50"),
        complainant=VIP,
    )
    event = _mark(ticket)
    assert [(r["rule"], r["value"]) for r in event.payload["reasons"]] == [
        ("customer_class", "VIP"),
        ("amount", "80000.5"),
        ("word", "受伤"),
        ("word", "媒体曝光"),  # 曝光 alone is not repeated
    ]
    assert event.comment == (
        "符合重大投诉规则:客户等级为VIP;索赔金额80000.5元,超过10000元;诉求内容含“受伤”;诉求内容含“媒体曝光”"
    )
    assert ticket.claimed_amount == Decimal("80000.50")


def test_the_leader_is_told_at_once(users):
    ticket = register(users["agent"], now=local(MONDAY), channel="media", upgraded_via="media")
    [message] = _major_messages(ticket)
    assert message.user == users["leader"] and message.channel == "inapp" and message.status == "sent"
    assert message.subject == f"重大投诉:{ticket.number} {ticket.subject}"
    assert "登记时认定为重大投诉" in message.body
    assert "受理渠道为媒体" in message.body and "越级来源:新闻媒体" in message.body
    assert message.created_at == local(MONDAY)
    # only the pack's major.notify roles
    assert not Message.objects.filter(kind="major").exclude(user=users["leader"]).exists()


def test_the_mark_and_the_message_commit_with_the_registration_or_not_at_all(users):
    def refuse(ticket: Ticket) -> None:
        raise InvalidInput("脚本未走完", code="invalid")

    from hotline.workflow.registration import ticket_register
    from tests.factories import DraftFactory

    with pytest.raises(InvalidInput):
        ticket_register(draft=DraftFactory(channel="media"), actor=users["agent"], then=refuse)
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()
    assert not Message.objects.filter(kind="major").exists()


def test_an_urgent_ticket_stays_urgent_but_its_reasons_are_recorded_and_told(users):
    ticket = register(users["agent"], now=local(MONDAY), severity="urgent", upgraded_via="regulator")
    assert ticket.severity == "urgent"
    clock = cast(Clock, ticket.stage_clock)
    assert (clock["amount"], clock["unit"]) == (1, "hours")  # enterprise: urgent is the shortest
    event = _mark(ticket)
    assert event.payload["severity"] == event.payload["from_severity"] == "urgent"
    assert event.comment.endswith("紧急程度保持“紧急”")
    assert len(_major_messages(ticket)) == 1


def test_a_major_complaint_waits_for_the_leaders_instruction(users):
    ticket = register(users["agent"], now=local(MONDAY), complainant=VIP)
    ticket = act(ticket, "accept", users["agent"], "2026-11-02 09:10")
    assert "dispatch" not in allowed_actions(ticket, users["coordinator"])
    assert "instruct" in allowed_actions(ticket, users["leader"])
    clock = cast(Clock, ticket.stage_clock)
    assert (clock["amount"], clock["unit"]) == (2, "working_hours")  # the major limit of 待派单


def test_bad_amount_or_upgrade_is_refused_and_saves_nothing(users):
    for draft, code in (
        ({"claimed_amount": Decimal("-1")}, "invalid_claimed_amount"),
        ({"claimed_amount": Decimal("1.005")}, "invalid_claimed_amount"),
        ({"claimed_amount": Decimal("1e13")}, "invalid_claimed_amount"),
        ({"upgraded_via": "tv"}, "invalid_upgraded_via"),
    ):
        with pytest.raises(InvalidInput) as refused:
            register(users["agent"], **draft)
        assert refused.value.code == code
    assert not Ticket.objects.exists()


def test_the_history_shows_the_reason_in_chinese(users):
    ticket = register(users["agent"], now=local(MONDAY), description="家中老人食用后死亡")
    page = Client()
    page.force_login(users["coordinator"])
    html = page.get(f"/tickets/{ticket.number}/").content.decode()
    assert "认定重大投诉" in html and "符合重大投诉规则:诉求内容含“死亡”" in html
    badge = '<span class="badge text-bg-danger" id="ticket-major">重大投诉</span>'
    assert f'<dd class="col-sm-4">重大 {badge}</dd>' in html


# -- later: by hand ------------------------------------------------------------------------------


def _accepted(users: dict[str, Any], **draft: Any) -> Ticket:
    ticket = register(users["agent"], now=local(MONDAY), **draft)
    return act(ticket, "accept", users["agent"], "2026-11-02 09:10")


def test_a_coordinator_raises_a_running_ticket_and_its_clock_takes_the_major_limit(users):
    ticket = _accepted(users)
    before = ticket.due_at
    assert before == _due(local("2026-11-02 09:10"), 4, "working_hours")  # 待派单, ordinary
    result = ticket_mark_major(
        ticket=ticket,
        actor=users["coordinator"],
        reason="诉求人称已联系报社记者",
        upgraded_via="hotline_12345",
        now=local("2026-11-02 10:00"),
    )
    raised = Ticket.objects.get(pk=ticket.pk)
    assert (raised.severity, raised.upgraded_via) == ("major", "hotline_12345")
    assert raised.version == ticket.version + 1
    assert raised.due_at == min(before, _due(local("2026-11-02 10:00"), 2, "working_hours"))
    assert raised.due_at < before
    event = result.event
    assert event.action == "mark_major" and event.actor == users["coordinator"]
    assert [r["rule"] for r in event.payload["reasons"]] == ["manual", "upgraded_via"]
    assert datetime.fromisoformat(event.payload["old_due_at"]) == before
    assert datetime.fromisoformat(event.payload["due_at"]) == raised.due_at
    assert event.comment == "认定为重大投诉:诉求人称已联系报社记者。符合重大投诉规则:越级投诉(12345热线)"
    [message] = _major_messages(raised)
    assert message.user == users["leader"] and "登记时" not in message.body
    # the pack's major path follows: the leader instructs before dispatch
    assert "dispatch" not in allowed_actions(raised, users["coordinator"])
    assert "instruct" in allowed_actions(raised, users["leader"])


def test_a_later_raise_never_gives_more_time(users):
    ticket = register(users["agent"], now=local(MONDAY))  # 待受理: 1 working day from receipt
    before = ticket.due_at
    late = local("2026-11-02 17:20")  # two working hours from here end after that day
    ticket_mark_major(ticket=ticket, actor=users["leader"], reason="领导批示按重大投诉办理", now=late)
    raised = Ticket.objects.get(pk=ticket.pk)
    assert raised.due_at == min(before, _due(late, 2, "working_hours"))
    assert raised.due_at <= before


@pytest.fixture
def major_total_pack(tmp_path, monkeypatch):
    """The enterprise pack with a whole-ticket limit for major complaints (1 working day from
    receipt), as ``major-total`` in a pack directory of the test's own."""
    import yaml

    from hotline.policies import registry

    data = yaml.safe_load(Path(get_pack("enterprise").path).read_text(encoding="utf-8"))
    data["code"] = "major-total"
    data["types"]["complaint"]["severity_totals"] = {
        "major": {"amount": 1, "unit": "working_days", "from": "received"}
    }
    (tmp_path / "major-total.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv(registry.ENV_VAR, str(tmp_path))
    registry.reset()
    yield "major-total"
    monkeypatch.undo()
    registry.reset()


def test_the_total_limit_is_tightened_too(users, major_total_pack):
    ticket = register(users["agent"], now=local(MONDAY), policy=major_total_pack)
    ticket = act(ticket, "accept", users["agent"], "2026-11-02 09:10")
    ticket = act(ticket, "dispatch", users["coordinator"], "2026-11-02 09:30", unit="JZ-DH-SJ")
    final_before = ticket.final_due_at
    assert final_before == _due(local("2026-11-02 09:30"), 2, "working_days")  # complaint, ordinary
    at = local("2026-11-02 11:00")
    ticket_mark_major(ticket=ticket, actor=users["coordinator"], reason="涉及人身安全", now=at)
    raised = Ticket.objects.get(pk=ticket.pk)
    assert raised.final_due_at == _due(at, 1, "working_days") < final_before
    assert raised.due_at is not None and raised.due_at <= raised.final_due_at
    assert datetime.fromisoformat(_mark(raised).payload["final_due_at"]) == raised.final_due_at


@pytest.mark.parametrize("role", ["agent", "head", "handler"])
def test_roles_the_pack_does_not_name_cannot_raise_and_change_nothing(users, role):
    ticket = _accepted(users)
    if role in ("head", "handler"):
        ticket = act(ticket, "dispatch", users["coordinator"], "2026-11-02 09:30", unit="JZ-DH-SJ")
    before = snapshot(ticket)
    with pytest.raises(Forbidden) as refused:
        ticket_mark_major(ticket=ticket, actor=users[role], reason="我认为很重大")
    assert refused.value.code == "role_not_allowed"
    assert snapshot(ticket) == before
    assert not Message.objects.filter(kind="major").exists()


def test_a_reason_is_required_and_the_upgrade_must_be_known(users):
    ticket = _accepted(users)
    before = snapshot(ticket)
    for kwargs, code in (
        ({"reason": " "}, "reason_required"),
        ({"reason": "x" * 501}, "reason_too_long"),
        ({"reason": "越级", "upgraded_via": "newspaper"}, "invalid_upgraded_via"),
    ):
        with pytest.raises(InvalidInput) as refused:
            ticket_mark_major(ticket=ticket, actor=users["coordinator"], **kwargs)
        assert refused.value.code == code
    assert snapshot(ticket) == before


def test_a_closed_ticket_is_not_raised(users):
    ticket = register(
        users["agent"],
        type="consultation",
        close_on_the_spot={"closing_code": "on_the_spot", "result": "已当场答复"},
    )
    before = snapshot(ticket)
    with pytest.raises(InvalidTransition) as refused:
        ticket_mark_major(ticket=ticket, actor=users["coordinator"], reason="补记")
    assert refused.value.code == "ticket_closed"
    assert snapshot(ticket) == before


def test_a_major_ticket_is_not_raised_twice_but_an_upgrade_is_still_marked(users):
    ticket = register(users["agent"], now=local(MONDAY), channel="media")
    before = snapshot(ticket)
    with pytest.raises(NoChange):
        ticket_mark_major(ticket=ticket, actor=users["coordinator"], reason="再次认定")
    assert snapshot(ticket) == before
    result = ticket_mark_major(
        ticket=ticket, actor=users["coordinator"], reason="又向监管部门反映", upgraded_via="regulator"
    )
    assert (result.ticket.severity, result.ticket.upgraded_via) == ("major", "regulator")
    assert _events(ticket) == ["register", "mark_major", "mark_major"]
    assert len(_major_messages(ticket)) == 2


def test_a_stale_screen_gets_a_conflict(users):
    ticket = _accepted(users)
    from hotline.core.errors import Conflict

    with pytest.raises(Conflict):
        ticket_mark_major(
            ticket=ticket, actor=users["coordinator"], reason="重大", expected_version=ticket.version - 1
        )
    assert Ticket.objects.get(pk=ticket.pk).severity == "normal"


# -- later: a confirmed batch ------------------------------------------------------------------


@pytest.fixture
def _detection_at_once():
    from hotline.jobs.queue import huey

    before = huey.immediate
    huey.immediate = True
    yield
    huey.immediate = before


def _batch_of(users: dict[str, Any], capture: Any, *, policy: str, count: int) -> list[Ticket]:
    from hotline.workflow.drafts import Respondent

    tickets = []
    for i in range(count):
        with capture(execute=True):  # detection runs after the registration commits
            ticket = register(
                users["agent"],
                policy=policy,
                subject="华联超市卖过期牛奶",
                description=f"在华联超市买的牛奶过期{i + 1}天,要求退款。",
                complainant=Person(name=f"顾客{i}", phone=f"1390000{i:04d}"),
                respondent=Respondent(name="华联超市(人民路店)"),
            )
        tickets.append(ticket)
    return tickets


@pytest.mark.usefixtures("_detection_at_once")
def test_a_confirmed_batch_of_enough_complainants_makes_its_parent_major(
    users, django_capture_on_commit_callbacks
):
    from hotline.similar.models import Batch
    from hotline.similar.services import batch_confirm

    tickets = _batch_of(users, django_capture_on_commit_callbacks, policy="property", count=5)
    assert {t.severity for t in tickets} == {"normal"}
    [batch] = Batch.objects.all()
    batch_confirm(batch=batch, actor=users["coordinator"])
    parent = Ticket.objects.get(pk=tickets[0].pk)
    assert parent.severity == "major"
    assert _events(parent)[-2:] == ["confirm_batch", "mark_major"]
    event = _mark(parent)
    assert event.payload["reasons"] == [
        {"rule": "complainants", "value": "5", "threshold": "5", "text": "批量投诉共5位诉求人(达到5位)"}
    ]
    assert len(_major_messages(parent)) == 1
    # the children are held under the parent, not raised themselves
    assert {Ticket.objects.get(pk=t.pk).severity for t in tickets[1:]} == {"normal"}


@pytest.mark.usefixtures("_detection_at_once")
def test_a_batch_in_a_pack_without_the_rule_stays_as_it_was(users, django_capture_on_commit_callbacks):
    from hotline.similar.models import Batch
    from hotline.similar.services import batch_confirm

    tickets = _batch_of(users, django_capture_on_commit_callbacks, policy="enterprise", count=5)
    [batch] = Batch.objects.all()
    batch_confirm(batch=batch, actor=users["coordinator"])
    parent = Ticket.objects.get(pk=tickets[0].pk)
    assert parent.severity == "normal" and "mark_major" not in _events(parent)
