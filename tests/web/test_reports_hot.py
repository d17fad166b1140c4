"""Hot topics (热点): the category and the words that grew most against the period before
come first; the page fragment shows them and links a category to its tickets."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.urls import reverse

from hotline.reports.hot import hot_categories, hot_words, words
from hotline.reports.selectors import Range
from hotline.tickets.models import Category
from tests.factories import register
from tests.helpers import local


def _tickets(users: dict[str, Any], month: str, category: str, subject: str, n: int) -> None:
    for i in range(n):
        register(
            users["agent"],
            now=local(f"2026-{month}-{2 + i:02d} 09:00"),
            category=category,
            subject=subject,
            description="详见来电记录。",
        )


def world(users: dict[str, Any]) -> None:
    # February: noise 3, food 2, price 4; March: noise 3 (flat), food 6 (+4), price 1 (falling)
    _tickets(users, "02", "city.noise", "夜间施工噪声扰民", 3)
    _tickets(users, "02", "product.food", "超市销售过期食品", 2)
    _tickets(users, "02", "product.price", "停车场乱收费", 4)
    _tickets(users, "03", "city.noise", "夜间施工噪声扰民", 3)
    _tickets(users, "03", "product.food", "餐馆食物中毒腹泻", 6)
    _tickets(users, "03", "product.price", "停车场乱收费", 1)


def test_the_fastest_growing_category_comes_first(users):
    world(users)
    ranked, previous = hot_categories(users["coordinator"], date(2026, 3, 1), date(2026, 3, 31))
    food = Category.objects.get(code="product.food")
    assert ranked[0].key == str(food.pk) and ranked[0].label == food.name
    assert (ranked[0].value, ranked[0].previous, ranked[0].increase, ranked[0].growth) == (6, 2, 4, 200.0)
    # flat and falling categories are not hot
    assert [h.key for h in ranked] == [str(food.pk)]
    assert previous == Range(date(2026, 1, 29), date(2026, 2, 28))  # 31 days before


def test_a_new_category_ranks_by_its_increase(users):
    world(users)
    _tickets(users, "03", "city.property", "物业乱收费停水", 7)
    ranked, _ = hot_categories(users["coordinator"], date(2026, 3, 1), date(2026, 3, 31))
    assert [h.label for h in ranked] == ["物业管理", "食品安全"]
    assert ranked[0].growth is None  # none the period before: new


def test_hot_words_rank_the_growing_words_first(users):
    world(users)
    found = hot_words(
        users["coordinator"],
        Range(date(2026, 3, 1), date(2026, 3, 31)),
        Range(date(2026, 2, 1), date(2026, 2, 28)),
    )
    top = [w.key for w in found.words]
    assert top and set(top[:2]) <= words("餐馆食物中毒腹泻")
    assert found.words[0].value == 6 and found.words[0].previous == 0
    assert not any(w in top for w in words("停车场乱收费") | words("夜间施工噪声扰民"))
    assert not found.sampled


def test_words_drop_the_common_ones():
    assert "投诉" not in words("投诉餐馆食物中毒")
    assert "餐馆" in words("投诉餐馆食物中毒")
    assert all(len(w) >= 2 for w in words("我在超市买了过期的牛奶"))


def test_hot_topics_fragment_and_scope(client, users):
    world(users)
    client.force_login(users["coordinator"])
    url = reverse("web:reports-hot")
    html = client.get(
        url, {"from": "2026-03-01", "to": "2026-03-31"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="hot-topics"
    ).content.decode()
    assert "<html" not in html  # the fragment only
    table = html[html.index('id="hot-categories"') :]
    first = re.search(r'<tr data-key="(\d+)"><td>1</td><th scope="row">([^<]+)</th>', table)
    assert first and first.group(2) == "食品安全"
    assert "上期(2026-02-01 — 2026-02-28)" in html or "2026-02-01 — 2026-02-28" in html  # a calendar month
    link = re.search(r'<a href="([^"]+)" class="drill-link">6</a>', table)
    assert link
    body = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert len(re.findall(r'<tr id="row-', body)) == 6
    # without JavaScript: a whole page
    page = client.get(url, {"from": "2026-03-01", "to": "2026-03-31"}).content.decode()
    assert "<html" in page and 'id="hot-categories"' in page
    # a department head with none of these tickets: nothing hot
    client.force_login(users["head2"])
    html = client.get(url, {"from": "2026-03-01", "to": "2026-03-31"}).content.decode()
    assert "食品安全" not in html


def test_a_bad_range_in_the_hot_fragment_is_readable(client, users):
    client.force_login(users["coordinator"])
    response = client.get(reverse("web:reports-hot"), {"from": "2026-03-31", "to": "2026-03-01"})
    assert response.status_code == 400
    assert 'data-code="invalid_range"' in response.content.decode()
