"""Typer's per-option value coercion, built only for the values that need it.

Typer (from 0.2x) coerces every option's value through a pydantic
``TypeAdapter`` it builds for the option the first time a value is
processed, even when the value is ``None`` (the option was not given) or
already of the option's type (a default). Building one imports pydantic's
adapter machinery and generates a schema: most of what a command's
parsing costs. :func:`defer` gives each option a coercion that returns such
values as they are, exactly as the adapter would, and builds the adapter the
first time a value needs it (a flag the user gave as text: an integer, a
path), so that answers and error messages are Typer's own. A choice given
as text (``--format json``) is matched by the function Typer's choice
adapter calls (:func:`choice`); a text that matches no choice goes through
the adapter, for Typer's error.

Imported only where it is used (:func:`lanthanide.cli.common.defer_coercion`);
with a Typer that has no such coercion the import fails and nothing is
changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer._param_types import choice_coercion_annotation, coerce_cli_choice

_NO = object()


@dataclass(frozen=True)
class Deferred(RuntimeParam):
    """A parameter's coercion: values of the parameter's type as they are,
    anything else through the coercion Typer builds (once, on first need)."""

    descriptor: TypeDescriptor

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        if as_is(self.descriptor, value):
            return value
        chosen = choice(self.descriptor, value, ctx)
        if chosen is not _NO:
            return chosen
        real = build_runtime_param(self.descriptor)
        param._runtime_param = real  # built once; later values go straight to it
        return real._coerce_value(value, param=param, ctx=ctx)


def as_is(descriptor: TypeDescriptor, value: Any) -> bool:
    """Whether Typer's coercion returns ``value`` unchanged: a ``str`` for a
    ``str`` option, a member of an option's enumeration, an ``int`` for an
    ``int`` option without bounds (Typer's adapters: ``str(value)``, the
    member itself, ``int`` in lax mode). Never for a custom parser, a file,
    a list or a tuple."""
    annotation = descriptor.annotation
    info = descriptor.parameter_info
    if info.parser is not None or descriptor.file_annotation is not None:
        return False
    if annotation is str:
        return type(value) is str
    if annotation is int:
        return type(value) is int and info.min is None and info.max is None
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return isinstance(value, annotation)
    return False


def choice(descriptor: TypeDescriptor, value: Any, ctx: Any) -> Any:
    """The choice a text names for an option of an enumeration or a literal
    type, as Typer's choice adapter gives it (the adapter is
    ``coerce_cli_choice`` of the value in a pydantic ``BeforeValidator`` on
    ``Any``); ``_NO`` when the text names none (the adapter then says why)
    or the option is not a plain choice."""
    info = descriptor.parameter_info
    if type(value) is not str or info.parser is not None or descriptor.file_annotation is not None:
        return _NO
    found = choice_coercion_annotation(descriptor.annotation, info)
    if found is None:
        return _NO
    choices, case_sensitive = found
    try:
        return coerce_cli_choice(value, choices=choices, case_sensitive=case_sensitive, ctx=ctx)
    except ValueError:
        return _NO


def defer(params: Iterable[Any]) -> None:
    """Give each Typer parameter of ``params`` whose coercion is not built
    yet a :class:`Deferred` one (others, and click's own, are left alone)."""
    for p in params:
        descriptor = getattr(p, "type_descriptor", None)
        if isinstance(descriptor, TypeDescriptor) and getattr(p, "_runtime_param", 0) is None:
            p._runtime_param = Deferred(
                parameter_info=descriptor.parameter_info,
                annotation=descriptor.annotation,
                descriptor=descriptor,
            )
