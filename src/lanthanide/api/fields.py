"""Request field types and response declarations shared by the routers.

:data:`IsoDate` is a date given exactly as ``YYYY-MM-DD``: pydantic's lax
date parsing would otherwise read ``on=0`` (or any number) as a Unix
timestamp and answer for 1970-01-01. :func:`domain_422` declares, in the
OpenAPI description, the 422 a route gives for a value its schema cannot
rule out (an unknown code, a cross-field rule, a year without data).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

__all__ = ["ISO_DATE", "PARAM", "IsoDate", "NameValue", "NonBlank", "domain_422"]

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_only(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise ValueError(f"{value!r} is not a date; use YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date; use YYYY-MM-DD") from None


IsoDate = Annotated[date, BeforeValidator(_iso_only)]
"""A calendar date written ``YYYY-MM-DD`` and nothing else (no timestamps)."""


def _not_blank(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        raise ValueError("is blank; give a value or leave the field out")
    return value


NonBlank = Annotated[str, BeforeValidator(_not_blank), Field(json_schema_extra={"pattern": r"\S"})]
"""A string with at least one character that is not whitespace (Unicode,
including the ideographic space U+3000); the schema says so with ``pattern``."""

PARAM = r"^[^=]*[^=\s][^=]*=[\s\S]*\S"
"""``name=value``: a name before the first ``=`` and a value after it, neither blank."""


def _name_value(value: Any) -> Any:
    if isinstance(value, str) and not re.match(PARAM, value):
        raise ValueError(f"{value!r} must look like name=value")
    return value


NameValue = Annotated[
    str, BeforeValidator(_name_value), Field(json_schema_extra={"pattern": PARAM})
]
"""A repeatable ``param=name=value`` query value."""


_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "msg", "type"],
                "properties": {
                    "loc": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                    },
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        }
    },
}


def domain_422(
    why: str, more: dict[int | str, dict[str, Any]] | None = None
) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: its 422 (the one error shape, ``loc``
    naming the field) with ``why`` as the description, plus ``more``
    (e.g. ``{404: {"description": ...}}``)."""
    out: dict[int | str, dict[str, Any]] = {
        422: {
            "description": f"Invalid field (``loc`` names it): {why}",
            "content": {"application/json": {"schema": _ERROR_SCHEMA}},
        }
    }
    out.update(more or {})
    return out
