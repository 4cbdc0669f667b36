"""Parties (exporters, authorities) and users (with their roles and tokens)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanthanide.registry import audit
from lanthanide.registry.actors import CLI, Actor, hash_token, new_token
from lanthanide.registry.db import Database
from lanthanide.registry.errors import Conflict, Invalid, NotFound
from lanthanide.registry.models import Party, User
from lanthanide.registry.roles import PARTY_SCOPED, ROLES, Role, default_party_kind

PARTY_KINDS: tuple[str, ...] = ("exporter", "authority")

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def valid_uscc(code: str) -> bool:
    """GB 32100-2015: 18 characters, the last a check character."""
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        return False
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(code, _USCC_WEIGHTS, strict=False))
    return _USCC_CHARS[(31 - total % 31) % 31] == code[17]


def party_by_name(s: Session, name: str) -> Party | None:
    return s.execute(select(Party).where(Party.name == name)).scalar_one_or_none()


def party_name(s: Session, party_id: int) -> str:
    p = s.get(Party, party_id)
    return p.name if p else ""


def user_names(s: Session, *user_ids: int | None) -> dict[int, str]:
    """User id -> name for the given ids (``None`` ignored)."""
    ids = [i for i in user_ids if i is not None]
    if not ids:
        return {}
    return {uid: n for uid, n in s.execute(select(User.id, User.name).where(User.id.in_(ids)))}


def create_party(
    db: Database,
    *,
    name: str,
    kind: str = "exporter",
    uscc: str | None = None,
    address: str | None = None,
    actor: Actor = CLI,
) -> Party:
    errors: list[tuple[str, str]] = []
    if not name.strip():
        errors.append(("name", "must not be empty"))
    if kind not in PARTY_KINDS:
        errors.append(("kind", f"'{kind}' is not allowed (allowed: {', '.join(PARTY_KINDS)})"))
    if uscc is not None and not valid_uscc(uscc):
        errors.append(
            (
                "uscc",
                f"'{uscc}' is not an 18-character unified social credit code (统一社会信用代码)",
            )
        )
    if errors:
        raise Invalid(errors)
    with db.write() as s:
        audit.lock_head(s)
        if party_by_name(s, name) is not None:
            raise Conflict("party_exists", f"a party named '{name}' already exists", field="name")
        p = Party(name=name, kind=kind, uscc=uscc, address=address, created_at=audit.now())
        s.add(p)
        audit.record(s, actor.name, "party.create", p, None)
        return p


def create_user(
    db: Database,
    *,
    name: str,
    role: str,
    party: str | None = None,
    party_kind: str | None = None,
    actor: Actor = CLI,
) -> tuple[User, str]:
    """Create a user and return it with its new API token (shown once; only its
    hash is stored). ``party`` is created if it does not exist yet."""
    errors: list[tuple[str, str]] = []
    if not name.strip():
        errors.append(("name", "must not be empty"))
    if role not in ROLES:
        errors.append(("role", f"'{role}' is not allowed (allowed: {', '.join(ROLES)})"))
    elif role in PARTY_SCOPED and not party:
        errors.append(("party", f"an {role} must belong to a party (give --party NAME)"))
    if errors:
        raise Invalid(errors)
    token = new_token()
    with db.write() as s:
        audit.lock_head(s)
        if s.execute(select(User).where(User.name == name)).scalar_one_or_none():
            raise Conflict("user_exists", f"a user named '{name}' already exists", field="name")
        party_id = None
        if party:
            p = party_by_name(s, party)
            if p is None:
                kind = party_kind or default_party_kind(cast(Role, role))
                p = Party(name=party, kind=kind, uscc=None, address=None, created_at=audit.now())
                s.add(p)
                audit.record(s, actor.name, "party.create", p, None)
            party_id = p.id
        u = User(
            name=name,
            role=role,
            party_id=party_id,
            token_hash=hash_token(token),
            active=True,
            created_at=audit.now(),
        )
        s.add(u)
        audit.record(s, actor.name, "user.create", u, None)
        return u, token


def revoke_token(db: Database, name: str, actor: Actor = CLI) -> tuple[User, bool]:
    """Revoke a user's API token (``active`` false, audited as ``user.revoke``).
    Returns the user and whether it was active until now."""
    with db.write() as s:
        audit.lock_head(s)
        u = s.execute(select(User).where(User.name == name).with_for_update()).scalar_one_or_none()
        if u is None:
            raise NotFound(f"no user named '{name}'")
        if not u.active:
            return u, False
        before = audit.snapshot(u)
        u.active = False
        audit.record(s, actor.name, "user.revoke", u, before)
        return u, True


def list_users(db: Database) -> list[dict[str, Any]]:
    with db.read() as s:
        rows = s.execute(
            select(User, Party.name).outerjoin(Party, User.party_id == Party.id).order_by(User.id)
        ).all()
        return [
            {"id": u.id, "name": u.name, "role": u.role, "party": pn, "active": u.active}
            for u, pn in rows
        ]
