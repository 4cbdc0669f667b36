"""What every CLI module shares: the one :class:`~lanthanide.Lanthanide` of the
process, the two consoles, the output path (:func:`emit`) and the error path
(:class:`Group` turns every bad-input error into exit code 2 naming the flag;
:func:`fail` prints it), and :class:`LazyGroup`, the top-level group that
imports a command's module only when that command runs.

Rich is imported on first use of a console (``out``, ``err``), not with this
module, so that ``lanthanide --help`` imports nothing but Typer.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NoReturn, TypeVar

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

if TYPE_CHECKING:
    from rich.console import Console

    from lanthanide._client import Lanthanide

    out: Console
    err: Console

_CONSOLES: dict[tuple[str, bool], Console] = {}

# Rich replaces emoji codes (":smile:") in every text it renders, looking
# them up in a table of some 3,600 codes (200 kB of bytecode, imported on
# the first lookup). A text without this pattern (Rich's own, in
# ``rich._emoji_replace``; a test checks they are equal) is rendered the
# same with the lookup off.
_EMOJI_CODE = re.compile(r"(:(\S*?)(?:(?:\-)(emoji|text))?:)")


def console(which: Literal["out", "err"], *, emoji: bool = True) -> Console:
    """The process's console for standard output or standard error (made on
    first use: ``out`` and ``err`` of this module are these two);
    ``emoji=False``: the same console but that it replaces no emoji code
    (:func:`console_for`)."""
    got = _CONSOLES.get((which, emoji))
    if got is None:
        from rich.console import Console

        if which == "out":
            got = Console(
                soft_wrap=False,
                markup=False,
                emoji=emoji,
                width=None if sys.stdout.isatty() else 160,
            )
        else:
            got = Console(
                stderr=True, markup=False, emoji=emoji, width=None if sys.stderr.isatty() else 160
            )
        _CONSOLES[(which, emoji)] = got
    return got


def console_for(texts: Iterable[str], which: Literal["out", "err"] = "out") -> Console:
    """The console to render ``texts`` (every text of what is printed next:
    lines, markup, table cells, titles): one that looks up no emoji code
    when none of them holds one (the output is the same, and Rich's table
    of codes is not imported), else the usual one."""
    needs = any(_EMOJI_CODE.search(t) is not None for t in texts)
    return console(which, emoji=needs)


def __getattr__(name: str) -> Any:
    if name in ("out", "err"):
        return console(name)  # type: ignore[arg-type]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def print_error(line: str) -> None:
    """``Error: line`` in bold red on standard error (``line`` is not markup)."""
    from rich.markup import escape

    text = f"[bold red]Error:[/] {escape(line)}"
    console_for([text], "err").print(text, markup=True, highlight=False)


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
    print_error(message)
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


def defer_coercion(params: list[Any]) -> None:
    """Let Typer build an option's value coercion (a pydantic adapter) only
    for a value that needs one (:mod:`lanthanide.cli._coerce`); nothing with
    a Typer that has no such coercion."""
    try:
        from lanthanide.cli import _coerce
    except ImportError:
        return
    _coerce.defer(params)


class Command(TyperCommand):
    """A command whose options build their value coercion only when needed
    (:func:`defer_coercion`)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        defer_coercion(self.get_params(ctx))
        result: list[str] = super().parse_args(ctx, args)
        return result


class PlainGroup(TyperGroup):
    """A Typer group whose options build their value coercion only when
    needed (:func:`defer_coercion`); otherwise Typer's own."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        defer_coercion(self.get_params(ctx))
        result: list[str] = super().parse_args(ctx, args)
        return result


class Group(TyperGroup):
    """A command group with the CLI's one error path: a domain error raised
    by any command below it becomes ``Error: FLAG: message`` on stderr and
    exit code 2 (1 for a registry refusal that is not bad input), never a
    traceback."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        defer_coercion(self.get_params(ctx))
        result: list[str] = super().parse_args(ctx, args)
        return result

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
                print_error(line)
            raise typer.Exit(code) from None

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The commands with their whole summary (the first paragraph of
        their help), wrapped rather than cut at the terminal's width."""
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, summary(cmd.help or cmd.short_help or "")))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def summary(help_text: str) -> str:
    """The first paragraph of a help text, on one line."""
    return " ".join(help_text.strip().split("\n\n")[0].split())


# ------------------------------------------------------------ lazy loading
@dataclass(frozen=True, slots=True)
class LazyCommand:
    """A command of :class:`LazyGroup`: where it is defined (``module``,
    ``attr``: a command function or a :class:`typer.Typer` sub-app; ``also``:
    modules that add commands to it when imported) and the one-line
    ``summary`` the group's help shows without importing it (a test checks
    it equals the command's own)."""

    module: str
    attr: str
    summary: str
    also: tuple[str, ...] = ()

    def load(self, name: str) -> Any:
        """The command (a Typer command or group), built once per process."""
        return _load(self, name)


@cache
def _load(spec: LazyCommand, name: str) -> Any:
    obj = getattr(importlib.import_module(spec.module), spec.attr)
    for extra in spec.also:
        importlib.import_module(extra)
    if isinstance(obj, typer.Typer):
        obj.rich_markup_mode = None  # plain help, as the top level's
        cmd: Any = typer.main.get_group(obj)
    else:
        one = typer.Typer(add_completion=False, rich_markup_mode=None)
        one.command(name)(obj)
        cmd = typer.main.get_command(one)
    cmd.name = name
    _deferring(cmd)
    return cmd


def _deferring(cmd: Any) -> None:
    """Make Typer's plain commands and groups in the tree of ``cmd``
    :class:`Command` and :class:`PlainGroup` (the same but for
    :func:`defer_coercion`); a :class:`Group` defers already."""
    if type(cmd) is TyperCommand:
        cmd.__class__ = Command
    elif type(cmd) is TyperGroup:
        cmd.__class__ = PlainGroup
    if not isinstance(cmd, LazyGroup):
        for sub in getattr(cmd, "commands", {}).values():
            _deferring(sub)


class _LazyCommands(MutableMapping[str, Any]):
    """The commands of a :class:`LazyGroup`: every name is known at once, a
    command is imported and built when it is looked up."""

    def __init__(self, table: Mapping[str, LazyCommand], loaded: Mapping[str, Any]) -> None:
        self._table = table
        self._loaded = dict(loaded)

    def __getitem__(self, name: str) -> Any:
        got = self._loaded.get(name)
        if got is None:
            got = self._loaded[name] = self._table[name].load(name)
        return got

    def __setitem__(self, name: str, cmd: Any) -> None:
        self._loaded[name] = cmd

    def __delitem__(self, name: str) -> None:
        raise TypeError("the commands of the CLI are fixed")

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._table, *self._loaded]))

    def __len__(self) -> int:
        return len(dict.fromkeys([*self._table, *self._loaded]))


class LazyGroup(Group):
    """A :class:`Group` whose commands are listed in :attr:`lazy` and imported
    only when one runs (or its own help is asked for): the group's help
    lists them from their summaries, importing none."""

    lazy: ClassVar[Mapping[str, LazyCommand]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _LazyCommands(self.lazy, self.commands)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = [(name, spec.summary) for name, spec in self.lazy.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
