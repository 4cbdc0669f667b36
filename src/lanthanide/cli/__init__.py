"""Command line: ``lanthanide check``, ``classify``, ``rules ...``, ``screen``,
``supply``/``scenario``, ``admin``/``audit``, ``serve`` and ``version``.

Thin: each command parses its flags, calls one method of the process's
:class:`~lanthanide.Lanthanide` (:func:`lanthanide.cli.common.client`) and
renders JSON or a Rich table (:func:`~lanthanide.cli.common.emit`). Bad input
exits with code 2 and a message naming the flag and the allowed values
(:class:`~lanthanide.cli.common.Group`); an invalid rulebook exits with 1.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from rich.markup import escape

from lanthanide import __version__
from lanthanide.cli.changes import impact
from lanthanide.cli.check import check
from lanthanide.cli.classify import classify
from lanthanide.cli.common import Group, client, err, out
from lanthanide.cli.parties import parties_app
from lanthanide.cli.registry import (
    ENV_URL,
    DbUrl,
    admin_app,
    audit_app,
    check_database_url,
    registry_app,
)
from lanthanide.cli.rules import rules_app
from lanthanide.cli.screen import screen_app
from lanthanide.cli.supply import scenario_app, supply_app

__all__ = ["app", "main"]

app = typer.Typer(
    cls=Group,
    help="China's export controls on critical minerals and technologies, as cited rules.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(rules_app, name="rules")
app.add_typer(supply_app, name="supply")
app.add_typer(scenario_app, name="scenario")
app.command()(classify)
app.add_typer(admin_app, name="admin")
app.add_typer(audit_app, name="audit")
app.add_typer(registry_app, name="registry")
app.add_typer(screen_app, name="screen")
app.add_typer(parties_app, name="parties")
app.command()(check)
app.command()(impact)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = os.environ.get(
        "LANTHANIDE_HOST", "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port (1-65535).", min=1, max=65535)] = int(
        os.environ.get("LANTHANIDE_PORT", "8000")
    ),
    database_url: DbUrl = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs) on the bundled rulebook.

    Example: lanthanide serve --port 8000
    """
    import uvicorn

    from lanthanide.api.app import create_app

    check_database_url(database_url)
    if database_url is not None:
        os.environ[ENV_URL] = database_url  # the registry routes' default database
    ln = client()
    ln.rulebook  # noqa: B018  (fail fast on an invalid rulebook)
    uvicorn.run(create_app(ln), host=host, port=port, log_level="info")


@app.command()
def version() -> None:
    """Print the package and rulebook versions."""
    b = client().rulebook
    out.print(f"lanthanide {__version__}; rulebook {b.version} (data as of {b.data_as_of})")


def main() -> None:
    """The ``lanthanide`` console script."""
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


def _rulebook_invalid(exc: Exception) -> None:
    """Exit 1 listing the problems if ``exc`` is a
    :class:`~lanthanide.rules.loader.RulebookError` (looked up only once its
    module is loaded, so that starting the CLI loads no rulebook code)."""
    loader = sys.modules.get("lanthanide.rules.loader")
    rulebook_error = getattr(loader, "RulebookError", None)
    if not (isinstance(rulebook_error, type) and isinstance(exc, rulebook_error)):
        return
    err.print("[bold red]The rulebook is invalid:[/]", markup=True, highlight=False)
    for p in getattr(exc, "problems", ()):
        err.print(f"  ✗ {p}", highlight=False)
    sys.exit(1)


def _last_resort(message: str, code: int) -> None:
    """One line on stderr and exit ``code`` (2: bad input, 1: the operation
    failed); ``LANTHANIDE_DEBUG=1`` re-raises, for a traceback."""
    if os.environ.get("LANTHANIDE_DEBUG"):
        raise
    line = " ".join(message.split())
    err.print(f"[bold red]Error:[/] {escape(line)}", markup=True, highlight=False)
    sys.exit(code)
