"""Page-number pagination whose total is counted only up to a cap.

An exact ``COUNT(*)`` over every ticket a coordinator may see costs a full index scan at a
million rows (~240 ms). Nobody pages through ten thousand tickets: past the cap the
response says ``count_capped: true`` and ``count`` is the cap, and the last page is the
last page within the cap (narrow the filter to go further).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from django.core.paginator import Paginator
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

COUNT_CAP = 10_000

if TYPE_CHECKING:
    # django-stubs makes Paginator generic in its items; Django's class cannot be subscripted
    # at run time, so only the type checker sees the parameter.
    _Paginator = Paginator[Any]
else:
    _Paginator = Paginator


class CappedPaginator(_Paginator):
    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        # COUNT over "SELECT ... LIMIT cap+1": stops after cap+1 index entries
        # the API pages querysets (or, for a list read as tuples, what they come from)
        rows = cast("QuerySet[Any]", getattr(self.object_list, "count_source", self.object_list))
        # only the key in the subquery: what a list reads of joined tables is not counted
        return min(rows.order_by().values("pk")[: self.cap + 1].count(), self.cap + 1)

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        from math import ceil

        hits = max(1, min(self.count, self.cap) - self.orphans)
        return ceil(hits / self.per_page)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data: Any) -> Response:
        paginator: Any = self.page.paginator  # type: ignore[union-attr]
        capped = paginator.capped
        return Response(
            {
                "count": min(paginator.count, paginator.cap),
                "count_capped": capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        base = super().get_paginated_response_schema(schema)
        base["properties"]["count_capped"] = {
            "type": "boolean",
            "description": f"true when more than {COUNT_CAP} rows match; count is then {COUNT_CAP}",
        }
        base["required"] = [*base.get("required", []), "count_capped"]
        return base
