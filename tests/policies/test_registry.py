"""The registry: shipped packs plus HOTLINE_POLICY_DIRS, loaded once, never half-loaded."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from hotline.core.errors import ConfigurationError, InvalidInput
from hotline.policies import registry
from hotline.policies.errors import PackError

from .conftest import mini_pack, write_pack


def test_get_pack_returns_a_shipped_pack(fresh_registry: pytest.MonkeyPatch) -> None:
    assert registry.get_pack("enterprise").name == "企业客户投诉咨询受理监督"


def test_get_pack_unknown_code_is_invalid_input(fresh_registry: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidInput) as exc:
        registry.get_pack("nope")

    assert "未知的政策包" in exc.value.detail
    assert exc.value.code == "unknown_policy_pack"


def test_all_packs_and_choices_are_sorted_by_code(fresh_registry: pytest.MonkeyPatch) -> None:
    codes = [p.code for p in registry.all_packs()]

    assert codes == sorted(codes)
    assert {"enterprise", "market-12315", "petition", "tax-12366", "hotline-12345", "iso-10002"} <= set(codes)
    assert ("enterprise", "企业客户投诉咨询受理监督") in registry.pack_choices()


def test_packs_are_loaded_once(fresh_registry: pytest.MonkeyPatch) -> None:
    assert registry.get_pack("enterprise") is registry.get_pack("enterprise")


def test_concurrent_first_lookups_load_once(fresh_registry: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = registry.load_all

    def counting() -> dict[str, object]:
        calls.append(1)
        return real()  # type: ignore[return-value]

    fresh_registry.setattr(registry, "load_all", counting)
    results: list[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(registry.get_pack("petition"))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(calls) == 1
    assert len({id(r) for r in results}) == 1


def test_extra_directories_add_packs(fresh_registry: pytest.MonkeyPatch, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    write_pack(first, mini_pack())
    other = mini_pack()
    other["code"] = "other"
    write_pack(second, other, name="other")
    fresh_registry.setenv(registry.ENV_VAR, os.pathsep.join([str(first), "", str(second)]))

    assert registry.get_pack("mini").name == "最小政策包"
    assert registry.get_pack("other").code == "other"
    assert registry.pack_dirs() == [registry.PACKS_DIR, first, second]


def test_a_broken_pack_fails_loudly_not_skipped(fresh_registry: pytest.MonkeyPatch, tmp_path: Path) -> None:
    broken = mini_pack()
    broken["rounds"] = {"max": 1, "supervise_from": 2}
    write_pack(tmp_path, broken)
    fresh_registry.setenv(registry.ENV_VAR, str(tmp_path))

    with pytest.raises(PackError, match=r"mini.yaml: rounds.supervise_from"):
        registry.get_pack("enterprise")
    with pytest.raises(PackError):  # still failing: nothing half-loaded was cached
        registry.all_packs()


def test_a_fixed_pack_loads_after_reset(fresh_registry: pytest.MonkeyPatch, tmp_path: Path) -> None:
    broken = mini_pack()
    broken["version"] = 0
    path = write_pack(tmp_path, broken)
    fresh_registry.setenv(registry.ENV_VAR, str(tmp_path))
    with pytest.raises(PackError):
        registry.get_pack("mini")

    write_pack(tmp_path, mini_pack())
    registry.reset()

    assert registry.get_pack("mini").path == str(path)


def test_the_same_code_twice_is_an_error(fresh_registry: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clash = mini_pack()
    clash["code"] = "enterprise"
    write_pack(tmp_path, clash, name="enterprise")
    fresh_registry.setenv(registry.ENV_VAR, str(tmp_path))

    with pytest.raises(PackError, match=r"enterprise.yaml: code: pack 'enterprise' is defined twice"):
        registry.all_packs()


def test_a_missing_directory_is_a_configuration_error(
    fresh_registry: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fresh_registry.setenv(registry.ENV_VAR, str(tmp_path / "absent"))

    with pytest.raises(ConfigurationError, match="HOTLINE_POLICY_DIRS"):
        registry.all_packs()


def test_system_check_reports_a_broken_pack(fresh_registry: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from hotline.policies.checks import check_policy_packs

    assert check_policy_packs() == []

    broken = mini_pack()
    broken["types"].pop("help")
    write_pack(tmp_path, broken)
    fresh_registry.setenv(registry.ENV_VAR, str(tmp_path))
    registry.reset()

    errors = check_policy_packs()

    assert [e.id for e in errors] == ["policies.E001"]
    assert "mini.yaml: types: ticket type 'help'" in errors[0].msg


def test_system_check_reports_an_unknown_default_pack(
    fresh_registry: pytest.MonkeyPatch, settings: Any
) -> None:
    from hotline.policies.checks import check_policy_packs

    settings.HOTLINE_DEFAULT_POLICY = "nope"

    assert [e.id for e in check_policy_packs()] == ["policies.E002"]
