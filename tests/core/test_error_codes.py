"""Every error code in the source is in the one registry (``hotline.core.error_codes``)."""

from __future__ import annotations

import re
from pathlib import Path

import hotline
from hotline.core.error_codes import ERROR_CODES

ROOT = Path(hotline.__file__).parent
DATA = ROOT / "demo" / "knowledge"  # demo scripts have a "code" of their own: data, not errors
LITERAL = re.compile(r"""(?:\bcode=|_code=|"code":\s*|^\s+code = |\bcode = )"([a-z_0-9]+)\"""", re.M)


def _codes_in_source() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts or path.is_relative_to(DATA):
            continue
        for code in LITERAL.findall(path.read_text(encoding="utf-8")):
            found.setdefault(code, str(path.relative_to(ROOT)))
    return found


def test_every_code_raised_is_registered() -> None:
    missing = {code: where for code, where in _codes_in_source().items() if code not in ERROR_CODES}
    assert missing == {}


def test_the_registry_holds_no_code_nobody_raises() -> None:
    source = "\n".join(
        p.read_text(encoding="utf-8") for p in ROOT.rglob("*.py") if p.name != "error_codes.py"
    )
    dynamic = {c for c in ERROR_CODES if c.startswith("invalid_") or c.endswith(("_required", "_too_long"))}
    unused = {c for c in ERROR_CODES - dynamic if f'"{c}"' not in source}
    assert unused == set()
