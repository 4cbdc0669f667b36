"""Registry errors; the API maps each to its HTTP status, the CLI to exit codes."""

from __future__ import annotations


class RegistryError(Exception):
    status = 400
    kind = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Unauthorized(RegistryError):
    status = 401
    kind = "unauthorized"


class Forbidden(RegistryError):
    status = 403
    kind = "forbidden"


class NotFound(RegistryError):
    status = 404
    kind = "not_found"


class Conflict(RegistryError):
    """A refused state change; ``reason`` is a stable code (e.g. ``exceeds_line``)."""

    status = 409
    kind = "conflict"

    def __init__(self, reason: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.reason = reason


class Invalid(RegistryError):
    """Field-level validation errors: ``errors`` is a list of (field, message)."""

    status = 422
    kind = "value_error"

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors), field=errors[0][0])
        self.errors = errors
