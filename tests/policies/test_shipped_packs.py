"""The eleven packs shipped in ``hotline/policies/packs/``: they load, their graphs work,
and their limits are the ones their sources state."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest

from hotline.policies.loader import load_pack
from hotline.policies.registry import PACKS_DIR
from hotline.policies.schema import AcceptanceWindow, Limit, Pack, TotalLimit, TypePolicy
from hotline.policies.vocab import ACTIONS, CHANNELS, LIMIT_ANCHORS, SEVERITIES, TICKET_TYPES

SHIPPED = (
    "enterprise",
    "market-12315",
    "petition",
    "tax-12366",
    "hotline-12345",
    "iso-10002",
    "food-drug-12331",
    "tobacco-12313",
    "manufacturer",
    "telecom",
    "property",
)
STANDARD_PATH = [
    ("accept", "accepted"),
    ("dispatch", "dispatched"),
    ("sign", "signed"),
    ("assign", "handling"),
    ("reply", "replied"),
    ("return_visit", "visited"),
    ("close", "closed"),
]


def _pack(code: str) -> Pack:
    return load_pack(PACKS_DIR / f"{code}.yaml")


def _reachable(policy: TypePolicy, start: str) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        for nxt in policy.next_stages(queue.popleft()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def test_exactly_the_eleven_packs_are_shipped() -> None:
    assert sorted(p.stem for p in Path(PACKS_DIR).glob("*.yaml")) == sorted(SHIPPED)


@pytest.mark.parametrize("code", SHIPPED)
def test_pack_loads_with_its_code_and_a_cited_source(code: str) -> None:
    pack = _pack(code)

    assert pack.code == code
    assert pack.version >= 1
    assert pack.source["title"] and pack.source["reference"] and pack.source["notes"]


@pytest.mark.parametrize("code", SHIPPED)
def test_pack_defines_all_six_ticket_types(code: str) -> None:
    assert tuple(_pack(code).types) == TICKET_TYPES


@pytest.mark.parametrize("code", SHIPPED)
@pytest.mark.parametrize("ticket_type", TICKET_TYPES)
def test_closed_is_reachable_from_the_initial_stage(code: str, ticket_type: str) -> None:
    policy = _pack(code).type(ticket_type)

    reachable = _reachable(policy, policy.initial_stage)

    assert "closed" in reachable
    assert policy.stage("closed").final


@pytest.mark.parametrize("code", SHIPPED)
@pytest.mark.parametrize("ticket_type", TICKET_TYPES)
def test_every_reachable_stage_can_still_reach_closed(code: str, ticket_type: str) -> None:
    policy = _pack(code).type(ticket_type)

    for stage in _reachable(policy, policy.initial_stage):
        assert "closed" in _reachable(policy, stage), stage


# Steps a pack may put on the standard path: the leader's instruction before dispatch
# (``accepted → instruct → instructed → dispatch``) and the head's review of the reply
# (``reply → review → approve_reply → replied``).
DETOURS = {"dispatch": ("instruct", "instructed"), "return_visit": ("approve_reply", "replied")}


@pytest.mark.parametrize("code", SHIPPED)
@pytest.mark.parametrize("ticket_type", TICKET_TYPES)
def test_the_standard_path_exists(code: str, ticket_type: str) -> None:
    """register → accept → dispatch → sign → assign → reply → return_visit → close, with
    at most an instruction before dispatch and a review after the reply."""
    policy = _pack(code).type(ticket_type)
    stage = policy.initial_stage
    assert stage == "registered"

    for action, expected in STANDARD_PATH:
        actions = policy.stage(stage).actions
        if action not in actions and action in DETOURS:
            detour, via = DETOURS[action]
            assert actions[detour].to == via, f"{stage}: {detour} does not lead to {via}"
            stage = via
            actions = policy.stage(stage).actions
        rule = actions.get(action)
        assert rule is not None, f"{stage} has no {action}"
        assert rule.to == expected or (action == "reply" and rule.to == "review")
        stage = rule.to

    assert policy.stage(stage).final


# What the journey test (tests/api/test_every_pack_journey.py) and the demo prefer, with the
# instruction, the interim reply (a major manufacturer complaint) and the review in their places.
from hotline.demo.journey import FORWARD  # noqa: E402 - the walkers' one order


@pytest.mark.parametrize("code", SHIPPED)
@pytest.mark.parametrize("ticket_type", TICKET_TYPES)
@pytest.mark.parametrize("severity", SEVERITIES)
def test_the_forward_walk_reaches_closed(code: str, ticket_type: str, severity: str) -> None:
    """Taking the first preferred action that applies to the ticket (a phone ticket of this
    severity), skipping an action that just left it in its stage, ends in ``closed``."""
    policy = _pack(code).type(ticket_type)
    stage, stayed, taken = policy.initial_stage, set[str](), []
    for _ in range(25):
        if stage == "closed":
            break
        actions = {
            name: rule
            for name, rule in policy.stage(stage).actions.items()
            if rule.applies_to(severity=severity, channel="phone")
        }
        action = next((a for a in FORWARD if a in actions and a not in stayed), None)
        assert action is not None, f"stuck in {stage} with {sorted(actions)} after {taken}"
        target = actions[action].to or stage
        stayed = stayed | {action} if target == stage else set()
        stage = target
        taken.append(action)

    assert stage == "closed", taken


@pytest.mark.parametrize("code", SHIPPED)
def test_every_pack_has_a_dissatisfied_branch_with_redispatch(code: str) -> None:
    pack = _pack(code)
    policy = pack.type("complaint")
    visit = policy.stage("replied").actions["return_visit"]

    assert visit.dissatisfied_to is not None
    assert "redispatch" in policy.stage(visit.dissatisfied_to).actions
    assert pack.rounds.max >= 2


@pytest.mark.parametrize("code", SHIPPED)
def test_reports_are_confidential_and_someone_may_unmask(code: str) -> None:
    pack = _pack(code)

    assert pack.type("report").confidential
    assert not pack.type("complaint").confidential
    assert pack.identity_roles


def _used(pack: Pack) -> set[str]:
    return {name for policy in pack.types.values() for s in policy.stages.values() for name in s.actions}


# Actions a source may not provide for: suspension, extension, the leader's instruction,
# the interim reply and the head's review.
OPTIONAL = {
    "suspend",
    "resume",
    "request_extension",
    "approve_extension",
    "deny_extension",
    "instruct",
    "interim_reply",
    "approve_reply",
    "send_back",
}


@pytest.mark.parametrize("code", SHIPPED)
def test_every_pack_uses_the_core_actions(code: str) -> None:
    missing = set(ACTIONS) - _used(_pack(code)) - OPTIONAL

    assert not missing


def test_every_action_in_the_vocabulary_is_used_by_some_pack() -> None:
    """Not required of a pack, but together the shipped ones exercise the whole engine."""
    used = set().union(*(_used(_pack(code)) for code in SHIPPED))

    assert set(ACTIONS) <= used


@pytest.mark.parametrize("code", SHIPPED)
@pytest.mark.parametrize("ticket_type", TICKET_TYPES)
def test_stage_labels_are_unique_in_each_workflow(code: str, ticket_type: str) -> None:
    labels = [stage.label for stage in _pack(code).type(ticket_type).stages.values()]

    assert len(labels) == len(set(labels))


@pytest.mark.parametrize("code", SHIPPED)
@pytest.mark.parametrize("ticket_type", TICKET_TYPES)
def test_every_stage_limit_has_a_concrete_anchor(code: str, ticket_type: str) -> None:
    """Including the first stage: it counts from receipt unless the pack says otherwise."""
    policy = _pack(code).type(ticket_type)
    for stage in policy.stages:
        for severity in SEVERITIES:
            for channel in (None, *CHANNELS):
                limit = policy.stage_limit(stage, severity=severity, category_code=None, channel=channel)
                assert limit is None or limit.start in LIMIT_ANCHORS
    first = policy.stage(policy.initial_stage).limit
    assert first is not None and first.start == "received"


def test_enterprise_limits_follow_the_seed() -> None:
    pack = _pack("enterprise")

    assert pack.type("complaint").total == TotalLimit(2, "working_days", "dispatched")  # L27
    assert pack.type("report").total == TotalLimit(2, "working_days", "dispatched")  # L29
    assert pack.type("consultation").total == TotalLimit(0, "working_days", "dispatched")  # L28
    assert pack.extension is not None
    assert (pack.extension.max_count, pack.extension.max_total, pack.extension.unit) == (1, 5, "working_days")
    assert (pack.rounds.max, pack.rounds.supervise_from) == (3, 2)  # L32: 二次派单…由整顿办负责督办
    assert pack.identity_roles == {"coordinator", "leader", "admin"}
    assert pack.return_visit.unreachable_close_after == Limit(2, "working_days")  # 000 L144
    assert pack.return_visit.within == Limit(0, "working_days")  # L32: 在反馈当天
    assert pack.return_visit.notes == {"satisfied_review_by": "leader"}  # L32, informative


def test_enterprise_answers_the_provincial_centre_within_three_working_days() -> None:
    complaint = _pack("enterprise").type("complaint")

    # L30: 接到省客户投诉中心派发的投诉受理单后的三个工作日内
    assert complaint.total_limit(severity="normal", category_code=None, channel="transfer") == TotalLimit(
        3, "working_days", "received"
    )
    assert complaint.total_limit(severity="normal", category_code=None, channel="phone") == TotalLimit(
        2, "working_days", "dispatched"
    )


def test_enterprise_reports_and_major_complaints_wait_for_the_leader() -> None:
    pack = _pack("enterprise")
    report, complaint = pack.type("report"), pack.type("complaint")

    # L22: every report goes to the leader for an instruction before dispatch
    assert set(report.stage("accepted").actions) == {"instruct"}
    assert report.stage("accepted").actions["instruct"].roles == {"leader"}
    assert report.stage("accepted").actions["instruct"].to == "instructed"
    assert "dispatch" in report.stage("instructed").actions
    # L19 (issue 8): a major complaint too; an ordinary or urgent one is dispatched at once
    accepted = complaint.stage("accepted").actions
    assert accepted["instruct"].applies_to(severity="major", channel="phone")
    assert not accepted["dispatch"].applies_to(severity="major", channel="phone")
    assert accepted["dispatch"].applies_to(severity="normal", channel="phone")
    assert accepted["dispatch"].applies_to(severity="urgent", channel="phone")


def test_enterprise_agents_close_consultations_on_the_spot() -> None:
    consultation = _pack("enterprise").type("consultation")
    complaint = _pack("enterprise").type("complaint")

    assert consultation.stage("registered").actions["close"].roles >= {"agent"}
    assert consultation.stage("registered").actions["close"].to == "closed"
    assert "close" not in complaint.stage("registered").actions


def test_enterprise_return_visit_is_on_the_day_of_the_reply() -> None:
    policy = _pack("enterprise").type("complaint")

    assert policy.stage("replied").limit == Limit(0, "working_days")


def test_market_12315_follows_the_measures() -> None:
    pack = _pack("market-12315")

    # art. 14: 自收到投诉之日起七个工作日内
    assert pack.type("complaint").stage("registered").limit == Limit(7, "working_days", "received")
    assert pack.type("complaint").total == TotalLimit(45, "working_days", "accepted")  # art. 21
    assert pack.type("report").total == TotalLimit(15, "working_days", "received")  # art. 31
    assert pack.extension is not None and pack.extension.max_total == 15
    assert len(pack.reject_reasons) == 6  # art. 15 (一)–(六)
    assert pack.identity_roles == {"leader"}  # art. 33
    assert {"suspend", "resume"} <= set(pack.type("complaint").stage("handling").actions)  # art. 20
    assert "request_extension" not in pack.type("complaint").stage("handling").actions
    assert "request_extension" in pack.type("report").stage("handling").actions


@pytest.mark.parametrize("ticket_type", ["complaint", "report"])
def test_market_12315_reaches_an_on_site_matter_within_30_minutes_of_acceptance(ticket_type: str) -> None:
    policy = _pack("market-12315").type(ticket_type)

    # 001 L63: 如需出现场的投诉举报,应在受理后30分钟内赶赴现场处理 (severity urgent)
    for stage in ("accepted", "dispatched"):
        limit = policy.stage_limit(stage, severity="urgent", category_code=None, channel="phone")
        assert limit == Limit(30, "minutes", "accepted")


def test_market_12315_letters_are_decided_in_5_working_days_and_answered_in_45_days() -> None:
    complaint = _pack("market-12315").type("complaint")

    # 001 L64
    assert complaint.stage_limit(
        "registered", severity="normal", category_code=None, channel="letter"
    ) == Limit(5, "working_days", "received")
    assert complaint.total_limit(severity="normal", category_code=None, channel="letter") == TotalLimit(
        45, "natural_days", "received"
    )
    assert complaint.stage_limit(
        "registered", severity="normal", category_code=None, channel="phone"
    ) == Limit(7, "working_days", "received")


@pytest.mark.parametrize("ticket_type", ["consultation", "suggestion", "help", "praise"])
def test_market_12315_15_working_days_only_for_complaints_and_reports(ticket_type: str) -> None:
    """001 L62's 15 working days is a rule for 举报投诉."""
    total = _pack("market-12315").type(ticket_type).total

    assert total != TotalLimit(15, "working_days", "received")


