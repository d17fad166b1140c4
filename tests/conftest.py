from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from hotline.demo.seed import DemoOrg, seed_org

PASSWORD = "pw-test-123"

# Hypothesis's per-example deadline is a timing check, not a behaviour: on a loaded 2-core CI
# machine it fails properties that are right. Speed is measured in bench/, never by tests.
hypothesis_settings.register_profile("hotline", deadline=None)
hypothesis_settings.load_profile("hotline")

# Each test run gets its own Huey queue, so runs sharing one Redis never take each
# other's tasks (scripts/test sets it too, before Django reads the settings).
os.environ.setdefault("HOTLINE_HUEY_NAME", f"test-{uuid.uuid4().hex[:8]}")


def pytest_configure(config: Any) -> None:
    """Tests hash many demo passwords; production's PBKDF2 costs ~0.3 s each."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org(db: Any) -> DemoOrg:
    """The demo organisation (city, centre, two counties, departments) and one user per role."""
    return seed_org(password=PASSWORD, policy="enterprise")


@pytest.fixture
def fresh_numbers(db: Any) -> None:
    """The day counters behind ticket numbers start empty. On PostgreSQL they are written
    apart from the test's transaction (``hotline.tickets.numbering``) and so outlive its
    rollback: a test that asserts on them clears them first, on that same connection."""
    from django.db import connection

    apart = getattr(connection, "apart", None)
    if apart is not None:
        with apart().cursor() as cursor:
            cursor.execute("DELETE FROM tickets_dailysequence")


@pytest.fixture
def users(org: DemoOrg) -> dict[str, Any]:
    return org.users


@pytest.fixture
def api() -> Any:
    """``api(user)`` → an APIClient logged in as ``user`` (or anonymous)."""

    def make(user: Any = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A request that chose English must not leave it active for the next test."""
    yield
    from django.utils import translation

    translation.deactivate()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """PostgreSQL-only tests (EXPLAIN plans, row locks, triggers) skip themselves on another
    database, so a plain ``pytest`` on the embedded SQLite passes; scripts/test runs them on
    PostgreSQL."""
    if item.get_closest_marker("postgres_only") is None:
        return
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (runs in scripts/test's PostgreSQL pass)")
