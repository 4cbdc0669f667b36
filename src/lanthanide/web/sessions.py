"""Sessions and CSRF tokens, kept on the server in a small SQLite file so that
they survive a restart and are shared by the workers of one host.

The cookie holds only a random session id (256 bits; HttpOnly,
SameSite=Strict). The file (``web-sessions.sqlite`` in the user data
directory, or ``LANTHANIDE_WEB_SESSIONS``; created 0600) keys each session
by the SHA-256 of its id and holds the API token sealed with a key derived
from the id, so the file alone neither signs anybody in nor reveals a token.
The token is re-checked against the registry on every request (a revoked
token signs the session out); signing out deletes the row (revocation).
Each session has its own CSRF token, required on every POST.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

COOKIE = "lnt_session"
IDLE_SECONDS = 8 * 3600
MAX_SESSIONS = 10_000
TOUCH_SECONDS = 60
"""A session's last use is written at most this often."""
ENV = "LANTHANIDE_WEB_SESSIONS"
log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
  key TEXT PRIMARY KEY,
  csrf TEXT NOT NULL,
  token BLOB,
  touched REAL NOT NULL
)"""


@dataclass
class Session:
    sid: str
    csrf: str
    token: str | None = None
    touched: float = 0.0


def _key(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def _stream(sid: str, n: int) -> bytes:
    """``n`` key bytes for the session's token: HMAC-SHA256 of the id in counter mode."""
    out = b""
    block = 0
    while len(out) < n:
        out += hmac.new(sid.encode(), b"token:%d" % block, hashlib.sha256).digest()
        block += 1
    return out[:n]


def seal(sid: str, token: str) -> bytes:
    raw = token.encode()
    mac = hmac.new(sid.encode(), b"mac:" + raw, hashlib.sha256).digest()
    return mac + bytes(a ^ b for a, b in zip(raw, _stream(sid, len(raw)), strict=True))


def unseal(sid: str, blob: bytes) -> str | None:
    """The token, or ``None`` if ``blob`` was not sealed for ``sid``."""
    mac, body = blob[:32], blob[32:]
    raw = bytes(a ^ b for a, b in zip(body, _stream(sid, len(body)), strict=True))
    want = hmac.new(sid.encode(), b"mac:" + raw, hashlib.sha256).digest()
    if not hmac.compare_digest(mac, want):
        return None
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return None


def default_path() -> Path:
    env = os.environ.get(ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("lanthanide", appauthor=False)) / "web-sessions.sqlite"


class Store:
    """Sessions by id in the SQLite file ``path`` (default :func:`default_path`,
    opened on first use); the least recently used evicted beyond
    :data:`MAX_SESSIONS`, idle ones after :data:`IDLE_SECONDS`."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def use(self, path: Path) -> None:
        """Keep the sessions in ``path`` from now on (``serve``, tests)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
            self._db, self._path = None, path

    @property
    def path(self) -> Path:
        return self._path or default_path()

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                self._db = self._open(self.path)
            except (OSError, sqlite3.Error) as exc:
                # pages keep working; sessions then end with the process
                log.warning("web sessions kept in memory: cannot use %s (%s)", self.path, exc)
                mem = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
                mem.execute(_SCHEMA)
                self._db = mem
        return self._db

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(path, 0o600)
        db = sqlite3.connect(path, timeout=10, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(_SCHEMA)
        return db

    def get(self, sid: str | None) -> Session | None:
        if not sid or len(sid) > 100:
            return None
        now = time.time()
        with self._lock:
            db = self._conn()
            row = db.execute(
                "SELECT csrf, token, touched FROM sessions WHERE key = ?", (_key(sid),)
            ).fetchone()
            if row is None:
                return None
            csrf, blob, touched = row
            if now - touched > IDLE_SECONDS:
                db.execute("DELETE FROM sessions WHERE key = ?", (_key(sid),))
                return None
            if now - touched > TOUCH_SECONDS:
                db.execute("UPDATE sessions SET touched = ? WHERE key = ?", (now, _key(sid)))
                touched = now
        token = unseal(sid, blob) if blob else None
        return Session(sid=sid, csrf=csrf, token=token, touched=touched)

    def new(self, token: str | None = None) -> Session:
        s = Session(
            sid=secrets.token_urlsafe(32),
            csrf=secrets.token_urlsafe(32),
            token=token,
            touched=time.time(),
        )
        blob = seal(s.sid, token) if token else None
        with self._lock:
            db = self._conn()
            db.execute(
                "INSERT INTO sessions (key, csrf, token, touched) VALUES (?, ?, ?, ?)",
                (_key(s.sid), s.csrf, blob, s.touched),
            )
            self._prune(db, s.touched)
        return s

    def _prune(self, db: sqlite3.Connection, now: float) -> None:
        db.execute("DELETE FROM sessions WHERE touched < ?", (now - IDLE_SECONDS,))
        (n,) = db.execute("SELECT count(*) FROM sessions").fetchone()
        if n > MAX_SESSIONS:
            db.execute(
                "DELETE FROM sessions WHERE key IN "
                "(SELECT key FROM sessions ORDER BY touched, rowid LIMIT ?)",
                (n - MAX_SESSIONS,),
            )

    def sign_out(self, sid: str) -> None:
        """Forget the session's token (it was revoked); the session stays."""
        with self._lock:
            self._conn().execute("UPDATE sessions SET token = NULL WHERE key = ?", (_key(sid),))

    def drop(self, sid: str) -> None:
        """End the session on the server: its cookie is worth nothing afterwards."""
        with self._lock:
            self._conn().execute("DELETE FROM sessions WHERE key = ?", (_key(sid),))


def csrf_ok(session: Session | None, sent: str | None) -> bool:
    return (
        session is not None
        and bool(sent)
        and hmac.compare_digest(session.csrf.encode(), (sent or "").encode())
    )


STORE = Store()


class Throttle:
    """At most ``limit`` failed sign-ins per client address in ``window``
    seconds; beyond that the sign-in answers 429 until the oldest expires."""

    def __init__(self, limit: int = 10, window: float = 300.0) -> None:
        self.limit = limit
        self.window = window
        self._fails: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int:
        """Seconds to wait (0: may try now)."""
        now = time.monotonic()
        with self._lock:
            fails = [t for t in self._fails.get(client, []) if now - t < self.window]
            self._fails[client] = fails
            if len(fails) < self.limit:
                return 0
            return max(1, int(self.window - (now - fails[0])) + 1)

    def fail(self, client: str) -> None:
        with self._lock:
            self._fails.setdefault(client, []).append(time.monotonic())
            if len(self._fails) > MAX_SESSIONS:
                self._fails.pop(next(iter(self._fails)))


SIGNIN_THROTTLE = Throttle()
