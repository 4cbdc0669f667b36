"""``lanthanide serve`` and ``lanthanide version``: the HTTP API, and which
package and rulebook this is. Registered on the main app in :mod:`lanthanide.cli`."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from lanthanide import __version__
from lanthanide.cli.common import client, out
from lanthanide.cli.registry import ENV_URL, DbUrl, check_database_url


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


def version() -> None:
    """Print the package and rulebook versions."""
    b = client().rulebook
    out.print(f"lanthanide {__version__}; rulebook {b.version} (data as of {b.data_as_of})")
