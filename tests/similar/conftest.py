"""Detection runs after the registration commits: tests run the commit hooks they mean to."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest

from hotline.tickets.models import Ticket
from hotline.workflow.drafts import Respondent
from tests.factories import register

SHOP = "华联超市(人民路店)"


@pytest.fixture(autouse=True)
def _worker_at_once() -> Iterator[None]:
    """The detection task runs where it is enqueued (Huey's immediate mode): the same code as
    in the worker, at once."""
    from hotline.jobs.queue import huey

    before = huey.immediate
    huey.immediate = True
    yield
    huey.immediate = before


@pytest.fixture
def registered(django_capture_on_commit_callbacks: Any) -> Callable[..., Ticket]:
    """``registered(actor, **draft)``: register and run what runs after the commit (detection)."""

    def make(actor: Any, *, now: datetime | None = None, **draft: Any) -> Ticket:
        with django_capture_on_commit_callbacks(execute=True):
            ticket = register(actor, now=now, **draft)
        return Ticket.objects.get(pk=ticket.pk)

    return make


def milk(phone: str = "13811110001", **extra: Any) -> dict[str, Any]:
    """A complaint about the shop selling expired milk."""
    return {
        "subject": "华联超市卖过期牛奶",
        "description": "我在华联超市买的牛奶过期了,超市拒绝退货,要求赔偿。",
        "complainant__phone": phone,
        "complainant__email": "",  # the factory gives every person the same e-mail and ID
        "complainant__id_number": "",
        "respondent": Respondent(name=SHOP),
        **extra,
    }
