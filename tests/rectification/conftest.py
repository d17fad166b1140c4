"""Helpers for the rectification tests: a notice issued through the service at a known time."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.org.models import Unit
from hotline.rectification.models import Notice
from hotline.rectification.services import notice_issue
from tests.helpers import local

# Monday 3 November 2025, a plain working week (no holiday before 1 January)
ISSUED = "2025-11-03 10:00"


@pytest.fixture
def issue(org: Any) -> Any:
    """``issue(unit="JZ-DH-SJ", days=3, **fields)`` → a notice from the demo coordinator."""

    def make(unit: str = "JZ-DH-SJ", *, by: str = "coordinator", at: str = ISSUED, **fields: Any) -> Notice:
        values = {
            "subject": "窗口服务态度问题整改",
            "problem": "本月多次被投诉窗口人员态度生硬。",
            "requirement": "组织窗口人员培训,建立首问负责制度,报送整改报告。",
            "days": 3,
            **fields,
        }
        return notice_issue(actor=org.users[by], unit=Unit.objects.get(code=unit), now=local(at), **values)

    return make
