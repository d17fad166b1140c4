"""Parsing small pieces of user input without surprises."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]{1,9}")


def small_int(value: str) -> int | None:
    """``value`` as a non-negative int if it is 1–9 ASCII digits, else None.

    ``str.isdigit`` accepts characters ``int`` refuses ("²", "①"), which would turn bad
    input into a server error.
    """
    return int(value) if _DIGITS.fullmatch(value) else None