def test_petition_counts_natural_days() -> None:
    pack = _pack("petition")

    assert pack.type("complaint").stage("registered").limit == Limit(
        15, "natural_days", "received"
    )  # art. 22
    assert pack.type("complaint").total == TotalLimit(60, "natural_days", "accepted")  # art. 34
    assert pack.extension is not None
    assert (pack.extension.max_total, pack.extension.unit) == (30, "natural_days")  # art. 34
    assert pack.type("complaint").stage("review").limit == Limit(30, "natural_days")  # arts. 35–36
    assert pack.rounds.max == 3  # 办理, 复查, 复核


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("concentrated_same_matter", TotalLimit(0, "working_days", "received")),  # 即时办结 (2)
        ("tax_benefit_missed", TotalLimit(3, "working_days", "accepted")),  # 2 (1)
        ("individual_income_tax", TotalLimit(3, "working_days", "accepted")),  # 2 (2)
        ("social_insurance_fee", TotalLimit(3, "working_days", "accepted")),  # 2 (3)
        ("major_policy", TotalLimit(3, "working_days", "accepted")),  # 2 (4)
        ("service_conduct", TotalLimit(5, "working_days", "accepted")),  # 3
        ("service_efficiency", TotalLimit(10, "working_days", "accepted")),  # 3
        (None, TotalLimit(10, "working_days", "accepted")),  # 3: the longest bounds the rest
    ],
)
def test_tax_12366_category_limits_bound_the_whole_ticket(category: str | None, expected: TotalLimit) -> None:
    """Seed 002 L35: each class is counted 自受理之日起 to 办结."""
    policy = _pack("tax-12366").type("complaint")

    assert policy.total_limit(severity="normal", category_code=category, channel="phone") == expected


