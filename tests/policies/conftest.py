"""Fixtures for policy-pack tests: a small valid pack as data, written where a test wants it."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from hotline.policies import registry
from hotline.policies.vocab import TICKET_TYPES

MINI: dict[str, Any] = {
    "code": "mini",
    "name": "最小政策包",
    "version": 1,
    "source": {"title": "测试用政策包", "reference": "tests/policies/conftest.py"},
    "identity_roles": ["coordinator"],
    "confidential_types": ["report"],
    "reject_reasons": {"outside_mandate": "不属于本单位职责范围"},
    "rounds": {"max": 2, "supervise_from": 2},
    "extension": {"max_count": 1, "max_total": 5, "unit": "working_days"},
    "workflows": {
        "basic": {
            "initial_stage": "registered",
            "stages": {
                "registered": {
                    "label": "待受理",
                    "public_label": "已登记",
                    "limit": {"amount": 1, "unit": "working_days"},
                    "actions": {
                        "accept": {"roles": ["agent"], "to": "handling"},
                        "reject": {"roles": ["coordinator"], "to": "rejected"},
                    },
                },
                "handling": {
                    "label": "办理中",
                    "limit": {"amount": 5, "unit": "working_days"},
                    "actions": {
                        "reply": {"roles": ["handler"], "to": "replied"},
                        "request_extension": {"roles": ["handler"]},
                        "approve_extension": {"roles": ["leader"]},
                        "deny_extension": {"roles": ["leader"]},
                        "suspend": {"roles": ["handler"]},
                        "resume": {"roles": ["handler"]},
                    },
                },
                "replied": {
                    "label": "待回访",
                    "actions": {
                        "return_visit": {"roles": ["coordinator"], "to": "closed", "dissatisfied_to": "redo"},
                    },
                },
                "redo": {
                    "label": "不满意",
                    "actions": {
                        "redispatch": {"roles": ["coordinator"], "to": "handling"},
                        "close": {"roles": ["coordinator"], "to": "closed"},
                    },
                },
                "closed": {
                    "label": "已办结",
                    "final": True,
                    "actions": {"reopen": {"roles": ["coordinator"], "to": "handling"}},
                },
                "rejected": {"label": "不予受理", "final": True},
            },
        }
    },
    "types": {
        **{t: {"workflow": "basic"} for t in TICKET_TYPES},
        "complaint": {
            "workflow": "basic",
            "total": {"amount": 7, "unit": "working_days", "from": "accepted"},
            "limits": {"handling": {"amount": 4, "unit": "working_days"}},
            "severity_limits": {"major": {"handling": {"amount": 2, "unit": "working_days"}}},
            "category_limits": {"service_attitude": {"handling": {"amount": 1, "unit": "working_days"}}},
        },
    },
}


def mini_pack() -> dict[str, Any]:
    """A fresh deep copy of a small valid pack (code ``mini``) to break in a test."""
    return copy.deepcopy(MINI)


def write_pack(directory: Path, data: Any, *, name: str = "mini") -> Path:
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def pack_file(tmp_path: Path) -> Callable[..., Path]:
    """``pack_file(data)`` writes ``data`` as ``mini.yaml`` in a fresh directory."""

    def make(data: Any, *, name: str = "mini") -> Path:
        return write_pack(tmp_path, data, name=name)

    return make


@pytest.fixture
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The registry forgets what it loaded before and after the test; env changes are undone."""
    monkeypatch.delenv(registry.ENV_VAR, raising=False)
    registry.reset()
    yield monkeypatch
    monkeypatch.undo()
    registry.reset()
