"""The audit log: an append-only hash chain over every state change, which
also pins the current state of every business row.

Each entry stores the row's state before and after the change as canonical
JSON, ``row_hash`` = SHA-256 of the after-state, ``prev_hash`` = the previous
entry's hash, and ``hash`` = SHA-256 of all of those. :func:`verify` walks the
chain (an edited, inserted or deleted audit row breaks it), checks the head
row (a deleted tail), and re-hashes every current business row against its
latest audit entry (an edited business row no longer matches).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanthanide.registry.models import ADDED_COLUMNS, AUDITED, AuditEntry, AuditHead, Base

GENESIS = "0" * 64


def now() -> datetime:
    """Naive UTC with microseconds (stored the same way on SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _plain(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    return v


def row_dict(table: str, values: dict[str, Any]) -> dict[str, Any]:
    cols = AUDITED[table].__table__.columns
    added = ADDED_COLUMNS.get(table, frozenset())
    return {
        c.key: _plain(values.get(c.key))
        for c in cols
        if not (c.key in added and values.get(c.key) is None)
    }


def snapshot(obj: Base) -> dict[str, Any]:
    """The row's column values as plain JSON values."""
    table = obj.__tablename__
    return row_dict(table, {c.key: getattr(obj, c.key) for c in obj.__table__.columns})


def row_hash(obj: Base) -> str:
    """SHA-256 of the row's current audited state (compare with ``AuditEntry.row_hash``)."""
    return _sha(canonical(snapshot(obj)) or "")


def latest_row_hash(s: Session, table: str, row_id: int) -> str | None:
    """``row_hash`` of the row's latest audit entry (index ``ix_audit_log_entity``)."""
    return s.execute(
        select(AuditEntry.row_hash)
        .where(AuditEntry.entity == table, AuditEntry.entity_id == row_id)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    ).scalar_one_or_none()


def canonical(data: dict[str, Any] | None) -> str | None:
    if data is None:
        return None
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _sha(s: str) -> str:
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: int,
    before: str | None,
    after: str | None,
    row_hash: str | None,
    prev_hash: str,
    note: str | None = None,
) -> str:
    """The entry's hash; ``note`` (revision 0003) is hashed only when set, so
    entries written before it existed keep their hashes."""
    fields: list[Any] = [
        seq,
        at.isoformat(),
        actor,
        action,
        entity,
        entity_id,
        before,
        after,
        row_hash,
        prev_hash,
    ]
    if note is not None:
        fields.append(note)
    body = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return _sha(body)


def lock_head(s: Session) -> AuditHead:
    """Lock the chain's head for this transaction (FOR UPDATE; SQLite already
    holds the write lock)."""
    head = s.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    return head


def record(
    s: Session,
    actor: str,
    action: str,
    obj: Base,
    before: dict[str, Any] | None,
    *,
    note: str | None = None,
) -> AuditEntry:
    """Append one entry for ``obj`` (flushed, so it has its id) to the chain;
    ``note`` says why (e.g. a refusal that changes nothing else)."""
    s.flush()
    head = lock_head(s)
    after = snapshot(obj)
    after_json = canonical(after)
    assert after_json is not None
    before_json = canonical(before)
    at = now()
    seq = head.seq + 1
    entity = obj.__tablename__
    entity_id = int(after["id"])
    rh = _sha(after_json)
    fields: dict[str, Any] = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "before": before_json,
        "after": after_json,
        "row_hash": rh,
        "prev_hash": head.hash,
        "note": note,
    }
    entry = AuditEntry(**fields, hash=entry_hash(**fields))
    s.add(entry)
    head.seq = seq
    head.hash = entry.hash
    s.flush()
    return entry


def record_delete(s: Session, actor: str, action: str, obj: Base) -> AuditEntry:
    """Append the deletion of ``obj`` (before: its last state; after and
    ``row_hash``: none) and delete the row. :func:`verify` then expects the row
    to be absent."""
    s.flush()
    head = lock_head(s)
    before_json = canonical(snapshot(obj))
    at = now()
    seq = head.seq + 1
    fields: dict[str, Any] = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "entity": obj.__tablename__,
        "entity_id": int(snapshot(obj)["id"]),
        "before": before_json,
        "after": None,
        "row_hash": None,
        "prev_hash": head.hash,
    }
    entry = AuditEntry(**fields, hash=entry_hash(**fields))
    s.add(entry)
    head.seq = seq
    head.hash = entry.hash
    s.delete(obj)
    s.flush()
    return entry


