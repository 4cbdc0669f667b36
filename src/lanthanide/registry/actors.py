"""Who is acting: :class:`Actor`, API tokens and authentication.

An actor is a user with a role (and, for party-scoped roles, a party), or the
local command line (:data:`CLI`, an administrator). Tokens are random, shown
once and stored only as SHA-256 hashes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from lanthanide.registry import audit
from lanthanide.registry.db import Database
from lanthanide.registry.errors import Forbidden, NotFound, Unauthorized
from lanthanide.registry.models import User
from lanthanide.registry.roles import ADMIN, PARTY_SCOPED, PERMISSIONS, Permission, Role

TOKEN_PREFIX = "lnt_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user with a role (and a party), or the local CLI."""

    user_id: int | None
    name: str
    role: str
    party_id: int | None

    def require(self, *roles: Role) -> None:
        """Forbidden unless the actor has one of ``roles``."""
        if self.role not in roles:
            raise Forbidden(f"role '{self.role}' may not do this (allowed: {', '.join(roles)})")

    def may(self, permission: Permission) -> None:
        """Forbidden unless the actor's role has ``permission`` (see :mod:`roles`)."""
        self.require(*PERMISSIONS[permission])

    @property
    def party_scoped(self) -> bool:
        """True when the actor sees only its own party's records."""
        return self.role in PARTY_SCOPED

    def own(self, party_id: int, what: str, ident: int) -> None:
        """A party-scoped actor sees only its own party's records: others are
        :class:`NotFound`, exactly as records that do not exist."""
        if self.party_scoped and self.party_id != party_id:
            raise NotFound(f"{what} {ident} not found")


CLI = Actor(user_id=None, name="cli", role=ADMIN, party_id=None)


def authenticate(db: Database, token: str) -> Actor:
    """The actor of an API token; :class:`Unauthorized` for an unknown or
    revoked token, or for a users row edited behind the registry's back."""
    with db.read() as s:
        u = s.execute(select(User).where(User.token_hash == hash_token(token))).scalar_one_or_none()
        if u is None:
            raise Unauthorized("unknown or revoked token")
        # The row must be exactly as last audited: a role, party or token
        # edited behind the registry's back (e.g. with sqlite3) must not act.
        if audit.latest_row_hash(s, "users", u.id) != audit.row_hash(u):
            raise Unauthorized(
                f"account '{u.name}' (user id {u.id}) failed its integrity check: its "
                "users row differs from its last audited state; it cannot authenticate "
                "until an administrator investigates (`lanthanide audit verify`)"
            )
        if not u.active:
            raise Unauthorized("unknown or revoked token")
        return Actor(user_id=u.id, name=u.name, role=u.role, party_id=u.party_id)