def test_tax_12366_acceptance_and_on_the_spot_closure() -> None:
    policy = _pack("tax-12366").type("complaint")

    assert policy.stage("registered").limit == Limit(1, "working_days", "received")
    assert "close" in policy.stage("registered").actions  # 即时办结
    assert not policy.category_limits  # the class limits are totals now, not handling limits


def test_hotline_12345_dispatches_at_once_and_visits_when_the_limit_expires() -> None:
    pack = _pack("hotline-12345")
    complaint = pack.type("complaint")

    assert complaint.stage("registered").actions["dispatch"].to == "dispatched"  # art. 11
    assert complaint.stage("registered").label != complaint.stage("accepted").label  # issue 15
    assert "return" not in complaint.stage("signed").actions  # art. 14 首接负责
    assert "return_visit" in complaint.stage("handling").actions  # art. 23
    assert complaint.category_limits


def test_iso_10002_acknowledges_within_a_working_day() -> None:
    policy = _pack("iso-10002").type("complaint")

    assert policy.stage("registered").limit == Limit(1, "working_days", "received")
    assert policy.total == TotalLimit(10, "working_days", "received")


def test_food_drug_12331_decides_acceptance_within_5_days_of_receipt() -> None:
    pack = _pack("food-drug-12331")

    for ticket_type in TICKET_TYPES:  # 000 L42 六
        assert pack.type(ticket_type).stage("registered").limit == Limit(5, "natural_days", "received")
    assert set(pack.reject_reasons) >= {"not_food_drug", "no_clear_matter", "legal_channel"}  # L42 五


