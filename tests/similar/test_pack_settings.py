"""A pack's ``detection`` section: optional, with defaults, validated like the rest."""

from __future__ import annotations

import pytest
import yaml

from hotline.policies.errors import PackError
from hotline.policies.loader import load_pack
from hotline.policies.registry import PACKS_DIR
from hotline.policies.schema import Detection, Limit


def _with(tmp_path, detection: object):
    data = yaml.safe_load((PACKS_DIR / "enterprise.yaml").read_text(encoding="utf-8"))
    data["detection"] = detection
    path = tmp_path / "enterprise.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_pack(path)


def test_defaults_and_a_pack_of_its_own(tmp_path):
    assert _with(tmp_path, None).detection == Detection()
    pack = _with(
        tmp_path,
        {
            "repeat": {"similarity": 0.4},
            "batch": {"complainants": 3, "within": {"amount": 2, "unit": "hours"}},
        },
    )
    assert pack.detection.repeat.similarity == 0.4 and pack.detection.repeat.within == Limit(
        30, "natural_days"
    )
    assert (pack.detection.batch.complainants, pack.detection.batch.within) == (3, Limit(2, "hours"))


@pytest.mark.parametrize(
    ("detection", "problem"),
    [
        ({"repeat": {"similarity": 1.5}}, "detection.repeat.similarity"),
        ({"repeat": {"similarity": "high"}}, "detection.repeat.similarity"),
        ({"batch": {"complainants": 1}}, "detection.batch.complainants"),
        ({"batch": {"within": {"amount": 1, "unit": "working_days"}}}, "detection.batch.within.unit"),
        ({"repeat": {"windw": 3}}, "detection.repeat.windw"),
    ],
)
def test_a_wrong_setting_names_its_path(tmp_path, detection, problem):
    with pytest.raises(PackError) as err:
        _with(tmp_path, detection)
    assert problem in str(err.value)