@dataclass
class Problem:
    kind: str  # audit_row_edited | chain_broken | audit_row_missing | row_edited | ...
    table: str
    row_id: int | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "table": self.table, "id": self.row_id, "message": self.message}


@dataclass
class Verification:
    entries: int = 0
    rows: int = 0
    head_hash: str = GENESIS
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "rows_checked": self.rows,
            "head_hash": self.head_hash,
            "problems": [p.to_dict() for p in self.problems],
        }


def verify(s: Session, *, limit: int = 100) -> Verification:
    """Check the chain and every business row; report at most ``limit`` problems."""
    v = Verification()
    prev = GENESIS
    expected_seq = 1
    latest: dict[tuple[str, int], str | None] = {}
    for e in s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
        v.entries += 1
        if e.seq != expected_seq:
            v.problems.append(
                Problem(
                    "audit_row_missing",
                    "audit_log",
                    e.id,
                    f"audit entry seq {e.seq} (id {e.id}) follows seq {expected_seq - 1}: "
                    f"{e.seq - expected_seq} entr(y/ies) deleted or renumbered",
                )
            )
        if e.prev_hash != prev:
            v.problems.append(
                Problem(
                    "chain_broken",
                    "audit_log",
                    e.id,
                    f"audit entry id {e.id} (seq {e.seq}) does not link to the entry before it",
                )
            )
        recomputed = entry_hash(
            seq=e.seq,
            at=e.at,
            actor=e.actor,
            action=e.action,
            entity=e.entity,
            entity_id=e.entity_id,
            before=e.before,
            after=e.after,
            row_hash=e.row_hash,
            prev_hash=e.prev_hash,
            note=e.note,
        )
        if recomputed != e.hash or (e.after is not None and _sha(e.after) != e.row_hash):
            v.problems.append(
                Problem(
                    "audit_row_edited",
                    "audit_log",
                    e.id,
                    f"audit entry id {e.id} (seq {e.seq}, {e.action} {e.entity} {e.entity_id}) "
                    "was edited: its hash does not match its content",
                )
            )
        latest[(e.entity, e.entity_id)] = e.row_hash
        prev = e.hash
        expected_seq = e.seq + 1
    head = s.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one_or_none()
    if head is None or head.seq != expected_seq - 1 or head.hash != prev:
        v.problems.append(
            Problem(
                "audit_tail_missing",
                "audit_head",
                1,
                "the chain's head does not match its last entry: entries at the end were "
                f"deleted or the head edited (head seq {head.seq if head else None}, "
                f"last entry seq {expected_seq - 1})",
            )
        )
    v.head_hash = prev
    for table, model in AUDITED.items():
        seen: set[int] = set()
        for row in s.execute(select(model.__table__)).mappings():
            v.rows += 1
            rid = int(row["id"])
            seen.add(rid)
            want = latest.get((table, rid))
            got = _sha(canonical(row_dict(table, dict(row))) or "")
            if want is None and (table, rid) in latest:
                v.problems.append(
                    Problem(
                        "row_reinserted",
                        table,
                        rid,
                        f"{table} row id {rid} exists although its deletion was audited",
                    )
                )
            elif want is None:
                v.problems.append(
                    Problem("row_unaudited", table, rid, f"{table} row id {rid} has no audit entry")
                )
            elif want != got:
                v.problems.append(
                    Problem(
                        "row_edited",
                        table,
                        rid,
                        f"{table} row id {rid} differs from its last audited state",
                    )
                )
        for (t, rid), h in latest.items():
            if t == table and rid not in seen and h is not None:
                v.problems.append(
                    Problem("row_deleted", table, rid, f"{table} row id {rid} was deleted")
                )
    del v.problems[limit:]
    return v