def test_tobacco_12313_limits_and_review() -> None:
    pack = _pack("tobacco-12313")

    # 000 L68 第十条 / 第十一条: from the 派单
    for ticket_type in ("consultation", "help"):
        assert pack.type(ticket_type).total == TotalLimit(1, "working_days", "dispatched")
    assert pack.type("complaint").total == TotalLimit(2, "working_days", "dispatched")
    # 第八条: the department head instructs, assigns and reviews the handler's result
    complaint = pack.type("complaint")
    assert complaint.stage("signed").actions["instruct"].to is None
    assert complaint.stage("handling").actions["reply"].to == "review"
    review = complaint.stage("review").actions
    assert (review["approve_reply"].to, review["send_back"].to) == ("replied", "handling")
    assert review["approve_reply"].roles == {"dept_head"}
    # L26: 重大线索及时报分管领导
    assert pack.type("report").stage("accepted").actions["instruct"].severities == {"major"}


def test_manufacturer_two_replies_for_a_major_complaint() -> None:
    complaint = _pack("manufacturer").type("complaint")

    # 000 L62 5.2.2: the complaint form within 1 hour of receipt
    assert complaint.stage("registered").limit == Limit(1, "hours", "received")
    # 5.3.1: temporary measure within 8 working hours, permanent within 2 working days
    interim = complaint.stage("handling").actions["interim_reply"]
    assert (interim.to, interim.severities) == ("permanent_measure", {"major"})
    assert complaint.stage_limit("handling", severity="major", category_code=None) == Limit(
        8, "working_hours", "dispatched"
    )
    assert complaint.stage_limit("permanent_measure", severity="major", category_code=None) == Limit(
        2, "working_days", "dispatched"
    )
    # 5.3.1: an ordinary complaint answered in 3 working days
    assert complaint.stage_limit("handling", severity="normal", category_code=None) == Limit(
        3, "working_days", "dispatched"
    )
    # 5.3.3: the plan is reviewed and sent back when it does not pass
    assert complaint.stage("review").actions["send_back"].to == "handling"


