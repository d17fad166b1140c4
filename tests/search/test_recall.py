"""Recall equals an exact LIKE scan: every ticket whose text contains the word is found, and
only those — whatever the segmenter made of the word in context (南京市长江大桥 is cut
南京市 / 长江大桥, yet 市长 finds it)."""

from __future__ import annotations

import random

import pytest
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.search import services
from hotline.search.services import search
from hotline.tickets.models import Ticket
from tests.factories import PersonFactory, register

# phrases jieba cuts differently in context than alone, and a small alphabet, so that random
# substrings cross word boundaries and occur in many tickets
PHRASES = [
    "南京市长江大桥",
    "研究生命起源",
    "结婚的和尚未结婚的",
    "乒乓球拍卖完了",
    "发展中国家兔",
    "物业公司停水",
]
ALPHABET = "市长江大桥研究生命物业公司停水电费"
FIELDS = ("subject", "description", "demand", "respondent_name", "respondent_address", "region")
FIELDS += ("complainant_name", "complainant_address", "complainant_email", "complainant_id_number")


def _text(rng: random.Random) -> str:
    parts = [
        rng.choice(PHRASES) if rng.random() < 0.5 else "".join(rng.choices(ALPHABET, k=rng.randint(1, 6)))
        for _ in range(rng.randint(1, 5))
    ]
    return "".join(parts)


@pytest.fixture
def corpus(users):
    rng = random.Random(20261130)
    for i in range(24):
        register(
            users["agent"],
            subject=_text(rng)[:60] or "空",
            description=_text(rng),
            demand=_text(rng) if i % 3 else "",
            complainant=PersonFactory(name="王五", address="江州市长江路1号"),
        )
    return Ticket.objects.all()


def like_scan(word: str) -> set[int]:
    match = Q()
    for name in FIELDS:
        match |= Q(**{f"{name}__icontains": word})
    return set(Ticket.objects.filter(match).values_list("pk", flat=True))


def like_scan_all(q: str) -> set[int]:
    """Every whitespace-separated term found by the LIKE scan."""
    sets = [like_scan(term) for term in q.split()]
    return set.intersection(*sets)


def found(user, word: str) -> set[int]:
    return {hit.ticket.pk for hit in search(user, word, page_size=100).hits}


@pytest.mark.parametrize("first_pass", [True, False], ids=["as-is", "indexes-only"])
def test_a_word_the_segmenter_never_cuts_is_found(users, corpus, monkeypatch, first_pass):
    if not first_pass:  # PostgreSQL's first pass off: the lexeme and trigram indexes alone
        monkeypatch.setattr(services, "_first_pass", lambda *args: None)
    for word in ("市长", "京市长", "尚未", "拍卖", "国家兔", "司停", "市长 江大"):
        assert found(users["admin"], word) == like_scan_all(word), word


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_recall_equals_like_scan(users, corpus, monkeypatch, data):
    if data.draw(st.booleans(), label="indexes only"):
        monkeypatch.setattr(services, "_first_pass", lambda *args: None)
    else:
        monkeypatch.undo()
    texts = list(corpus.values_list("description", flat=True))
    if data.draw(st.booleans(), label="substring of a ticket"):
        text = data.draw(st.sampled_from(texts), label="ticket")
        start = data.draw(st.integers(0, max(0, len(text) - 1)), label="start")
        word = text[start : start + data.draw(st.integers(1, 5), label="length")]
    else:
        word = "".join(data.draw(st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=4), label="chars"))
    assert found(users["admin"], word) == like_scan(word)
