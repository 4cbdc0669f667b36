"""Alembic environment: runs on the connection handed over by
:meth:`lanthanide.registry.db.Database.migrate` (or a URL for the alembic CLI)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from lanthanide.registry.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from lanthanide.registry.db import default_url, normalise_url

        url = config.get_main_option("sqlalchemy.url") or default_url()
        engine = create_engine(normalise_url(url))
        with engine.begin() as conn:
            context.configure(
                connection=conn, target_metadata=target_metadata, render_as_batch=True
            )
            context.run_migrations()
        engine.dispose()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