def test_telecom_answers_in_15_working_days_and_bars_old_matters() -> None:
    pack = _pack("telecom")

    assert pack.type("complaint").total == TotalLimit(15, "working_days", "received")  # art. 8
    assert pack.acceptance_windows == (  # art. 10 (一)
        AcceptanceWindow(5, "fee_dispute_time_barred", frozenset({"complaint"}), frozenset({"fee_dispute"})),
        AcceptanceWindow(24, "time_barred", frozenset({"complaint"}), frozenset()),
    )
    window = pack.acceptance_window(ticket_type="complaint", category_codes={"fee_dispute"})
    assert window is not None and window.months == 5
    assert pack.acceptance_window(ticket_type="consultation") is None


def test_property_dispatches_in_5_minutes_and_answers_by_kind() -> None:
    complaint = _pack("property").type("complaint")

    assert complaint.stage("registered").limit == Limit(5, "minutes", "received")  # 002 L67
    assert complaint.stage("accepted").limit == Limit(5, "minutes", "received")

    def total(channel: str, category: str | None = None) -> TotalLimit | None:
        return complaint.total_limit(severity="normal", category_code=category, channel=channel)

    assert total("visit") == TotalLimit(0, "working_days", "received")  # 002 L21: 口头 at once
    assert total("letter") == TotalLimit(2, "working_days", "received")  # 书面 2 working days
    assert total("visit", "complex") == TotalLimit(5, "working_days", "received")  # L23: complex 5


ANCHOR_ACTIONS = {
    "received": set(),
    "registered": set(),
    "accepted": {"accept"},
    "dispatched": {"dispatch", "redispatch"},
}


def _before_anchor(policy: TypePolicy, total: TotalLimit | None) -> set[str]:
    """Stages a ticket can be in before its total limit has started."""
    if total is None:
        return set(policy.stages)
    if total.start in ("received", "registered"):
        return set()
    anchors = ANCHOR_ACTIONS[total.start]
    seen, queue = {policy.initial_stage}, deque([policy.initial_stage])
    while queue:
        for name, rule in policy.stage(queue.popleft()).actions.items():
            if name in anchors:
                continue
            for target in rule.targets:
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
    return seen


@pytest.mark.parametrize("code", SHIPPED)
@pytest.mark.parametrize("ticket_type", TICKET_TYPES)
@pytest.mark.parametrize("severity", SEVERITIES)
def test_an_open_ticket_always_has_a_deadline(code: str, ticket_type: str, severity: str) -> None:
    """事事有回音: in every open stage, either the stage has a limit or the total runs —
    for every severity and channel (and category named in the pack)."""
    policy = _pack(code).type(ticket_type)
    categories = {None, *policy.category_limits, *policy.category_totals}
    unbounded = []
    for channel in CHANNELS:
        for category in categories:
            total = policy.total_limit(severity=severity, category_code=category, channel=channel)
            unbounded += [
                (channel, category, stage)
                for stage in sorted(_before_anchor(policy, total))
                if not policy.stage(stage).final
                and policy.stage_limit(stage, severity=severity, category_code=category, channel=channel)
                is None
            ]

    assert not unbounded
