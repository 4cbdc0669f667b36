"""What every CLI module shares: the one :class:`~lanthanide.Lanthanide` of the
process, the two consoles, the output path (:func:`emit`) and the error path
(:class:`Group` turns every bad-input error into exit code 2 naming the flag;
:func:`fail` prints it)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperArgument, TyperGroup

if TYPE_CHECKING:
    from lanthanide._client import Lanthanide

out = Console(soft_wrap=False, markup=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, markup=False, width=None if sys.stderr.isatty() else 160)

T = TypeVar("T")


class Fmt(StrEnum):
    json = "json"
    table = "table"


def client(rulebook: list[Path] | None = None) -> Lanthanide:
    """The process's public-API object (the bundled rulebook), or, when
    ``--rulebook DIR`` overlays are given, one with those overlays on top."""
    from lanthanide._client import Lanthanide, default

    if rulebook:
        for d in rulebook:
            if not d.is_dir():
                fail(f"--rulebook: {d} is not a directory")
        return Lanthanide(overlays=list(rulebook))
    return default()


RULEBOOK_HELP = (
    "Overlay directory of instrument YAML loaded on top of the bundled rulebook "
    "(repeatable; default: LANTHANIDE_RULEBOOK_PATH)."
)


# ---------------------------------------------------------------- output
def print_json(data: Any, *, indent: int | None = 2, ensure_ascii: bool = False) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=ensure_ascii, indent=indent) + "\n")


def emit(
    fmt: Fmt, data: T, table: Callable[[T], None], to_json: Callable[[T], Any] | None = None
) -> None:
    """The one output path: ``data`` as JSON (through ``to_json``, its
    serializer, when it is not JSON-ready) or rendered by ``table``."""
    if fmt is Fmt.json:
        print_json(data if to_json is None else to_json(data))
    else:
        table(data)


# ----------------------------------------------------------------- errors
def fail(message: str, code: int = 2) -> NoReturn:
    """Print an error naming the flag and what is allowed; exit (2: bad input)."""
    err.print(f"[bold red]Error:[/] {escape(message)}", markup=True, highlight=False)
    raise typer.Exit(code)


def flag(command: Any, field: str) -> str:
    """The flag or argument of ``command`` that carries ``field`` (a parameter
    name of the public API): ``top`` -> ``--top``, ``text`` -> ``TEXT``."""
    if field.startswith("-") or field.isupper():
        return field  # already a flag (screening names its flags itself)
    for p in getattr(command, "params", ()):
        if p.name == field:
            if isinstance(p, TyperArgument):
                return field.upper()
            return str(max(p.opts, key=len))
    return field


def output_path(path: Path, name: str, *, inputs: tuple[Path, ...] = ()) -> Path:
    """``path`` if a file can be written there, else exit 2 naming the flag
    ``name``: not a directory, its directory exists, and not the same file as
    any of ``inputs`` (also through a symbolic link or a relative path), so
    that nothing is overwritten before the work starts."""
    if path.is_dir():
        fail(f"{name}: {path} is a directory; give a file name")
    parent = path.resolve().parent
    if not parent.is_dir():
        fail(f"{name}: the directory {parent} does not exist")
    for given in inputs:
        if path.resolve() == given.resolve() or (
            path.exists() and given.exists() and os.path.samefile(path, given)
        ):
            fail(f"{name}: {path} is the input file {given}; write to another file")
    return path


# The case fields no single flag of `lanthanide check` carries.
_CASE_FLAGS = {"item": "--item/--hs/--text"}


DOMAIN_ERRORS = {
    "case": ("lanthanide.decide.model", "CaseError"),
    "screen": ("lanthanide.screen.engines", "InputError"),
    "supply": ("lanthanide.supply.queries", "QueryError"),
    "registry": ("lanthanide.registry.errors", "RegistryError"),
}
"""The errors the CLI reports as bad input, by where they are defined (they
are looked up only once their module is loaded, so that the CLI imports
nothing heavy; a test checks that each entry names the class)."""


def _loaded(kind: str) -> type[BaseException] | None:
    """A domain error class, if its module is loaded (else nothing raised it)."""
    module, name = DOMAIN_ERRORS[kind]
    mod = sys.modules.get(module)
    cls = getattr(mod, name, None) if mod is not None else None
    return cls if isinstance(cls, type) and issubclass(cls, BaseException) else None


def _messages(exc: BaseException, command: Any) -> tuple[list[str], int] | None:
    """The error lines and exit code for a domain error, or None if it is not one."""
    case_error = _loaded("case")
    if case_error is not None and isinstance(exc, case_error):
        field, message = str(getattr(exc, "field", "")), str(getattr(exc, "message", ""))
        if field.startswith("params."):
            name = "--param " + field.split(".", 1)[1]
        else:
            name = _CASE_FLAGS.get(field) or flag(command, field)
        return [f"{name}: {message}"], 2
    for kind in ("screen", "supply"):
        cls = _loaded(kind)
        if cls is not None and isinstance(exc, cls):
            field, message = str(getattr(exc, "field", "")), str(getattr(exc, "message", ""))
            name = flag(command, field)
            if not name.startswith("-") and not name.isupper():
                name = f"--{name}"
            return [f"{name}: {message}"], 2
    registry_error = _loaded("registry")
    if registry_error is not None and isinstance(exc, registry_error):
        from lanthanide.registry.errors import Conflict, Invalid, RegistryError

        assert isinstance(exc, RegistryError)
        if isinstance(exc, Invalid):
            return [f"{flag(command, f)}: {m}" for f, m in exc.errors], 2
        name = flag(command, exc.field) if exc.field else ""
        return [f"{name + ': ' if name else ''}{exc.message}"], (
            2 if isinstance(exc, Conflict) else 1
        )
    return None


class Group(TyperGroup):
    """A command group with the CLI's one error path: a domain error raised
    by any command below it becomes ``Error: FLAG: message`` on stderr and
    exit code 2 (1 for a registry refusal that is not bad input), never a
    traceback."""

    # ``ctx`` and the command are typer's vendored click types, which it does
    # not export; hence ``Any``.
    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, cmd, rest = super().resolve_command(ctx, args)
        ctx.meta["lanthanide.command"] = cmd  # meta is shared by the sub-contexts
        return name, cmd, rest

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            found = _messages(exc, ctx.meta.get("lanthanide.command"))
            if found is None:
                raise
            lines, code = found
            for line in lines:
                err.print(f"[bold red]Error:[/] {escape(line)}", markup=True, highlight=False)
            raise typer.Exit(code) from None
