"""``hotline policies check [FILE ...]`` and ``hotline policies list``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.policies.registry import PACKS_DIR

from .conftest import mini_pack


def _run(*args: str) -> str:
    out = StringIO()
    call_command("policies", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_check_a_good_file_prints_its_types_and_stages(pack_file: Callable[..., Path]) -> None:
    path = pack_file(mini_pack())

    out = _run("check", str(path))

    assert f"{path}: OK" in out
    assert "workflow basic (initial registered):" in out
    assert "handling 办理中 [5 working_days]: reply→replied (handler)" in out
    assert "return_visit→closed | dissatisfied→redo (coordinator)" in out
    assert "complaint 投诉: workflow basic, total 7 working_days 自受理之日起" in out


def test_check_shows_anchors_channels_totals_conditions_and_windows(pack_file: Callable[..., Path]) -> None:
    doc = mini_pack()
    doc["reject_reasons"]["time_barred"] = "超过二年"
    doc["acceptance_windows"] = [
        {"within": {"amount": 5, "unit": "months"}, "reason": "time_barred", "categories": ["fee"]},
        {"within": {"amount": 2, "unit": "years"}, "reason": "time_barred", "types": ["complaint"]},
    ]
    stages = doc["workflows"]["basic"]["stages"]
    stages["registered"]["actions"]["accept"]["severities"] = ["normal", "urgent"]
    stages["registered"]["actions"]["instruct"] = {
        "roles": ["leader"],
        "to": "handling",
        "severities": ["major"],
    }
    stages["registered"]["actions"]["reject"]["channels"] = ["letter"]
    doc["types"]["complaint"]["channel_limits"] = {
        "letter": {"registered": {"amount": 5, "unit": "working_days"}},
        "visit": {"handling": {"amount": 30, "unit": "minutes", "from": "registered"}},
    }
    doc["types"]["complaint"]["channel_totals"] = {
        "letter": {"amount": 45, "unit": "natural_days", "from": "received"},
        "internal": None,
    }
    doc["types"]["complaint"]["severity_totals"] = {
        "urgent": {"amount": 1, "unit": "working_days", "from": "registered"}
    }
    doc["types"]["complaint"]["category_totals"] = {
        "fee": {"amount": 3, "unit": "working_days", "from": "accepted"}
    }

    out = _run("check", str(pack_file(doc)))

    assert "registered 待受理 [1 working_days 自收到之日起]:" in out
    assert "accept→handling (agent) [only severities normal, urgent]" in out
    assert "instruct→handling (leader) [only severities major]" in out
    assert "reject→rejected (coordinator) [only channels letter]" in out
    assert "channel letter: registered=5 working_days 自收到之日起" in out
    assert "channel visit: handling=30 minutes 自登记之日起" in out
    assert "channel letter: total 45 natural_days 自收到之日起" in out
    assert "channel internal: no total limit" in out
    assert "severity urgent: total 1 working_days 自登记之日起" in out
    assert "category fee: total 3 working_days 自受理之日起" in out
    assert (
        "acceptance window 1: any type / categories fee: matter older than 5个月 → not accepted (time_barred)"
        in out
    )
    assert "acceptance window 2: types complaint / any category: matter older than 2年" in out


def test_check_lists_the_return_visit_rule_and_its_notes(pack_file: Callable[..., Path]) -> None:
    doc = mini_pack()
    doc["return_visit"] = {
        "roles": ["coordinator"],
        "within": {"amount": 1, "unit": "working_days"},
        "when": "limit_expired",
        "satisfied_review_by": "leader",
        "review_request_window": {"amount": 30, "unit": "natural_days"},
    }

    out = _run("check", str(pack_file(doc)))

    assert (
        "return visit: roles coordinator; within 1 working_days; when limit_expired; max attempts 3;"
        " unreachable close after never; notes: satisfied_review_by=leader,"
        " review_request_window={'amount': 30, 'unit': 'natural_days'}"
    ) in out
    assert (
        "return visit: roles not named; within no due time; when reply; max attempts 3;"
        " unreachable close after never\n"
    ) in _run("check", str(pack_file(mini_pack())))


def test_check_a_bad_file_fails_with_file_and_path(pack_file: Callable[..., Path]) -> None:
    doc = mini_pack()
    doc["workflows"]["basic"]["stages"]["handling"]["actions"]["reply"]["to"] = "replyed"

    with pytest.raises(CommandError) as exc:
        _run("check", str(pack_file(doc)))

    assert "mini.yaml: workflows.basic.stages.handling.actions.reply.to: unknown stage 'replyed'" in str(
        exc.value
    )


def test_check_reports_every_bad_file_and_still_prints_good_ones(
    tmp_path: Path, pack_file: Callable[..., Path]
) -> None:
    good = pack_file(mini_pack())
    bad = tmp_path / "bad.yaml"
    bad.write_text("code: bad\n", encoding="utf-8")
    out = StringIO()

    with pytest.raises(CommandError) as exc:
        call_command("policies", "check", str(bad), str(good), stdout=out, stderr=StringIO())

    assert "bad.yaml: 9 problems" in str(exc.value)
    assert f"{good}: OK" in out.getvalue()


def test_check_without_files_checks_the_shipped_packs() -> None:
    out = _run("check", "--brief")

    for path in sorted(PACKS_DIR.glob("*.yaml")):
        assert f"{path}: OK" in out
    assert "workflow" not in out


def test_list_shows_every_pack() -> None:
    out = _run("list")

    assert "enterprise" in out and "企业客户投诉咨询受理监督" in out
    assert "market-12315" in out and "petition" in out and "iso-10002" in out
    for code in ("food-drug-12331", "tobacco-12313", "manufacturer", "telecom", "property"):
        assert code in out


def test_console_script_exits_non_zero_on_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("code: [bad\n", encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "hotline.cli", "policies", "check", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert result.returncode == 1
    assert "bad.yaml: invalid YAML: line" in result.stderr


def test_console_script_exits_zero_on_good_files() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "hotline.cli",
            "policies",
            "check",
            "--brief",
            str(PACKS_DIR / "petition.yaml"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "petition v1" in result.stdout
