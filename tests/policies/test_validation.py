"""One small broken pack per validation rule: the error names the file and the path in it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hotline.policies.errors import PackError
from hotline.policies.loader import load_pack

from . import broken_packs, broken_packs_more
from .broken_packs import Doc, _actions
from .conftest import mini_pack

CASES = broken_packs.CASES + broken_packs_more.CASES


def _load_broken(pack_file: Callable[..., Path], mutate: Callable[[Doc], None]) -> PackError:
    doc = mini_pack()
    mutate(doc)
    with pytest.raises(PackError) as exc:
        load_pack(pack_file(doc))
    return exc.value


@pytest.mark.parametrize(("mutate", "path", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_pack_names_file_and_path(
    pack_file: Callable[..., Path], mutate: Callable[[Doc], None], path: str, fragment: str
) -> None:
    error = _load_broken(pack_file, mutate)

    expected_prefix = f"mini.yaml: {path}: " if path else "mini.yaml: "
    matching = [line for line in str(error).splitlines() if line.startswith(expected_prefix)]
    assert any(fragment in line for line in matching), str(error)
    assert error.file == "mini.yaml"


def test_the_example_of_the_brief(pack_file: Callable[..., Path]) -> None:
    error = _load_broken(pack_file, lambda d: _actions(d, "handling")["reply"].update(to="replyed"))

    assert str(error) == (
        "mini.yaml: workflows.basic.stages.handling.actions.reply.to: "
        "unknown stage 'replyed' (did you mean 'replied'?)"
    )


def test_every_problem_is_listed_at_once(pack_file: Callable[..., Path]) -> None:
    def two_problems(d: Doc) -> None:
        d.update(version=0)
        d["extension"].update(unit="days")

    error = _load_broken(pack_file, two_problems)

    assert str(error).splitlines()[0] == "mini.yaml: 2 problems"
    assert [issue.path for issue in error.issues] == ["version", "extension.unit"]


def test_duplicate_yaml_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text("code: mini\ncode: mini\n", encoding="utf-8")

    with pytest.raises(PackError, match=r"mini.yaml: invalid YAML: line 2, .*duplicate key 'code'"):
        load_pack(path)


def test_yaml_anchors_and_merge_keys_still_work(tmp_path: Path) -> None:
    import yaml

    doc = mini_pack()
    del doc["types"]
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False) + (
        "types:\n"
        "  complaint: &simple {workflow: basic}\n"
        "  report: *simple\n"
        "  consultation: {<<: *simple, total: {amount: 1, unit: hours, from: received}}\n"
        "  suggestion: *simple\n"
        "  help: *simple\n"
        "  praise: *simple\n"
    )
    (tmp_path / "mini.yaml").write_text(text, encoding="utf-8")

    pack = load_pack(tmp_path / "mini.yaml")

    assert pack.type("consultation").total is not None
    assert pack.type("consultation").workflow == "basic"


def test_invalid_yaml_syntax(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text("code: [mini\n", encoding="utf-8")

    with pytest.raises(PackError, match=r"^mini.yaml: invalid YAML: line \d+"):
        load_pack(path)


def test_top_level_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")

    with pytest.raises(PackError, match=r"^mini.yaml: expected a mapping, got a list$"):
        load_pack(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PackError, match=r"^absent.yaml: cannot read the file"):
        load_pack(tmp_path / "absent.yaml")


def test_non_string_key(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text("code: mini\n1: x\n", encoding="utf-8")

    with pytest.raises(PackError, match=r"mini.yaml: key 1 must be a string"):
        load_pack(path)


def test_a_child_workflow_may_remove_and_replace_stages(pack_file: Callable[..., Path]) -> None:
    doc = mini_pack()
    doc["workflows"]["quick"] = {
        "extends": "basic",
        "stages": {
            "registered": {
                "label": "待受理",
                "actions": {
                    "close": {"roles": ["agent"], "to": "closed"},
                    "accept": {"roles": ["agent"], "to": "handling"},
                },
            },
            "rejected": None,
        },
    }
    doc["types"]["praise"] = {"workflow": "quick"}

    pack = load_pack(pack_file(doc))

    praise = pack.type("praise")
    assert praise.workflow == "quick"
    assert "rejected" not in praise.stages
    assert set(praise.stage("registered").actions) == {"close", "accept"}
    assert praise.stage("handling") is pack.type("complaint").stage("handling")
