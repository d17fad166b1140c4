"""The upper level's limit is pack data (``upper_level.answer_back``), checked on load."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from hotline.policies.errors import PackError
from hotline.policies.loader import parse_pack
from hotline.policies.registry import get_pack
from hotline.policies.schema import Limit

ENTERPRISE = Path(__file__).resolve().parents[2] / "hotline" / "policies" / "packs" / "enterprise.yaml"


@pytest.fixture(scope="module")
def enterprise() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ENTERPRISE.read_text(encoding="utf-8"))
    return data


def _parse(data: dict[str, Any]) -> Any:
    return parse_pack(data, file="enterprise.yaml", expected_code="enterprise")


def test_enterprise_answers_the_province_within_three_working_days():
    assert get_pack("enterprise").upper_level.answer_back == Limit(3, "working_days")


def test_a_pack_without_the_section_sets_no_limit():
    assert get_pack("hotline-12345").upper_level.answer_back is None


def test_null_means_no_limit(enterprise):
    data = copy.deepcopy(enterprise)
    data["upper_level"] = {"answer_back": None}
    assert _parse(data).upper_level.answer_back is None


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"answer_back": {"amount": 3, "unit": "fortnights"}}, "upper_level.answer_back.unit"),
        ({"answer_back": {"amount": -1, "unit": "working_days"}}, "upper_level.answer_back.amount"),
        (
            {"answer_back": {"amount": 3, "unit": "working_days", "from": "received"}},
            "upper_level.answer_back.from",
        ),
        ({"answer_back": 3}, "upper_level.answer_back"),
        ({"answerback": {"amount": 3, "unit": "working_days"}}, "upper_level.answerback"),
        ([1], "upper_level"),
    ],
)
def test_a_wrong_section_fails_with_its_path(enterprise, section, message):
    data = copy.deepcopy(enterprise)
    data["upper_level"] = section
    with pytest.raises(PackError) as refused:
        _parse(data)
    assert f"enterprise.yaml: {message}" in str(refused.value)
