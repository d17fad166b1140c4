"""Application code never imports the chinesecalendar package (a dev-only dependency)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_module_under_hotline_mentions_chinese_calendar() -> None:
    pattern = re.compile(r"chinese_calendar")
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "hotline").rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_loading_the_calendar_app_does_not_import_it() -> None:
    code = (
        "import sys, django; django.setup(); "
        "import hotline.calendar.services, hotline.calendar.counting, hotline.calendar.admin; "
        "import hotline.calendar.management.commands.calendar; "
        "sys.exit('chinese_calendar' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "hotline.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
