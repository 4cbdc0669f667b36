"""The one shape of a bad-input error: the field at fault and what is wrong.

Interfaces turn a :class:`FieldError` into an HTTP 4xx or exit code 2 naming
``field``; domain packages subclass it so that each says where it came from.
"""

from __future__ import annotations


class FieldError(ValueError):
    """Bad input. ``field`` names the argument, column or field at fault;
    ``message`` says what is allowed."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")
