"""The worklist source (registered by ``hotline.web.exports``) holds exactly the tickets the
worklist page shows for the same query string."""

from __future__ import annotations

import pytest
from django.utils import timezone

from hotline.core.errors import Forbidden
from hotline.exports.sources import get_source
from hotline.web import selectors
from hotline.web.forms_work import WorklistFilterForm
from tests.factories import register

pytestmark = pytest.mark.django_db


def _page_numbers(user, params):
    form = WorklistFilterForm(params, stages=selectors.stage_choices(selectors.packs_in_use(user)))
    filters = form.filters()
    tab = form.cleaned_data.get("tab") or "unit"
    page = selectors.worklist(user, tab=tab, filters=filters, page=1, now=timezone.now())
    return [row.ticket.number for row in page.rows]


def _export_numbers(user, params):
    listing = get_source("worklist").listing(user, params, now=timezone.now())
    return [row[0] for row in listing.rows()]


@pytest.mark.parametrize(
    "params",
    [{"tab": "unit"}, {"tab": "mine"}, {"tab": "unit", "q": "噪声"}, {"tab": "unit", "type": "consultation"}],
)
def test_worklist_export_equals_the_page(users, tickets, params):
    register(users["agent"], subject="噪声扰民", type="consultation")
    for role in ("agent", "coordinator"):
        user = users[role]
        assert _export_numbers(user, params) == _page_numbers(user, params), (role, params)


def test_an_invalid_filter_is_dropped_as_the_page_drops_it(users, tickets):
    coordinator = users["coordinator"]
    assert _export_numbers(coordinator, {"tab": "unit", "severity": "bogus"}) == _page_numbers(
        coordinator, {"tab": "unit"}
    )


def test_a_user_without_a_worklist_may_not_export_it(db):
    from tests.factories import UserFactory

    with pytest.raises(Forbidden) as refused:
        get_source("worklist").listing(UserFactory(), {}, now=timezone.now())
    assert refused.value.code == "export_forbidden"
