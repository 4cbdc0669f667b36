"""Command line: ``lanthanide check``, ``classify``, ``rules ...``, ``screen``,
``supply``/``scenario``, ``admin``/``audit``, ``serve``, ``version`` and
``cache warm``.

Thin: each command parses its flags, calls one method of the process's
:class:`~lanthanide.Lanthanide` (:func:`lanthanide.cli.common.client`) and
renders JSON or a Rich table (:func:`~lanthanide.cli.common.emit`). Bad input
exits with code 2 and a message naming the flag and the allowed values
(:class:`~lanthanide.cli.common.Group`); an invalid rulebook exits with 1.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
from typing import Any

# A command makes most of its objects at start (the modules imported from
# here on, the rulebook read from the cache) and keeps them; the cyclic
# collector's passes over them find nothing. Importing this package is
# starting the CLI: collect every 50,000 allocations rather than every 700.
gc.set_threshold(50_000, *gc.get_threshold()[1:])

import typer  # noqa: E402

from lanthanide.cli.common import LazyCommand, LazyGroup, print_error  # noqa: E402

__all__ = ["COMMANDS", "app", "main"]

_CLI = "lanthanide.cli"
COMMANDS: dict[str, LazyCommand] = {
    "check": LazyCommand(
        f"{_CLI}.check",
        "check",
        "Decide whether an export is prohibited, needs a licence, a report or a "
        "contract registration — citing the instrument, item and control point.",
    ),
    "classify": LazyCommand(
        f"{_CLI}.classify",
        "classify",
        "Find the catalogue item, control code and tariff line a text describes, "
        "with the matched terms, a confidence and the parameters found in the text.",
    ),
    "impact": LazyCommand(
        f"{_CLI}.changes",
        "impact",
        "Which rows of a portfolio (products, open applications, licences) change "
        "verdict between two dates or with an overlay, and why.",
    ),
    "rules": LazyCommand(
        f"{_CLI}.rules",
        "rules_app",
        "Browse, compare and validate the rulebook.",
        also=(f"{_CLI}.changes",),  # rules timeline, rules changes
    ),
    "parties": LazyCommand(
        f"{_CLI}.parties",
        "parties_app",
        "Screen names against China's party lists (control, watch, unreliable entity, "
        "countermeasure), list them, export them.",
    ),
    "screen": LazyCommand(
        f"{_CLI}.screen",
        "screen_app",
        "Screen files of customs declarations (DuckDB or Spark). "
        "`lanthanide screen INPUT --out OUTPUT` is short for `lanthanide screen run ...`.",
    ),
    "supply": LazyCommand(
        f"{_CLI}.supply", "supply_app", "Supply chain: shares, exposure and replays."
    ),
    "scenario": LazyCommand(
        f"{_CLI}.supply", "scenario_app", "Run export-control scenarios on the supply network."
    ),
    "registry": LazyCommand(
        f"{_CLI}.registry",
        "registry_app",
        "Licence-registry operations for officers: re-evaluation, review clock pauses.",
    ),
    "admin": LazyCommand(
        f"{_CLI}.registry", "admin_app", "Manage registry parties, users and tokens."
    ),
    "audit": LazyCommand(f"{_CLI}.registry", "audit_app", "Check the registry's audit trail."),
    "serve": LazyCommand(
        f"{_CLI}.serve",
        "serve",
        "Serve the HTTP API (OpenAPI at /docs) on the bundled rulebook.",
    ),
    "version": LazyCommand(f"{_CLI}.serve", "version", "Print the package and rulebook versions."),
    "cache": LazyCommand(
        f"{_CLI}.cache",
        "cache_app",
        "The on-disk cache of the compiled rulebook and the classifier's index.",
    ),
}
"""Every command of ``lanthanide``: where it is defined and its summary (a
test checks each summary against the command's help). A command's module is
imported when the command runs."""


FAST_EXIT = frozenset({"check", "classify"})
"""The commands after which :func:`main` leaves the process without the
interpreter's teardown (:func:`_leave`): they write nothing but standard
output, standard error and the cache (each entry written and closed before
the command returns)."""

_ran: list[str] = []
"""The command the top-level group resolved in this process (for :func:`main`)."""
_MAIN: list[bool] = []
"""Not empty when the process runs :func:`main` (the console script), not
the app called in-process (tests)."""


class _Main(LazyGroup):
    lazy = COMMANDS

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, cmd, rest = super().resolve_command(ctx, args)
        _ran.append(name or "")
        if _MAIN and name in FAST_EXIT:
            # One case or one query, then the process leaves: what it
            # allocates lives to the end; the cyclic collector would only
            # walk it (about 2 % of a ``check``).
            gc.disable()
        return name, cmd, rest


app = typer.Typer(
    cls=_Main,
    help="China's export controls on critical minerals and technologies, as cited rules.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _main() -> None:
    """The top-level group (its commands are in :data:`COMMANDS`)."""


def main() -> None:
    """The ``lanthanide`` console script. After :data:`FAST_EXIT` commands
    the process ends as ``sys.exit`` would end it, without freeing its
    objects one by one (:func:`_leave`), and run without the cyclic
    garbage collector."""
    _MAIN.append(True)
    try:
        _run()
    except SystemExit as exc:
        if _ran and _ran[-1] in FAST_EXIT:
            _leave(exc.code)
        raise


def _run() -> None:
    try:
        try:
            app()
        except Exception as exc:
            _rulebook_invalid(exc)
            raise
    except KeyboardInterrupt:
        sys.exit(130)
    except UnicodeDecodeError as exc:
        bad = exc.object[exc.start : exc.start + 1]
        _last_resort(
            f"input is not {exc.encoding.upper()} text: {exc.reason} "
            f"(byte {bad!r} at offset {exc.start}); save the file as UTF-8",
            2,
        )
    except ValueError as exc:
        # Input the commands did not name a flag for (a file's bytes, a value).
        _last_resort(f"invalid input: {exc}", 2)
    except OSError as exc:
        _last_resort(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), 1)
    except Exception as exc:
        _last_resort(f"{type(exc).__name__}: {exc}", 1)


def _leave(code: object) -> None:
    """End the process with ``sys.exit(code)``'s status, its ``atexit``
    functions run and its output flushed, but without the interpreter's
    teardown (freeing the rulebook's and the modules' objects one by one
    took a quarter of a ``check`` process). Returns, for the caller to exit
    normally, when that would not be the same: another thread is running,
    the status is not 0-255, a bool or ``None``, or flushing fails."""
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return
    if code is None or code is False:
        status = 0
    elif code is True:
        status = 1
    elif isinstance(code, int) and 0 <= code <= 255:
        status = code
    else:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # the normal exit reports it
        return
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        return
    os._exit(status)


def _rulebook_invalid(exc: Exception) -> None:
    """Exit 1 listing the problems if ``exc`` is a
    :class:`~lanthanide.rules.loader.RulebookError` (looked up only once its
    module is loaded, so that starting the CLI loads no rulebook code)."""
    loader = sys.modules.get("lanthanide.rules.loader")
    rulebook_error = getattr(loader, "RulebookError", None)
    if not (isinstance(rulebook_error, type) and isinstance(exc, rulebook_error)):
        return
    from lanthanide.cli.common import err

    err.print("[bold red]The rulebook is invalid:[/]", markup=True, highlight=False)
    for p in getattr(exc, "problems", ()):
        err.print(f"  ✗ {p}", highlight=False)
    sys.exit(1)


def _last_resort(message: str, code: int) -> None:
    """One line on stderr and exit ``code`` (2: bad input, 1: the operation
    failed); ``LANTHANIDE_DEBUG=1`` re-raises, for a traceback."""
    if os.environ.get("LANTHANIDE_DEBUG"):
        raise
    print_error(" ".join(message.split()))
    sys.exit(code)
