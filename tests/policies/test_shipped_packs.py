"""The six packs shipped in ``hotline/policies/packs/``: they load, and their graphs work."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest

from hotline.policies.loader import load_pack
from hotline.policies.registry import PACKS_DIR
from hotline.policies.schema import Limit, Pack, TotalLimit, TypePolicy
from hotline.policies.vocab import ACTIONS, TICKET_TYPES

SHIPPED = ("enterprise", "market-12315", "petition", "tax-12366", "hotline-12345", "iso-10002")
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


def test_exactly_the_six_packs_are_shipped() -> None:
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


@pytest.mark.parametrize("code", SHIPPED)
@pytest.mark.parametrize("ticket_type", TICKET_TYPES)
def test_the_standard_path_exists(code: str, ticket_type: str) -> None:
    """register → accept → dispatch → sign → assign → reply → return_visit → close."""
    policy = _pack(code).type(ticket_type)
    stage = policy.initial_stage
    assert stage == "registered"

    for action, expected in STANDARD_PATH:
        rule = policy.stage(stage).actions.get(action)
        assert rule is not None, f"{stage} has no {action}"
        assert rule.to == expected
        stage = expected

    assert policy.stage(stage).final


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


@pytest.mark.parametrize("code", SHIPPED)
def test_every_action_in_the_vocabulary_is_used_somewhere(code: str) -> None:
    """Not required of a pack, but the shipped ones exercise the whole engine."""
    pack = _pack(code)
    used = {name for policy in pack.types.values() for s in policy.stages.values() for name in s.actions}

    missing = set(ACTIONS) - used - {"suspend", "resume"}  # not every source allows suspension
    assert not missing


def test_enterprise_limits_follow_the_seed() -> None:
    pack = _pack("enterprise")

    assert pack.type("complaint").total == TotalLimit(2, "working_days", "dispatched")  # L27
    assert pack.type("report").total == TotalLimit(2, "working_days", "dispatched")  # L29
    assert pack.type("consultation").total == TotalLimit(0, "working_days", "dispatched")  # L28
    assert pack.extension is not None
    assert (pack.extension.max_count, pack.extension.max_total, pack.extension.unit) == (1, 5, "working_days")
    assert (pack.rounds.max, pack.rounds.supervise_from) == (3, 3)  # L32
    assert pack.identity_roles == {"coordinator", "leader", "admin"}


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

    assert pack.type("complaint").stage("registered").limit == Limit(7, "working_days")  # art. 14
    assert pack.type("complaint").total == TotalLimit(45, "working_days", "accepted")  # art. 21
    assert pack.type("report").total == TotalLimit(15, "working_days", "received")  # art. 31
    assert pack.extension is not None and pack.extension.max_total == 15
    assert len(pack.reject_reasons) == 6  # art. 15 (一)–(六)
    assert pack.identity_roles == {"leader"}  # art. 33
    assert {"suspend", "resume"} <= set(pack.type("complaint").stage("handling").actions)  # art. 20
    assert "request_extension" not in pack.type("complaint").stage("handling").actions
    assert "request_extension" in pack.type("report").stage("handling").actions


def test_petition_counts_natural_days() -> None:
    pack = _pack("petition")

    assert pack.type("complaint").stage("registered").limit == Limit(15, "natural_days")  # art. 22
    assert pack.type("complaint").total == TotalLimit(60, "natural_days", "accepted")  # art. 34
    assert pack.extension is not None
    assert (pack.extension.max_total, pack.extension.unit) == (30, "natural_days")  # art. 34
    assert pack.type("complaint").stage("review").limit == Limit(30, "natural_days")  # arts. 35–36
    assert pack.rounds.max == 3  # 办理, 复查, 复核


def test_tax_12366_limits_by_category() -> None:
    policy = _pack("tax-12366").type("complaint")

    assert policy.stage("registered").limit == Limit(1, "working_days")
    assert policy.stage_limit("handling", severity="normal", category_code="service_conduct") == Limit(
        5, "working_days"
    )
    assert policy.stage_limit("handling", severity="normal", category_code="service_efficiency") == Limit(
        10, "working_days"
    )
    assert "close" in policy.stage("registered").actions  # 即时办结


def test_hotline_12345_dispatches_at_once_and_visits_when_the_limit_expires() -> None:
    pack = _pack("hotline-12345")
    complaint = pack.type("complaint")

    assert complaint.stage("registered").actions["dispatch"].to == "dispatched"  # art. 11
    assert "return" not in complaint.stage("signed").actions  # art. 14 首接负责
    assert "return_visit" in complaint.stage("handling").actions  # art. 23
    assert complaint.category_limits


def test_iso_10002_acknowledges_within_a_working_day() -> None:
    policy = _pack("iso-10002").type("complaint")

    assert policy.stage("registered").limit == Limit(1, "working_days")
    assert policy.total == TotalLimit(10, "working_days", "received")


ANCHOR_ACTIONS = {"received": set(), "accepted": {"accept"}, "dispatched": {"dispatch", "redispatch"}}


def _before_anchor(policy: TypePolicy) -> set[str]:
    """Stages a ticket can be in before the type's total limit has started."""
    if policy.total is None:
        return set(policy.stages)
    if policy.total.start == "received":
        return set()
    anchors = ANCHOR_ACTIONS[policy.total.start]
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
def test_an_open_ticket_always_has_a_deadline(code: str, ticket_type: str) -> None:
    """事事有回音: in every open stage, either the stage has a limit or the total runs."""
    policy = _pack(code).type(ticket_type)
    unbounded = [
        stage
        for stage in sorted(_before_anchor(policy))
        if not policy.stage(stage).final
        and policy.stage_limit(stage, severity="normal", category_code=None) is None
    ]

    assert not unbounded
