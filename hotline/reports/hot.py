"""Hot topics (热点) of a period: the categories and the words that grew fastest against the
period before it.

- **Categories**: the ``received`` measure by category (as stored, the leaf) for the period
  and the one before it — one ``stats`` call, so the numbers are the report's own. Ranked by
  the increase in tickets, then by the growth rate, then by the count.
- **Words**: the words of the tickets' subjects and descriptions received in each period,
  counted once per ticket (document frequency), ranked the same way. Words are rjieba's
  precise-mode cut, two Han characters or more, less a short list of words every complaint
  uses. The search index (``hotline.search``) cannot serve here: its tokens hold every Han
  bigram beside the words (for exact recall), and ``reports`` may not import ``search``
  (they are independent layers). At most ``SAMPLE`` tickets are read per period (the most
  recent ones); a larger period is sampled and its counts scaled, which the page says.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

import rjieba
from django.db.models.functions import Substr

from hotline.core.types import AnyUser
from hotline.reports.facts import TZ
from hotline.reports.measures import MEASURES, Dimension
from hotline.reports.query import Filters, StatsQuery, check_may_view_stats
from hotline.reports.selectors import Range, stats
from hotline.workflow.access import tickets_visible_to

SAMPLE: Final = 3000  # tickets read per period for the words
TEXT_CHARS: Final = 300  # of the description: the gist, not the whole letter
MIN_COUNT: Final = 2  # a word must be in this many tickets of the period to be hot
_HAN_WORD: Final = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")
# Words nearly every ticket has: they say nothing about what is hot.
STOPWORDS: Final = frozenset(
    """
    投诉 举报 咨询 建议 求助 表扬 反映 要求 希望 市民 来电 来信 诉求 表示 称 问题 情况 相关
    处理 进行 没有 一个 已经 我们 他们 自己 这个 那个 什么 怎么 为什么 可以 不能 还是 但是
    因为 所以 如果 现在 目前 之前 之后 时候 今天 昨天 明天 多次 一直 无法 不予 本人 该 其
    相关部门 部门 工作人员 及时 尽快 给予 请求 协调 解决 核实 回复 联系 电话 地址
    """.split()
)


@dataclass(frozen=True)
class Hot:
    """One hot category or word: its count in the period and the one before."""

    key: str  # the category's id (a stats cell key) or the word
    label: str
    value: float
    previous: float

    @property
    def increase(self) -> float:
        return self.value - self.previous

    @property
    def growth(self) -> float | None:
        """Percent over the previous period; ``None`` when there was none before (new)."""
        if not self.previous:
            return None
        return round(100 * (self.value - self.previous) / self.previous, 1)


def _rank(items: Iterable[Hot], limit: int) -> list[Hot]:
    growing = [h for h in items if h.increase > 0]
    growing.sort(key=lambda h: (-h.increase, -(h.growth if h.growth is not None else 1e9), -h.value, h.label))
    return growing[:limit]


def hot_categories(
    user: AnyUser,
    date_from: date,
    date_to: date,
    filters: Filters | None = None,
    *,
    period: Dimension | None = None,
    limit: int = 10,
    now: datetime | None = None,
) -> tuple[list[Hot], Range]:
    """The categories whose ``received`` grew most over the previous period (``period``: the
    range is that one whole period, so "previous" is the calendar period before it; else the
    same number of days right before). Returns them and the previous range."""
    by = (Dimension("category", "category"),) + ((period,) if period is not None else ())
    query = StatsQuery((MEASURES["received"],), by, date_from, date_to, filters or Filters(), compare=True)
    result = stats(user, query, now=now)
    items = []
    for row in result.rows:
        cell = row["dimensions"][0]
        values = row["values"][0]
        items.append(Hot(cell["key"], cell["label"], values["value"] or 0, values["previous"] or 0))
    return _rank(items, limit), result.previous


def words(text: str) -> set[str]:
    """The distinct words of ``text`` that may be hot (precise-mode cut, Han, ≥ 2 characters)."""
    text = unicodedata.normalize("NFKC", text or "")
    return {w for w in rjieba.cut(text) if _HAN_WORD.fullmatch(w) and w not in STOPWORDS}


def _texts(user: AnyUser, span: Range, filters: Filters) -> tuple[Iterator[tuple[str, str]], int]:
    lo = datetime.combine(span.start, time.min, tzinfo=TZ)
    hi = datetime.combine(span.end + timedelta(days=1), time.min, tzinfo=TZ)
    qs = tickets_visible_to(user).filter(filters.q(), received_at__gte=lo, received_at__lt=hi)
    rows = list(
        qs.order_by("-received_at")
        .annotate(gist=Substr("description", 1, TEXT_CHARS))
        .values_list("subject", "gist")[: SAMPLE + 1]
    )
    if len(rows) <= SAMPLE:
        return iter(rows), len(rows)
    return iter(rows[:SAMPLE]), qs.count()


@dataclass(frozen=True)
class HotWords:
    words: list[Hot]
    sampled: bool  # counts were scaled from SAMPLE tickets of a period


def _document_frequency(user: AnyUser, span: Range, filters: Filters) -> tuple[Counter[str], float, bool]:
    texts, total = _texts(user, span, filters)
    counts: Counter[str] = Counter()
    read = 0
    for subject, gist in texts:
        read += 1
        counts.update(words(f"{subject}\n{gist}"))
    scale = total / read if read else 1.0
    return counts, scale, total > read


def hot_words(
    user: AnyUser,
    current: Range,
    previous: Range,
    filters: Filters | None = None,
    *,
    limit: int = 20,
) -> HotWords:
    """The words found in more tickets of ``current`` than of ``previous``, most grown first,
    scoped to what ``user`` sees."""
    check_may_view_stats(user)
    filters = filters or Filters()
    now_counts, now_scale, now_sampled = _document_frequency(user, current, filters)
    before, before_scale, before_sampled = _document_frequency(user, previous, filters)
    items = [
        Hot(word, word, round(n * now_scale), round(before.get(word, 0) * before_scale))
        for word, n in now_counts.items()
        if n >= MIN_COUNT
    ]
    return HotWords(_rank(items, limit), now_sampled or before_sampled)
