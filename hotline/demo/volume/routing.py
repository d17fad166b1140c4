"""Where a generated matter happens and which department it is dispatched to.

A hotline dispatches by the territorial principle (属地原则) to the department whose work the
matter is: a food complaint in 东湖区 goes to 东湖区市场监督管理局, a housing matter in a
county without a housing bureau to the city's. So the volume data carries the relation the
dispatch suggestion (``hotline.similar.dispatch``) learns, and its accuracy means something:

* **region** (发生地区): named in the text when the sample names a county (东湖区…), else
  drawn among the departments' regions, each weighted by its number of departments;
* **ranking** of the departments for (the matter's own category, region): those in the
  region whose name holds a word of the category's responsible departments (``FUNCTIONS``),
  then the same at the level above (the city), then the region's others in a fixed order
  per category (a stable hash: the same every run and every process);
* **choice**: the first of the ranking (``HOME``), else the second (``SECOND``), else any
  department, busy ones more often (the pick the generator always made: a matter nobody
  expected there). A return (退单) goes on to the first of the ranking not yet tried.

The matter's own category is the sample's; the category recorded on the ticket is another
one in a fifth of the tickets (as before), so the text tells what the category may not.
Every draw here comes from its own random stream (``route_seed``): the simulator's stream
draws what it drew before, so one seed gives the same tickets as before this module, only
dispatched elsewhere and with another region.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from hotline.demo.volume.common import _Weighted
from hotline.demo.volume.org import _Department

HOME: Final = 0.75  # the usual department of (category, region)
SECOND: Final = 0.12  # the next one (noise: 城管 or 生态环境; the city's bureau or the county's)
# the rest (13 %): any department, busy ones more often

# category code (or its top level) → words of its responsible departments' names, usual first
FUNCTIONS: Final[dict[str, tuple[str, ...]]] = {
    "product.food": ("市场监督管理局", "卫生健康局"),
    "product.price": ("市场监督管理局", "商务局"),
    "product": ("市场监督管理局", "商务局"),
    "city.noise": ("城市管理局", "生态环境局", "公安分局"),
    "city.property": ("住房和城乡建设局", "城市管理局"),
    "city.housing": ("住房和城乡建设局", "自然资源和规划局"),
    "city": ("城市管理局", "住房和城乡建设局"),
    "service.attitude": ("市场监督管理局", "供电公司", "自来水公司"),
    "service.quality": ("市场监督管理局", "人力资源和社会保障局"),
    "service": ("市场监督管理局",),
    "staff": ("人力资源和社会保障局",),
}


@dataclass
class Route:
    """A matter's region and its departments in the order they would be tried."""

    region: str
    ranking: list[_Department]
    tried: set[int] = field(default_factory=set)

    def after_return(self, fallback: _Department) -> _Department:
        """Where the coordinator sends it after a return: the first of the ranking not tried."""
        chosen = next((d for d in self.ranking if d.unit.pk not in self.tried), fallback)
        self.tried.add(chosen.unit.pk)
        return chosen


class Router:
    def __init__(self, departments: Sequence[_Department], *, route_seed: int) -> None:
        self.rng = random.Random(f"route-{route_seed}")
        self.departments = list(departments)
        by_region: dict[str, list[_Department]] = {}
        for d in self.departments:
            by_region.setdefault(d.unit.region, []).append(d)
        self.by_region = {r: sorted(ds, key=lambda d: d.unit.code) for r, ds in by_region.items()}
        self.regions = _Weighted([(r, float(len(ds))) for r, ds in sorted(self.by_region.items())])
        self.short = _short_names(list(self.by_region))
        self.rankings: dict[tuple[str, str], list[_Department]] = {}

    def region_of(self, text: str) -> str:
        named = [r for r, short in self.short.items() if short and short in text]
        if len(named) == 1 and self.rng.random() < 0.95:
            return named[0]
        return self.regions.pick(self.rng)

    def ranking(self, category: str, region: str) -> list[_Department]:
        key = (category, region)
        if key not in self.rankings:
            self.rankings[key] = self._rank(category, region)
        return self.rankings[key]

    def _rank(self, category: str, region: str) -> list[_Department]:
        local = self.by_region.get(region, [])
        upper = [
            d for r, ds in self.by_region.items() if r != region and r and region.startswith(r) for d in ds
        ]
        words = FUNCTIONS.get(category) or FUNCTIONS.get(category.partition(".")[0], ())
        order: list[_Department] = []
        for pool in (local, upper):
            for word in words:
                order.extend(d for d in pool if word in d.unit.name and d not in order)
        for pool in (local, upper):
            rest = [d for d in pool if d not in order]
            order.extend(sorted(rest, key=lambda d: zlib.crc32(f"{category}|{d.unit.code}".encode())))
        return order or self.departments

    def route(self, *, category: str, text: str, fallback: _Department) -> tuple[Route, _Department]:
        """The matter's route and its first department (``fallback``: the unexpected one)."""
        region = self.region_of(text)
        ranking = self.ranking(category, region)
        draw = self.rng.random()
        if draw < HOME:
            first = ranking[0]
        elif draw < HOME + SECOND and len(ranking) > 1:
            first = ranking[1]
        else:
            first = fallback
        route = Route(region=region, ranking=ranking, tried={first.unit.pk})
        return route, first


def _short_names(regions: list[str]) -> dict[str, str]:
    """A region's own part: 江州市东湖区 → 东湖区 (what a text names); the top level keeps its
    whole name."""
    out = {}
    for r in regions:
        parents = [p for p in regions if p and p != r and r.startswith(p)]
        out[r] = r[len(max(parents, key=len)) :] if parents else r
    return out
