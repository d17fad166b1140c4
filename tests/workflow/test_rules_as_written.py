"""The rules as their sources write them (issue: rules as written), through the one door.

Each test names the seed line or article the rule comes from. Times are Asia/Shanghai;
November 2026 has no public holiday, so N working days are N weekdays.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.core.errors import GuardFailed, InvalidInput, InvalidTransition
from hotline.followup.services import run_sweep
from hotline.tickets.models import Ticket, TicketEvent
from hotline.workflow.services import allowed_actions
from hotline.workflow.state import stage_due_at
from tests.factories import CategoryFactory, register
from tests.helpers import act, local, snapshot

DEPT = "JZ-DH-SJ"


def _walk_to_handling(ticket: Ticket, users: dict, start: str) -> Ticket:
    t0 = local(start)
    ticket = act(ticket, "accept", users["coordinator"], t0)
    ticket = act(ticket, "dispatch", users["coordinator"], t0 + timedelta(minutes=10), unit=DEPT)
    ticket = act(ticket, "sign", users["head"], t0 + timedelta(minutes=20))
    return act(ticket, "assign", users["head"], t0 + timedelta(minutes=30), handler="handler")


# --- clocks from receipt ---------------------------------------------------------------


def test_acceptance_clock_counts_from_receipt_not_registration(users, api):
    # SAMR Order 20 art. 14: 自收到投诉之日起七个工作日内 — received 11-10, registered 11-30
    late = register(
        users["agent"],
        policy="market-12315",
        channel="web",
        received_at=local("2026-11-10 09:00"),
        now=local("2026-11-30 10:00"),
    )
    assert late.due_at == local("2026-11-19 17:30")
    on_time = register(users["agent"], policy="market-12315", channel="web", now=local("2026-11-10 09:00"))
    assert on_time.due_at == late.due_at
    body = api(users["coordinator"]).get(f"/api/v1/tickets/{late.number}/").json()
    assert body["overdue"] is True


def test_letters_under_12315_decided_in_5_working_days_and_answered_in_45_days(users):
    # 001 L64: 信函举报投诉,五个工作日内作出是否受理的决定 … 四十五天内反馈
    letter = register(
        users["agent"],
        policy="market-12315",
        channel="letter",
        received_at=local("2026-11-10 09:00"),
        now=local("2026-11-12 10:00"),
    )
    assert letter.due_at == local("2026-11-17 17:30")
    assert timezone.localtime(letter.final_due_at) == local("2026-12-26 00:00")  # 12-25 24:00
    phone = register(users["agent"], policy="market-12315", channel="phone", now=local("2026-11-10 09:00"))
    assert phone.due_at == local("2026-11-19 17:30")  # the 7 working days of art. 14


def test_petition_registration_limit_counts_15_days_from_receipt(users):
    # 信访工作条例 art. 22: 收到信访事项之日起15日内
    ticket = register(
        users["agent"],
        policy="petition",
        channel="letter",
        received_at=local("2026-11-02 09:00"),
        now=local("2026-11-20 09:00"),
    )
    assert timezone.localtime(ticket.due_at) == local("2026-11-18 00:00")  # 11-17 24:00
    assert ticket.due_at < ticket.registered_at


def test_12315_on_site_matter_within_30_minutes_of_acceptance(users):
    # 001 L41, L63: 受理后30分钟内赶赴现场
    ticket = register(users["agent"], policy="market-12315", severity="urgent", now=local("2026-11-24 09:50"))
    ticket = act(ticket, "accept", users["coordinator"], "2026-11-24 10:00")
    assert ticket.due_at == local("2026-11-24 10:30")


def test_12315_fifteen_working_days_bind_complaints_and_reports_not_consultations(users):
    # 001 L62: 一时解决不了的一般在15个工作日内解决 — for complaints and reports
    report = register(users["agent"], policy="market-12315", type="report", now=local("2026-11-02 09:00"))
    assert report.final_due_at == local("2026-11-23 17:30")
    consultation = register(
        users["agent"], policy="market-12315", type="consultation", now=local("2026-11-02 09:00")
    )
    assert consultation.final_due_at is not None
    assert consultation.final_due_at < local("2026-11-23 17:30")


# --- overdue is either clock -----------------------------------------------------------


def test_overdue_when_the_whole_ticket_clock_has_passed_while_the_stage_clock_runs(users, api):
    # tax-12366 consultation: total 3 working days from receipt; the accepted stage has 1 more.
    # A working morning, not the wall clock: an escalation found in the evening or on a rest
    # day is postponed to working hours, and this test must not depend on when it runs.
    now = local("2026-11-24 10:00")
    ticket = register(users["agent"], policy="tax-12366", type="consultation", now=now - timedelta(days=12))
    ticket = act(ticket, "accept", users["coordinator"], now)
    stage_due = stage_due_at(ticket)
    assert stage_due is not None and stage_due > now
    assert ticket.final_due_at is not None and ticket.final_due_at < now
    assert ticket.due_at == ticket.final_due_at

    client = api(users["coordinator"])
    assert client.get(f"/api/v1/tickets/{ticket.number}/").json()["overdue"] is True
    listed = client.get("/api/v1/tickets/", {"overdue": "true"}).json()["results"]
    assert ticket.number in {row["number"] for row in listed}

    report = run_sweep(now + timedelta(minutes=1))
    assert report.escalations >= 1
    assert TicketEvent.objects.filter(ticket=ticket, action="escalate").exists()


# --- tax 12366 (002 L35) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "days"),
    [("service_conduct", 5), ("tax_benefit_missed", 3), ("major_policy", 3), ("rights_infringement", 10)],
)
def test_tax_category_limits_bind_the_whole_ticket_from_acceptance(users, category, days):
    CategoryFactory(code=category)
    ticket = register(users["agent"], policy="tax-12366", category=category, now=local("2026-11-02 09:00"))
    assert ticket.final_due_at is None  # counted from acceptance
    ticket = act(ticket, "accept", users["coordinator"], "2026-11-02 10:00")
    assert ticket.final_due_at == local(f"2026-11-{2 + days:02d} 17:30") if days < 5 else True
    expected = {3: "2026-11-05 17:30", 5: "2026-11-09 17:30", 10: "2026-11-16 17:30"}[days]
    assert ticket.final_due_at == local(expected)


def test_tax_concentrated_matter_with_a_settled_answer_is_closed_at_once(users):
    # 002 L35 即时办结 (2): 一定时期内集中发生的同一投诉事项且已有明确处理意见的
    CategoryFactory(code="concentrated_same_matter")
    ticket = register(
        users["agent"], policy="tax-12366", category="concentrated_same_matter", now=local("2026-11-02 09:00")
    )
    assert ticket.final_due_at == local("2026-11-02 17:30")
    assert "close" in allowed_actions(ticket, users["agent"])


# --- enterprise (001) ------------------------------------------------------------------


def test_enterprise_supervision_starts_with_the_second_dispatch(users):
    # 001 L32: 二次派单 … 督办
    ticket = register(users["agent"], policy="enterprise", now=local("2026-11-02 09:00"))
    ticket = _walk_to_handling(ticket, users, "2026-11-02 09:30")
    assert (ticket.round, ticket.supervised) == (1, False)
    ticket = act(ticket, "redispatch", users["coordinator"], "2026-11-03 09:00", unit=DEPT)
    assert (ticket.round, ticket.supervised) == (2, True)


def test_enterprise_tickets_from_the_provincial_centre_are_answered_in_3_working_days(users):
    # 001 L30: 省中心派发的投诉单 … 3个工作日内回复
    ticket = register(users["agent"], policy="enterprise", channel="transfer", now=local("2026-11-02 09:00"))
    assert ticket.final_due_at == local("2026-11-05 17:30")


def test_major_complaint_goes_to_the_leader_for_instruction_before_dispatch(users):
    # 001 L19, L22: 重大投诉 … 报分管领导批示
    ticket = register(users["agent"], policy="enterprise", severity="major", now=local("2026-11-02 09:00"))
    ticket = act(ticket, "accept", users["coordinator"], "2026-11-02 09:10")
    assert "dispatch" not in allowed_actions(ticket, users["coordinator"])
    before = snapshot(ticket)
    with pytest.raises(InvalidTransition) as denied:
        act(ticket, "dispatch", users["coordinator"], "2026-11-02 09:20", unit=DEPT)
    assert denied.value.code == "action_not_applicable"
    assert snapshot(ticket) == before

    assert "instruct" in allowed_actions(ticket, users["leader"])
    ticket = act(ticket, "instruct", users["leader"], "2026-11-02 10:00", instruction="请东湖区局当日核查")
    assert (ticket.stage, ticket.instruction) == ("instructed", "请东湖区局当日核查")
    event = TicketEvent.objects.filter(ticket=ticket).order_by("-seq").first()
    assert event is not None and event.payload == {"instruction": "请东湖区局当日核查"}
    ticket = act(ticket, "dispatch", users["coordinator"], "2026-11-02 10:05", unit=DEPT)
    assert ticket.stage == "dispatched"


def test_a_normal_complaint_is_dispatched_without_instruction(users):
    ticket = register(users["agent"], policy="enterprise", now=local("2026-11-02 09:00"))
    ticket = act(ticket, "accept", users["coordinator"], "2026-11-02 09:10")
    assert "instruct" not in allowed_actions(ticket, users["leader"])
    assert act(ticket, "dispatch", users["coordinator"], "2026-11-02 09:20", unit=DEPT).stage == "dispatched"


def test_enterprise_reports_always_wait_for_the_leaders_instruction(users):
    ticket = register(users["agent"], policy="enterprise", type="report", now=local("2026-11-02 09:00"))
    ticket = act(ticket, "accept", users["coordinator"], "2026-11-02 09:10")
    assert "dispatch" not in allowed_actions(ticket, users["coordinator"])
    with pytest.raises(InvalidInput):
        act(ticket, "instruct", users["leader"], "2026-11-02 09:20", instruction="  ")
    ticket = act(ticket, "instruct", users["leader"], "2026-11-02 09:30", instruction="依法查处")
    assert ticket.stage == "instructed"


# --- head review (000 L68) -------------------------------------------------------------


def test_head_reviews_the_handlers_reply_before_it_goes_out(users):
    ticket = register(users["agent"], policy="tobacco-12313", now=local("2026-11-02 09:00"))
    ticket = _walk_to_handling(ticket, users, "2026-11-02 09:30")
    ticket = act(ticket, "reply", users["handler"], "2026-11-02 14:00", result="初稿:已核实")
    assert ticket.stage == "review"
    draft = TicketEvent.objects.filter(ticket=ticket, action="reply").get()
    assert draft.public is False  # not the complainant's yet

    ticket = act(ticket, "send_back", users["head"], "2026-11-02 15:00", reason="请补充处理依据")
    assert ticket.stage == "handling"
    ticket = act(ticket, "reply", users["handler"], "2026-11-02 16:00", result="已核实并依法处理,依据第X条")
    ticket = act(ticket, "approve_reply", users["head"], "2026-11-02 16:30")
    assert ticket.stage == "replied"
    approved = TicketEvent.objects.filter(ticket=ticket, action="approve_reply").get()
    assert approved.public is True
    assert approved.payload["result"] == "已核实并依法处理,依据第X条"


def test_the_handler_cannot_approve_their_own_reply(users):
    ticket = register(users["agent"], policy="tobacco-12313", now=local("2026-11-02 09:00"))
    ticket = _walk_to_handling(ticket, users, "2026-11-02 09:30")
    ticket = act(ticket, "reply", users["handler"], "2026-11-02 14:00", result="初稿")
    assert "approve_reply" not in allowed_actions(ticket, users["handler"])


# --- manufacturer: two replies, two clocks (000 L62) -----------------------------------


def test_major_complaint_gets_a_temporary_measure_then_a_permanent_one(users):
    ticket = register(users["agent"], policy="manufacturer", severity="major", now=local("2026-11-02 09:00"))
    ticket = act(ticket, "accept", users["coordinator"], "2026-11-02 09:10")
    ticket = act(ticket, "instruct", users["leader"], "2026-11-02 09:20", instruction="立即成立小组")
    ticket = act(ticket, "dispatch", users["coordinator"], "2026-11-02 09:30", unit=DEPT)
    ticket = act(ticket, "sign", users["head"], "2026-11-02 09:40")
    ticket = act(ticket, "assign", users["head"], "2026-11-02 09:50", handler="handler")
    # temporary measure within 8 working hours of dispatch: 09:30 + 2.5 h + 4 h (lunch 12–13:30),
    # then 1.5 h of the next morning
    assert ticket.due_at == local("2026-11-03 10:00")
    assert "reply" not in allowed_actions(ticket, users["handler"])
    ticket = act(ticket, "interim_reply", users["handler"], "2026-11-02 16:00", result="已隔离同批次产品")
    assert ticket.stage == "permanent_measure"
    # the permanent measure within 2 working days of dispatch
    assert ticket.due_at == local("2026-11-04 17:30")
    interim = TicketEvent.objects.filter(ticket=ticket, action="interim_reply").get()
    assert interim.public is True


def test_ordinary_manufacturing_complaint_is_answered_within_3_working_days(users):
    ticket = register(users["agent"], policy="manufacturer", now=local("2026-11-02 09:00"))
    assert ticket.due_at == local("2026-11-02 10:00")  # the complaint form within 1 hour
    ticket = _walk_to_handling(ticket, users, "2026-11-02 09:30")
    assert ticket.due_at == local("2026-11-05 17:30")
    assert "interim_reply" not in allowed_actions(ticket, users["handler"])


# --- telecom: acceptance windows (004 L498) --------------------------------------------


def test_telecom_refuses_to_accept_a_fee_dispute_older_than_5_months(users):
    CategoryFactory(code="fee_dispute")
    ticket = register(
        users["agent"],
        policy="telecom",
        category="fee_dispute",
        occurred_on=local("2026-06-01 00:00").date(),
        now=local("2026-11-02 09:00"),
    )
    before = snapshot(ticket)
    with pytest.raises(GuardFailed) as refused:
        act(ticket, "accept", users["coordinator"], "2026-11-02 09:10")
    assert refused.value.code == "acceptance_window_expired"
    assert "5个月" in refused.value.detail
    assert snapshot(ticket) == before
    ticket = act(
        ticket, "reject", users["coordinator"], "2026-11-02 09:20", reason=refused.value.extra["reason"]
    )
    assert ticket.stage == "rejected"


def test_telecom_accepts_another_matter_within_2_years_but_not_after(users):
    recent = register(
        users["agent"],
        policy="telecom",
        occurred_on=local("2025-06-01 00:00").date(),
        now=local("2026-11-02 09:00"),
    )
    assert act(recent, "accept", users["coordinator"], "2026-11-02 09:10").stage == "accepted"
    old = register(
        users["agent"],
        policy="telecom",
        occurred_on=local("2024-10-01 00:00").date(),
        now=local("2026-11-02 09:00"),
    )
    with pytest.raises(GuardFailed) as refused:
        act(old, "accept", users["coordinator"], "2026-11-02 09:10")
    assert "2年" in refused.value.detail


# --- property (002 L21, L67) and the new packs' first limits ---------------------------


def test_property_dispatch_within_5_minutes_of_the_first_report(users):
    ticket = register(users["agent"], policy="property", now=local("2026-11-02 09:00"))
    assert ticket.due_at == local("2026-11-02 09:05")


def test_property_spoken_complaints_at_once_written_in_2_complex_in_5_working_days(users):
    spoken = register(users["agent"], policy="property", channel="phone", now=local("2026-11-02 09:00"))
    assert spoken.final_due_at == local("2026-11-02 17:30")
    written = register(users["agent"], policy="property", channel="letter", now=local("2026-11-02 09:00"))
    assert written.final_due_at == local("2026-11-04 17:30")
    CategoryFactory(code="complex")
    hard = register(
        users["agent"], policy="property", channel="letter", category="complex", now=local("2026-11-02 09:00")
    )
    assert hard.final_due_at == local("2026-11-09 17:30")


def test_food_drug_acceptance_decided_within_5_days_of_receipt(users):
    # 000 L42/L104: 5日内决定是否受理
    ticket = register(
        users["agent"],
        policy="food-drug-12331",
        channel="letter",
        received_at=local("2026-11-02 09:00"),
        now=local("2026-11-03 09:00"),
    )
    # 11-07 24:00 is a Saturday: it rolls over to the close of Monday
    assert ticket.due_at == local("2026-11-09 17:30")


def test_reopen_counts_receipt_anchored_clocks_from_the_reopen(users):
    ticket = register(users["agent"], policy="iso-10002", now=local("2026-11-02 09:00"))
    ticket = act(
        ticket, "reject", users["coordinator"], "2026-11-02 10:00", reason=_first_reason("iso-10002")
    )
    ticket = act(ticket, "reopen", users["coordinator"], "2026-11-20 09:00", reason="诉求人补充了材料")
    assert ticket.reopened_at == local("2026-11-20 09:00")
    assert ticket.due_at is not None and ticket.due_at > local("2026-11-20 09:00")


def _first_reason(pack: str) -> str:
    from hotline.policies.registry import get_pack

    return next(iter(get_pack(pack).reject_reasons))
