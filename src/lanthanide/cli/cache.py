"""``lanthanide cache warm``: fill the on-disk cache (:mod:`lanthanide.cache`)
so that the first ``check`` or ``classify`` after installing starts as fast as
every later one. ``make install`` runs it. Registered on the main app in
:mod:`lanthanide.cli`."""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from lanthanide.cli.common import RULEBOOK_HELP, Group, client, fail, print_json

cache_app = typer.Typer(
    cls=Group,
    help="The on-disk cache of the compiled rulebook and the classifier's index.",
    no_args_is_help=True,
)


@cache_app.command("warm")
def warm(
    rulebook: Annotated[list[Path] | None, typer.Option("--rulebook", help=RULEBOOK_HELP)] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print what was stored as one JSON object.")
    ] = False,
) -> None:
    """Store the compiled rulebook and the classifier's index for today in
    the cache, so that the next check and classify read them instead of
    building them (make install runs it; running it again only reads what
    is stored).

    Example: lanthanide cache warm
    """
    from lanthanide import cache

    where = cache.directory()
    t0 = time.perf_counter()
    ln = client(rulebook)
    book = ln.rulebook
    ln._engine  # noqa: B018  # imports (and compiles) the determination engine
    t1 = time.perf_counter()
    ln._classifier  # noqa: B018  # Classifier.cached: read, or built and stored
    t2 = time.perf_counter()
    from lanthanide.classify import store
    from lanthanide.rules import overlay, stored
    from lanthanide.rules.loader import default_dir

    dirs = [Path(d) for d in (rulebook or overlay.from_env())]
    if where is not None and stored.stored_path(default_dir(), dirs) is None:
        # loaded earlier in this process (the API, a test), so not stored by loading
        entry = stored.name(default_dir(), dirs)
        if entry is not None:
            book.prepare_readings()
            stored.save(entry, book)
    day = date.today()
    if where is not None and store.stored_path(book, day) is None:
        from lanthanide.classify import Classifier

        Classifier.cached(book, today=day)  # built afresh here, and stored
    report = {
        "cache": str(where) if where is not None else None,
        "rulebook_version": book.version,
        "rulebook_stored": stored.stored_path(default_dir(), dirs) is not None,
        "classifier_day": day.isoformat(),
        "classifier_stored": store.stored_path(book, day) is not None,
        "rulebook_seconds": round(t1 - t0, 2),
        "classifier_seconds": round(t2 - t1, 2),
    }
    complete = bool(report["rulebook_stored"] and report["classifier_stored"])
    if json_out:
        print_json(report)
    elif where is None:
        value = os.environ.get(cache.ENV_DIR)
        typer.echo(f"The cache is off ({cache.ENV_DIR}={value}): nothing stored.")
    else:
        typer.echo(f"Cache: {where}")
        typer.echo(
            f"  rulebook {book.version}: "
            f"{'ready' if report['rulebook_stored'] else 'NOT stored'} "
            f"({report['rulebook_seconds']} s)"
        )
        typer.echo(
            f"  classifier index for {report['classifier_day']}: "
            f"{'ready' if report['classifier_stored'] else 'NOT stored'} "
            f"({report['classifier_seconds']} s)"
        )
    if where is not None and not complete:
        fail(f"the cache directory {where} could not be written; commands build what they need", 1)
