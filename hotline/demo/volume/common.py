"""Shared by the volume generator's modules: type aliases, the tunable mix (shares,
rates, texts), weighted picks and the run's result."""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Final, Generic, Literal, TypeVar

from hotline.demo.journey import FORWARD as JOURNEY_FORWARD

T = TypeVar("T")
History = Literal["full", "minimal"]
Row = tuple[dict[str, Any], list[dict[str, Any]]]  # a ticket's columns and its events, by attname
Batch = list[Row]
Progress = Callable[[int, int, float], None]  # (tickets done, events done, seconds)

MAX_DAILY_SEQUENCE: Final = 999_999
YEARLY_GROWTH: Final = 1.25  # this year's volume / last year's
STALL_RATE: Final = 0.002  # tickets that stop moving somewhere (the old open backlog)
FORWARD: Final = tuple(JOURNEY_FORWARD)  # the happy path, as the demo walks it
# type: (share, rejected, answered on the spot, returned by the unit, dissatisfied, suspended)
TYPE_MIX: Final[dict[str, tuple[float, float, float, float, float, float]]] = {
    "complaint": (0.45, 0.05, 0.08, 0.05, 0.10, 0.04),
    "consultation": (0.25, 0.01, 0.75, 0.02, 0.03, 0.01),
    "help": (0.12, 0.02, 0.40, 0.04, 0.08, 0.04),
    "report": (0.08, 0.08, 0.00, 0.06, 0.08, 0.06),
    "suggestion": (0.07, 0.04, 0.20, 0.03, 0.05, 0.01),
    "praise": (0.03, 0.00, 0.70, 0.00, 0.00, 0.00),
}
CHANNELS: Final = {
    "phone": 55,
    "web": 20,
    "sms": 5,
    "email": 4,
    "letter": 4,
    "visit": 5,
    "transfer": 4,
    "media": 1,
    "fax": 0.5,
    "internal": 1.5,
}
DELAYED_CHANNELS: Final = frozenset({"letter", "fax", "email", "transfer", "media"})  # registered later
HOUR_WEIGHTS: Final = (1, 1, 0, 0, 0, 1, 2, 4, 9, 11, 11, 10, 7, 8, 10, 10, 9, 8, 6, 5, 4, 3, 2, 1)
SEVERITIES: Final = {"normal": 88, "major": 9, "urgent": 3}
CUSTOMER_CLASSES: Final = {"": 70, "A": 4, "B": 8, "C": 10, "D": 5, "VIP": 3}
SATISFIED: Final = {"very_satisfied": 30, "satisfied": 55, "neutral": 15}
EXTRA_DEPARTMENTS: Final = (
    "教育局",
    "卫生健康局",
    "交通运输局",
    "生态环境局",
    "水利局",
    "农业农村局",
    "文化广电旅游局",
    "人力资源和社会保障局",
    "民政局",
    "自然资源和规划局",
    "应急管理局",
    "商务局",
    "医疗保障局",
    "城市管理局",
    "公安分局",
    "供电公司",
    "自来水公司",
    "燃气公司",
)
REPLY_TEXT: Final = "经核查,情况属实,已责令整改并答复诉求人,诉求人表示认可。"
INSTRUCTION_TEXT: Final = "请责任单位高度重视,依法依规办理,按时反馈。"
CLOSE_TEXT: Final = "诉求已办结"
ON_THE_SPOT_TEXT: Final = "已当场答复"
SUSPEND_REASON: Final = "需等待检测结果"
RETURN_REASON: Final = "不属于本单位职责范围,请重新派单"
ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


class _Weighted(Generic[T]):
    """``random.choices(items, weights)[0]`` without rebuilding the cumulative weights."""

    def __init__(self, weights: Mapping[T, float] | Sequence[tuple[T, float]]) -> None:
        pairs = list(weights.items()) if isinstance(weights, Mapping) else list(weights)
        self.items = [item for item, _w in pairs]
        self.cumulative = list(accumulate(w for _i, w in pairs))

    def pick(self, rng: random.Random) -> T:
        index = bisect(self.cumulative, rng.random() * self.cumulative[-1])
        return self.items[min(index, len(self.items) - 1)]


@dataclass(frozen=True)
class GenerateResult:
    tickets: int
    events: int
    seconds: float
    seed: int

    @property
    def rows_per_second(self) -> float:
        return (self.tickets + self.events) / self.seconds if self.seconds else 0.0
