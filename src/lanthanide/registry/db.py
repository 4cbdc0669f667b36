"""Engines, sessions and migrations.

SQLite (default, a file under the user's data directory) and PostgreSQL go
through the same code. Writes are serialised where it matters:

* PostgreSQL: writers lock the rows they change with ``SELECT ... FOR UPDATE``
  (the licence line, and the audit chain's head row);
* SQLite: every write transaction starts with ``BEGIN IMMEDIATE`` (one writer
  at a time across processes, with a busy timeout), and inside one process a
  lock hands the write slot over without the busy handler's sleeps.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

ENV_URL = "LANTHANIDE_DATABASE_URL"
MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 60_000


def default_url() -> str:
    """``LANTHANIDE_DATABASE_URL`` or a SQLite file in the user's data directory."""
    url = os.environ.get(ENV_URL, "").strip()
    if url:
        return url
    import platformdirs

    root = Path(platformdirs.user_data_dir("lanthanide", appauthor=False))
    return f"sqlite:///{root / 'registry.db'}"


def normalise_url(url: str) -> str:
    """Plain ``postgresql://`` URLs use psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Database:
    """One engine, a session factory, and the write discipline of its dialect."""

    def __init__(self, url: str | None = None) -> None:
        self.url = normalise_url(url or default_url())
        self.is_sqlite = self.url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            path = self.url.split("///", 1)[1] if "///" in self.url else ""
            if path and path != ":memory:" and not path.startswith("file:"):
                _create_private(Path(path.split("?", 1)[0]))
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
            kwargs["pool_size"] = 20
            kwargs["max_overflow"] = 40
        else:
            kwargs["pool_size"] = 20
            kwargs["max_overflow"] = 40
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(self.url, **kwargs)
        self._write_lock = threading.Lock()
        if self.is_sqlite:
            _sqlite_discipline(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writes = sessionmaker(
            self.engine.execution_options(lanthanide_write=True), expire_on_commit=False
        )
        self._migrated = False
        self._migrate_lock = threading.Lock()

    # -------------------------------------------------------------- sessions
    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (rolled back at the end)."""
        self.migrate()
        with self._sessions() as s:
            try:
                yield s
            finally:
                s.rollback()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed at the end, rolled back on any error."""
        self.migrate()
        lock = self._write_lock if self.is_sqlite else nullcontext()
        with lock, self._writes() as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    # ------------------------------------------------------------ migrations
    def migrate(self) -> None:
        """Bring the schema to the newest revision (Alembic ``upgrade head``)
        once per process; concurrent callers (other processes) wait."""
        if self._migrated:
            return
        with self._migrate_lock:
            if self._migrated:
                return
            from alembic import command
            from alembic.config import Config
            from alembic.runtime.migration import MigrationContext
            from alembic.script import ScriptDirectory

            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS))
            head = ScriptDirectory.from_config(cfg).get_current_head()
            write_engine = self.engine.execution_options(lanthanide_write=True)
            with write_engine.begin() as conn:
                if not self.is_sqlite:
                    conn.execute(text("SELECT pg_advisory_xact_lock(4242424242)"))
                current = MigrationContext.configure(conn).get_current_revision()
                if current != head:
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
            self._migrated = True

    def dispose(self) -> None:
        self.engine.dispose()


def _create_private(path: Path) -> None:
    """Create the SQLite file ``path`` readable by its owner only (0600; SQLite
    gives its -wal and -shm files the same mode), its directory 0700 if new.
    An existing file keeps its mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _sqlite_discipline(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, record: Any) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN (see the "begin" hook).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        if conn.get_execution_options().get("lanthanide_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


_DEFAULT: dict[str, Database] = {}
_DEFAULT_LOCK = threading.Lock()


def get_database(url: str | None = None) -> Database:
    """The process-wide :class:`Database` for ``url`` (default: :func:`default_url`)."""
    key = normalise_url(url or default_url())
    with _DEFAULT_LOCK:
        db = _DEFAULT.get(key)
        if db is None:
            db = _DEFAULT[key] = Database(key)
        return db
