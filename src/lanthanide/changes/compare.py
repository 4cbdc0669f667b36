"""Diff of two rulebooks (e.g. the bundled one and one with a user overlay)
at the instrument, item and control level.

``rules diff A B`` (:func:`lanthanide.rules.report.diff`) compares two
catalogue versions *inside one* rulebook; :func:`diff` here compares two
*rulebooks* and reuses its item summary (:func:`report._item_brief` shape) so
both speak of items the same way. Output is sorted and JSON-ready.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from lanthanide.rules import report
from lanthanide.rules.book import ItemRef, Rulebook
from lanthanide.rules.model import Instrument, Item

_NESTED = ("items", "controls", "suspends", "duties", "uncertain", "licence_catalogue")


def _fields(a: BaseModel, b: BaseModel, exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The top-level fields that differ, with their JSON values before and after."""
    da = a.model_dump(mode="json", exclude=set(exclude))
    db = b.model_dump(mode="json", exclude=set(exclude))
    return [
        {"field": k, "from": da.get(k), "to": db.get(k)}
        for k in sorted(set(da) | set(db))
        if da.get(k) != db.get(k)
    ]


def _keyed(
    a: dict[str, BaseModel], b: dict[str, BaseModel], brief: Any
) -> dict[str, list[dict[str, Any]]]:
    added = [brief(k, b[k]) for k in sorted(set(b) - set(a))]
    removed = [brief(k, a[k]) for k in sorted(set(a) - set(b))]
    modified = [
        {**brief(k, b[k]), "changes": _fields(a[k], b[k])}
        for k in sorted(set(a) & set(b))
        if a[k] != b[k]
    ]
    return {"added": added, "removed": removed, "modified": modified}


def _control_brief(inst: Instrument) -> Any:
    def brief(cid: str, c: BaseModel) -> dict[str, Any]:
        d = c.model_dump(mode="json")
        return {
            "instrument": inst.id,
            "control": cid,
            "effect": d["effect"],
            "valid": d["valid"],
            "destinations": d["destinations"],
        }

    return brief


def _item_brief(inst: Instrument) -> Any:
    def brief(code: str, it: BaseModel) -> dict[str, Any]:
        assert isinstance(it, Item)
        return report._item_brief(ItemRef(inst, it))

    return brief


def _suspensions(inst: Instrument) -> dict[str, BaseModel]:
    return {
        f"{s.instrument}#{','.join(s.controls or ('*',))}@{s.period.start}": s
        for s in inst.suspends
    }


def diff(book_a: Rulebook, book_b: Rulebook) -> dict[str, Any]:
    """What differs from ``book_a`` to ``book_b``: instruments added, removed
    and modified (changed top-level fields), and inside each modified
    instrument its items, controls and suspensions added, removed and
    modified (changed fields, before and after)."""
    ia, ib = book_a.instruments, book_b.instruments

    def inst_brief(iid: str, inst: BaseModel) -> dict[str, Any]:
        assert isinstance(inst, Instrument)
        return {
            "id": iid,
            "number": inst.number,
            "title": inst.title.zh or inst.title.en,
            "items": len(inst.items),
            "controls": len(inst.controls),
        }

    added = [inst_brief(k, ib[k]) for k in sorted(set(ib) - set(ia))]
    removed = [inst_brief(k, ia[k]) for k in sorted(set(ia) - set(ib))]
    modified = []
    totals = {"items": [0, 0, 0], "controls": [0, 0, 0], "suspensions": [0, 0, 0]}
    for k in sorted(set(ia) & set(ib)):
        a, b = ia[k], ib[k]
        if a == b:
            continue
        items = _keyed(
            {it.code: it for it in a.items}, {it.code: it for it in b.items}, _item_brief(b)
        )
        for it in items["removed"]:  # removed items are described from A
            it["instrument"] = a.id
        controls = _keyed(
            {c.id: c for c in a.controls}, {c.id: c for c in b.controls}, _control_brief(b)
        )
        sus = _keyed(_suspensions(a), _suspensions(b), _suspension_brief)
        for name, part in (("items", items), ("controls", controls), ("suspensions", sus)):
            for j, what in enumerate(("added", "removed", "modified")):
                totals[name][j] += len(part[what])
        modified.append(
            {
                **inst_brief(k, b),
                "fields": _fields(a, b, exclude=_NESTED),
                "items": items,
                "controls": controls,
                "suspensions": sus,
                "other": sorted(
                    f
                    for f in ("duties", "uncertain", "licence_catalogue")
                    if getattr(a, f) != getattr(b, f)
                ),
            }
        )
    return {
        "from": book_a.version,
        "to": book_b.version,
        "overlays_from": [o.as_dict() for o in book_a.overlays],
        "overlays_to": [o.as_dict() for o in book_b.overlays],
        "instruments": {"added": added, "removed": removed, "modified": modified},
        "counts": {
            "instruments": {
                "added": len(added),
                "removed": len(removed),
                "modified": len(modified),
            },
            **{
                name: dict(zip(("added", "removed", "modified"), v, strict=True))
                for name, v in totals.items()
            },
        },
    }


def _suspension_brief(key: str, s: BaseModel) -> dict[str, Any]:
    d = s.model_dump(mode="json")
    return {
        "key": key,
        "instrument": d["instrument"],
        "controls": d["controls"],
        "period": d["period"],
    }
