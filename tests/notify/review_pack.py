"""A small pack with a review stage (审核) and the actions around a reply, for the tests of
what those actions tell whom (notify) and when the return visit opens (followup)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hotline.policies import registry
from tests.policies.conftest import mini_pack, write_pack


def review_pack() -> dict[str, Any]:
    data = mini_pack()
    data["code"] = "review"
    data["return_visit"] = {"within": {"amount": 1, "unit": "working_days"}}
    stages = data["workflows"]["basic"]["stages"]
    stages["registered"]["actions"]["accept"] = {"roles": ["agent"], "to": "accepted"}
    stages["accepted"] = {
        "label": "待派单",
        "actions": {"dispatch": {"roles": ["coordinator"], "to": "dispatched"}},
    }
    stages["dispatched"] = {
        "label": "待指派",
        "actions": {"assign": {"roles": ["dept_head"], "to": "handling"}},
    }
    handling = stages["handling"]["actions"]
    handling["reply"] = {"roles": ["handler"], "to": "review"}
    handling["interim_reply"] = {"roles": ["handler"], "to": "handling"}
    handling["instruct"] = {"roles": ["leader"]}
    stages["review"] = {
        "label": "待负责人审核",
        "actions": {
            "approve_reply": {"roles": ["dept_head"], "to": "replied"},
            "send_back": {"roles": ["dept_head"], "to": "handling"},
        },
    }
    return data


@pytest.fixture
def reviewing(org: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The ``review`` pack loaded beside the shipped ones; yields the demo org."""
    packs = tmp_path / "review-packs"
    packs.mkdir()
    write_pack(packs, review_pack(), name="review")
    monkeypatch.setenv(registry.ENV_VAR, str(packs))
    registry.reset()
    yield org
    monkeypatch.delenv(registry.ENV_VAR)
    registry.reset()
