"""Request body parsers: DRF's JSON parser with a nesting limit.

Python's JSON decoder recurses once per level, so a body nested ~1,000 deep raised a
``RecursionError`` (a 500) before any view ran — on the unauthenticated endpoints too. No
request body of this API is deeper than three levels (ticket → links → link); anything past
``MAX_JSON_DEPTH`` is refused as malformed (400) before a serializer sees it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_JSON_DEPTH = 32
TOO_DEEP = f"JSON 嵌套层级过深(最多 {MAX_JSON_DEPTH} 层)"


def json_depth_exceeds(data: Any, limit: int) -> bool:
    """True when ``data`` nests lists/objects more than ``limit`` levels (iterative, no recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """``application/json`` with a depth limit; the API's only JSON parser (settings)."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(TOO_DEEP)
        return data
