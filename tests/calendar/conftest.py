from __future__ import annotations

from collections.abc import Iterator

import pytest

from hotline.calendar import services


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    """Each test starts and ends with no calendar cached in this process."""
    services.reset_calendar_cache()
    yield
    services.reset_calendar_cache()
