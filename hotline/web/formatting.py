"""How the workbench prints times and names: deadlines that end at midnight, people.

A natural-day limit ends at 24:00 of its last day (民法典 art. 201–203), stored as 00:00
of the next day. Printed as "12-06 00:00" it reads as a day later than the rule says, so
a deadline at exactly midnight is printed as "12-05 24:00" of the day it ends.
"""

from __future__ import annotations

from typing import Any

from hotline.core.formatting import FULL, SHORT, deadline_text

__all__ = ["FULL", "SHORT", "deadline_text", "person_name"]


def person_name(user: Any) -> str:
    """A person as the screens name them: full name, else the user name; ``""`` for nobody."""
    if user is None:
        return ""
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return str(full or getattr(user, "username", "") or "")
