"""重大投诉 in a pack: the ``major`` section is read and checked like every other (the file and
the path of each problem), its rules match what they say and nothing else, and the shipped
packs carry the rules their sources name."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hotline.policies.errors import PackError
from hotline.policies.loader import load_pack
from hotline.policies.registry import get_pack
from hotline.policies.schema import MajorReason, MajorRules
from hotline.policies.vocab import CUSTOMER_CLASSES, UPGRADED_VIA, UPGRADED_VIA_LABELS
from hotline.tickets.models import CustomerClass, UpgradedVia

from .conftest import mini_pack

MAJOR: dict[str, Any] = {
    "types": ["complaint", "report"],
    "rules": {
        "customer_classes": ["VIP"],
        "channels": ["media", "transfer"],
        "upgraded_via": ["regulator", "hotline_12345"],
        "min_complainants": 3,
        "amount_above": 10000,
        "words": ["受伤", "媒体曝光", "曝光", "CCTV"],
    },
    "notify": ["leader", "coordinator"],
    "raise_roles": ["coordinator"],
}


def _with_major(major: Any) -> dict[str, Any]:
    doc = mini_pack()
    doc["major"] = major
    return doc


def _rules(pack_file: Callable[..., Path], major: Any = None) -> MajorRules:
    return load_pack(pack_file(_with_major(major if major is not None else MAJOR))).major


def test_the_section_is_read_into_typed_rules(pack_file: Callable[..., Path]) -> None:
    rules = _rules(pack_file)
    assert rules.types == {"complaint", "report"}
    assert rules.customer_classes == {"VIP"}
    assert rules.channels == {"media", "transfer"}
    assert rules.upgraded_via == {"regulator", "hotline_12345"}
    assert rules.min_complainants == 3
    assert rules.amount_above == Decimal("10000") and isinstance(rules.amount_above, Decimal)
    assert rules.words == ("受伤", "媒体曝光", "曝光", "CCTV")
    assert rules.notify == {"leader", "coordinator"} and rules.raise_roles == {"coordinator"}


def test_without_the_section_no_rule_matches_and_the_roles_keep_their_defaults(
    pack_file: Callable[..., Path],
) -> None:
    rules = load_pack(pack_file(mini_pack())).major
    assert rules == MajorRules()
    assert rules.notify == {"leader"} and rules.raise_roles == {"coordinator", "leader"}
    assert (
        rules.reasons(
            ticket_type="complaint",
            customer_class="VIP",
            channel="media",
            upgraded_via="media",
            claimed_amount=Decimal("1e9"),
            text="受伤 死亡 曝光",
            complainants=100,
        )
        == ()
    )


def test_a_decimal_amount_is_kept_exactly(pack_file: Callable[..., Path]) -> None:
    rules = _rules(pack_file, {"rules": {"amount_above": 9999.5}})
    assert rules.amount_above == Decimal("9999.5")
    assert rules.reasons(ticket_type="praise", claimed_amount=Decimal("9999.51"))[0].rule == "amount"
    assert rules.reasons(ticket_type="praise", claimed_amount=Decimal("9999.50")) == ()


# -- each rule, and what it does not match ------------------------------------------------

RULES = MajorRules(
    types=frozenset({"complaint"}),
    customer_classes=frozenset({"VIP"}),
    channels=frozenset({"media"}),
    upgraded_via=frozenset({"regulator"}),
    min_complainants=3,
    amount_above=Decimal("10000"),
    words=("受伤", "媒体曝光", "曝光", "CCTV"),
)


@pytest.mark.parametrize(
    ("facts", "reason", "text"),
    [
        ({"customer_class": "VIP"}, MajorReason("customer_class", "VIP"), "客户等级为VIP"),
        ({"channel": "media"}, MajorReason("channel", "media"), "受理渠道为媒体"),
        ({"upgraded_via": "regulator"}, MajorReason("upgraded_via", "regulator"), "越级投诉(监管部门/消协)"),
        ({"complainants": 3}, MajorReason("complainants", "3", "3"), "批量投诉共3位诉求人(达到3位)"),
        (
            {"claimed_amount": Decimal("10000.01")},
            MajorReason("amount", "10000.01", "10000"),
            "索赔金额10000.01元,超过10000元",
        ),
        ({"text": "孩子在店里受伤了"}, MajorReason("word", "受伤"), "诉求内容含“受伤”"),
        ({"text": "再不处理就找cctv"}, MajorReason("word", "CCTV"), "诉求内容含“CCTV”"),
    ],
)
def test_each_rule_raises_with_its_reason(facts: dict[str, Any], reason: MajorReason, text: str) -> None:
    assert RULES.reasons(ticket_type="complaint", **facts) == (reason,)
    assert reason.text == text
    payload = reason.as_payload()
    assert payload["rule"] == reason.rule and payload["value"] == reason.value and payload["text"] == text


@pytest.mark.parametrize(
    "facts",
    [
        {"customer_class": "A"},
        {"customer_class": ""},
        {"channel": "phone"},
        {"channel": "transfer"},
        {"upgraded_via": ""},
        {"upgraded_via": "media"},
        {"complainants": 2},
        {"claimed_amount": Decimal("10000")},  # above, not at
        {"claimed_amount": Decimal("0")},
        {"text": "电饭煲无法加热,要求退货"},
        {"text": "受 伤"},
    ],
)
def test_what_no_rule_names_does_not_raise(facts: dict[str, Any]) -> None:
    assert RULES.reasons(ticket_type="complaint", **facts) == ()


def test_rules_apply_only_to_their_types() -> None:
    assert RULES.reasons(ticket_type="consultation", customer_class="VIP", text="受伤") == ()
    assert MajorRules(customer_classes=frozenset({"VIP"})).reasons(ticket_type="praise", customer_class="VIP")


def test_every_rule_that_matches_is_a_reason_and_a_word_inside_a_longer_one_is_not_repeated() -> None:
    reasons = RULES.reasons(
        ticket_type="complaint",
        customer_class="VIP",
        channel="media",
        claimed_amount=Decimal("50000"),
        text="孩子受伤,我要向媒体曝光",
    )
    assert [(r.rule, r.value) for r in reasons] == [
        ("customer_class", "VIP"),
        ("channel", "media"),
        ("amount", "50000"),
        ("word", "受伤"),
        ("word", "媒体曝光"),
    ]
    only_short = RULES.reasons(ticket_type="complaint", text="要曝光你们")
    assert [r.value for r in only_short] == ["曝光"]


def test_the_vocabularies_are_the_tickets_choices() -> None:
    assert CUSTOMER_CLASSES == tuple(v for v in CustomerClass.values if v)
    assert UPGRADED_VIA == tuple(v for v in UpgradedVia.values if v)
    assert UPGRADED_VIA_LABELS == {v: str(label) for v, label in UpgradedVia.choices if v}


# -- a bad section is refused, naming the file and the path --------------------------------

BAD: list[tuple[str, Any, str, str]] = [
    (
        "unknown_key",
        {"rules": {"words": ["死亡"]}, "notfy": ["leader"]},
        "major.notfy",
        "did you mean 'notify'",
    ),
    ("unknown_rule", {"rules": {"word": ["死亡"]}}, "major.rules.word", "did you mean 'words'"),
    ("missing_rules", {"notify": ["leader"]}, "major", "missing required key 'rules'"),
    ("empty_rules", {"rules": {}}, "major.rules", "name at least one rule"),
    ("not_a_mapping", ["VIP"], "major", "expected a mapping"),
    ("bad_type", {"types": ["complain"], "rules": {"words": ["x"]}}, "major.types[0]", "unknown ticket type"),
    (
        "bad_class",
        {"rules": {"customer_classes": ["vip"]}},
        "major.rules.customer_classes[0]",
        "unknown customer class",
    ),
    ("bad_channel", {"rules": {"channels": ["tv"]}}, "major.rules.channels[0]", "unknown channel"),
    (
        "bad_upgrade",
        {"rules": {"upgraded_via": ["12345"]}},
        "major.rules.upgraded_via[0]",
        "unknown upgrade source",
    ),
    ("empty_channels", {"rules": {"channels": []}}, "major.rules.channels", "at least one channel"),
    (
        "one_complainant",
        {"rules": {"min_complainants": 1}},
        "major.rules.min_complainants",
        "must be 2 or more",
    ),
    (
        "bool_complainants",
        {"rules": {"min_complainants": True}},
        "major.rules.min_complainants",
        "whole number",
    ),
    ("negative_amount", {"rules": {"amount_above": -5}}, "major.rules.amount_above", "out of range"),
    ("zero_amount", {"rules": {"amount_above": 0}}, "major.rules.amount_above", "out of range"),
    ("bool_amount", {"rules": {"amount_above": True}}, "major.rules.amount_above", "amount in yuan"),
    ("text_amount", {"rules": {"amount_above": "一万"}}, "major.rules.amount_above", "amount in yuan"),
    (
        "three_decimals",
        {"rules": {"amount_above": 10.005}},
        "major.rules.amount_above",
        "more than 2 decimals",
    ),
    ("empty_words", {"rules": {"words": []}}, "major.rules.words", "at least one word"),
    ("blank_word", {"rules": {"words": ["死亡", " "]}}, "major.rules.words[1]", "non-empty string"),
    ("twice", {"rules": {"words": ["CCTV", "cctv"]}}, "major.rules.words[1]", "listed twice"),
    ("long_word", {"rules": {"words": ["字" * 51]}}, "major.rules.words[0]", "at most 50"),
    ("bad_role", {"rules": {"words": ["x"]}, "notify": ["boss"]}, "major.notify[0]", "unknown role"),
    ("no_roles", {"rules": {"words": ["x"]}, "raise_roles": []}, "major.raise_roles", "at least one role"),
]


@pytest.mark.parametrize(("case", "major", "path", "message"), BAD, ids=[c[0] for c in BAD])
def test_a_bad_section_is_refused_with_file_and_path(
    pack_file: Callable[..., Path], case: str, major: Any, path: str, message: str
) -> None:
    with pytest.raises(PackError) as refused:
        load_pack(pack_file(_with_major(major)))
    lines = str(refused.value).splitlines()
    assert any(line.startswith(f"mini.yaml: {path}: ") and message in line for line in lines), lines


def test_every_problem_of_the_section_is_listed_at_once(pack_file: Callable[..., Path]) -> None:
    bad = {"types": ["x"], "rules": {"channels": ["tv"], "min_complainants": 0}, "notify": ["boss"]}
    with pytest.raises(PackError) as refused:
        load_pack(pack_file(_with_major(bad)))
    paths = {issue.path for issue in refused.value.issues}
    assert {
        "major.types[0]",
        "major.rules.channels[0]",
        "major.rules.min_complainants",
        "major.notify[0]",
    } <= paths


# -- the shipped packs ---------------------------------------------------------------------


def test_the_enterprise_pack_names_the_rules_of_its_sources() -> None:
    rules = get_pack("enterprise").major
    assert rules.types == {"complaint", "report"}
    assert rules.customer_classes == {"VIP"} and rules.channels == {"media"}
    assert rules.upgraded_via == set(UPGRADED_VIA)
    assert rules.amount_above == Decimal("10000")
    assert {"受伤", "死亡", "媒体曝光"} <= set(rules.words)
    assert rules.min_complainants is None  # batches are handled once already (see the pack)
    assert rules.notify == {"leader"}
    # the provincial centre's tickets keep their own limit (001 L30): not major by channel
    assert not rules.reasons(ticket_type="complaint", channel="transfer")


@pytest.mark.parametrize(
    ("code", "facts"),
    [
        ("property", {"channel": "transfer"}),
        ("property", {"complainants": 5}),
        ("telecom", {"upgraded_via": "regulator"}),
        ("market-12315", {"text": "煤气罐爆炸"}),
        ("market-12315", {"complainants": 5}),
    ],
)
def test_the_other_packs_whose_sources_name_major_complaints(code: str, facts: dict[str, Any]) -> None:
    assert get_pack(code).major.reasons(ticket_type="complaint", **facts)


def test_the_check_command_shows_the_rules(capsys: pytest.CaptureFixture[str]) -> None:
    from django.core.management import call_command

    call_command("policies", "check", str(Path(get_pack("enterprise").path)))
    out = capsys.readouterr().out
    assert "major: types complaint, report; customer classes VIP; channels media" in out
    assert "claim above 10000 yuan" in out and "notify leader" in out
