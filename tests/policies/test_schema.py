"""``TypePolicy`` / ``Pack`` lookups: stage limits by precedence, unknown names."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from hotline.core.errors import ConfigurationError, InvalidInput
from hotline.policies.loader import parse_pack
from hotline.policies.schema import Limit, Pack, QuietHours

from .conftest import mini_pack


@pytest.fixture
def pack() -> Pack:
    return parse_pack(mini_pack(), file="mini.yaml", expected_code="mini")


def test_stage_limit_defaults_to_the_stage_limit(pack: Pack) -> None:
    policy = pack.type("report")  # no overrides

    assert policy.stage_limit("handling", severity="normal", category_code=None) == Limit(5, "working_days")


def test_stage_limit_type_limits_override_the_stage(pack: Pack) -> None:
    policy = pack.type("complaint")

    assert policy.stage_limit("handling", severity="normal", category_code=None) == Limit(4, "working_days")


def test_stage_limit_severity_overrides_the_type(pack: Pack) -> None:
    policy = pack.type("complaint")

    assert policy.stage_limit("handling", severity="major", category_code=None) == Limit(2, "working_days")


def test_stage_limit_category_overrides_the_severity(pack: Pack) -> None:
    policy = pack.type("complaint")

    limit = policy.stage_limit("handling", severity="major", category_code="service_attitude")

    assert limit == Limit(1, "working_days")


def test_stage_limit_unknown_category_falls_through(pack: Pack) -> None:
    policy = pack.type("complaint")

    assert policy.stage_limit("handling", severity="major", category_code="other") == Limit(2, "working_days")


def test_stage_limit_override_only_for_its_stage(pack: Pack) -> None:
    policy = pack.type("complaint")

    limit = policy.stage_limit("registered", severity="major", category_code="service_attitude")

    assert limit == Limit(1, "working_days", "received")  # the initial stage counts from receipt


def test_stage_limit_none_when_the_stage_has_none(pack: Pack) -> None:
    assert pack.type("complaint").stage_limit("replied", severity="normal", category_code=None) is None


def test_stage_limit_final_stage_has_none(pack: Pack) -> None:
    assert pack.type("complaint").stage_limit("closed", severity="urgent", category_code=None) is None


def test_stage_limit_unknown_severity_is_invalid_input(pack: Pack) -> None:
    with pytest.raises(InvalidInput):
        pack.type("complaint").stage_limit("handling", severity="huge", category_code=None)


def test_stage_unknown_is_a_configuration_error(pack: Pack) -> None:
    with pytest.raises(ConfigurationError) as exc:
        pack.type("complaint").stage("nowhere")

    assert "nowhere" in exc.value.detail
    assert exc.value.code == "unknown_stage"


def test_stage_limit_unknown_stage_is_a_configuration_error(pack: Pack) -> None:
    with pytest.raises(ConfigurationError):
        pack.type("complaint").stage_limit("nowhere", severity="normal", category_code=None)


def test_pack_type_unknown_is_invalid_input_in_chinese(pack: Pack) -> None:
    with pytest.raises(InvalidInput) as exc:
        pack.type("gossip")

    assert "未定义诉求类型" in exc.value.detail
    assert exc.value.code == "unknown_ticket_type"


def test_type_policy_carries_workflow_and_confidentiality(pack: Pack) -> None:
    assert pack.type("report").confidential
    assert not pack.type("complaint").confidential
    assert pack.confidential_types == {"report"}
    assert pack.type("complaint").workflow == "basic"
    assert pack.type("complaint").label == "投诉"


def test_stay_actions_have_no_target(pack: Pack) -> None:
    handling = pack.type("complaint").stage("handling")

    assert handling.actions["suspend"].to is None
    assert handling.actions["reply"].to == "replied"
    assert handling.actions["reply"].allows({"handler", "agent"})
    assert not handling.actions["reply"].allows({"agent"})


def test_public_label_defaults_to_label(pack: Pack) -> None:
    stages = pack.type("complaint").stages

    assert stages["handling"].public_label == "办理中"
    assert stages["registered"].public_label == "已登记"


def test_pack_is_immutable(pack: Pack) -> None:
    with pytest.raises(AttributeError):
        pack.code = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        pack.types["complaint"] = pack.types["report"]  # type: ignore[index]


def test_next_stages_lists_each_target_once(pack: Pack) -> None:
    assert pack.type("complaint").next_stages("replied") == ("closed", "redo")


@pytest.mark.parametrize(
    ("start", "end", "moment", "covered"),
    [
        ("22:00", "07:00", "23:30", True),
        ("22:00", "07:00", "06:59", True),
        ("22:00", "07:00", "07:00", False),
        ("12:00", "13:30", "12:30", True),
        ("12:00", "13:30", "14:00", False),
    ],
)
def test_quiet_hours_cover(start: str, end: str, moment: str, covered: bool) -> None:
    quiet = QuietHours(time.fromisoformat(start), time.fromisoformat(end))

    assert quiet.covers(time.fromisoformat(moment)) is covered


def test_load_pack_reads_a_file(tmp_path: Path) -> None:
    from hotline.policies.loader import load_pack

    from .conftest import write_pack

    pack = load_pack(write_pack(tmp_path, mini_pack()))

    assert pack.code == "mini"
    assert pack.path.endswith("mini.yaml")
