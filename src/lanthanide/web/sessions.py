"""Server-side sessions and CSRF tokens.

The cookie holds only a random session id (HttpOnly, SameSite=Strict); the
API token stays on the server, in memory, and is re-checked against the
registry on every request, so a revoked token signs the session out. Each
session has its own CSRF token, required on every POST.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

COOKIE = "lnt_session"
IDLE_SECONDS = 8 * 3600
MAX_SESSIONS = 10_000


@dataclass
class Session:
    sid: str
    csrf: str
    token: str | None = None
    touched: float = field(default_factory=time.monotonic)


class Store:
    """Sessions by id, oldest evicted first beyond :data:`MAX_SESSIONS`."""

    def __init__(self) -> None:
        self._by_id: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self._lock:
            s = self._by_id.get(sid)
            if s is None:
                return None
            now = time.monotonic()
            if now - s.touched > IDLE_SECONDS:
                del self._by_id[sid]
                return None
            s.touched = now
            self._by_id.move_to_end(sid)
            return s

    def new(self, token: str | None = None) -> Session:
        s = Session(sid=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32), token=token)
        with self._lock:
            self._by_id[s.sid] = s
            while len(self._by_id) > MAX_SESSIONS:
                self._by_id.popitem(last=False)
        return s

    def drop(self, sid: str) -> None:
        with self._lock:
            self._by_id.pop(sid, None)


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
