"""OpenAPI details drf-spectacular cannot infer (registered in ``ApiConfig.ready``)."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from drf_spectacular.extensions import OpenApiSerializerExtension

if TYPE_CHECKING:
    from drf_spectacular.openapi import AutoSchema

STRICT_NOTE = "未在此列出的字段一律拒绝(400,code 为 unknown_field,fields 列出这些字段)"


class StrictSerializerSchema(OpenApiSerializerExtension):  # type: ignore[no-untyped-call]  # drf-spectacular: untyped __init_subclass__
    """Input shapes refuse unknown fields (400 ``unknown_field``): say so with
    ``additionalProperties: false`` on every request body, nested objects included."""

    target_class = "hotline.api.serializers.StrictSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema: AutoSchema, direction: Any) -> dict[str, Any]:
        from hotline.api.serializers import StrictSerializer

        schema: dict[str, Any] = auto_schema._map_serializer(  # type: ignore[no-untyped-call]  # drf-spectacular: untyped
            self.target, direction, bypass_extensions=True
        )
        if schema.get("description") == inspect.getdoc(StrictSerializer):
            del schema["description"]  # the base class's docstring, not this shape's
        if direction == "request":
            schema["additionalProperties"] = False
            own = schema.get("description")
            schema["description"] = f"{own}\n\n{STRICT_NOTE}" if own else STRICT_NOTE
        return schema
