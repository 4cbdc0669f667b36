"""What a user overlay changes in the rulebook: instruments, items and
controls added, removed or modified, with the fields that differ.

``compare(base, other)`` takes two loaded rulebooks (typically the bundled
one and the same with ``--overlay`` directories on top,
``lanthanide rules diff --overlay DIR``) and returns JSON-ready data.
An overlay can only add or replace instruments, but a replacing instrument
can drop items or controls, so every level reports ``removed`` too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lanthanide.rules.book import Rulebook
from lanthanide.rules.model import Instrument

__all__ = ["compare"]

_NESTED = ("items", "controls")


def _fields(a: Any, b: Any, skip: Sequence[str] = ()) -> list[str]:
    """Names of the model fields whose values differ (in declaration order)."""
    return [
        name
        for name in type(a).model_fields
        if name not in skip and getattr(a, name) != getattr(b, name)
    ]


def _brief(inst: Instrument) -> dict[str, Any]:
    return {
        "id": inst.id,
        "number": inst.number,
        "title": inst.title.zh or inst.title.en,
        "regime": inst.regime,
        "status": inst.status,
        "items": len(inst.items),
        "controls": len(inst.controls),
    }


def _level(
    old: Mapping[str, Any], new: Mapping[str, Any], describe: Any
) -> dict[str, list[dict[str, Any]]]:
    """Added / removed / modified members of one level, by key."""
    return {
        "added": [describe(new[k]) for k in sorted(set(new) - set(old))],
        "removed": [describe(old[k]) for k in sorted(set(old) - set(new))],
        "modified": [
            {**describe(new[k]), "fields": _fields(old[k], new[k])}
            for k in sorted(set(old) & set(new))
            if old[k] != new[k]
        ],
    }


def _item(it: Any) -> dict[str, Any]:
    return {"code": it.code, "kind": it.kind, "title": it.title.zh or it.title.en}


def _control(c: Any) -> dict[str, Any]:
    return {"id": c.id, "effect": c.effect}


def _instrument_change(a: Instrument, b: Instrument) -> dict[str, Any]:
    items = _level({i.code: i for i in a.items}, {i.code: i for i in b.items}, _item)
    controls = _level({c.id: c for c in a.controls}, {c.id: c for c in b.controls}, _control)
    return {
        **_brief(b),
        "fields": _fields(a, b, skip=_NESTED),
        "items": items,
        "controls": controls,
    }


def compare(base: Rulebook, other: Rulebook) -> dict[str, Any]:
    """Every difference between ``base`` and ``other`` at the instrument,
    item and control level, and the counts of each."""
    ia, ib = base.instruments, other.instruments
    added = [_brief(ib[k]) for k in sorted(set(ib) - set(ia))]
    removed = [_brief(ia[k]) for k in sorted(set(ia) - set(ib))]
    modified = [
        _instrument_change(ia[k], ib[k]) for k in sorted(set(ia) & set(ib)) if ia[k] != ib[k]
    ]

    def count(level: str, kind: str) -> int:
        return sum(len(m[level][kind]) for m in modified)

    return {
        "from": {"version": base.version, "overlays": [o.as_dict() for o in base.overlays]},
        "to": {"version": other.version, "overlays": [o.as_dict() for o in other.overlays]},
        "instruments": {"added": added, "removed": removed, "modified": modified},
        "counts": {
            "instruments": {
                "added": len(added),
                "removed": len(removed),
                "modified": len(modified),
            },
            "items": {
                "added": count("items", "added") + sum(a["items"] for a in added),
                "removed": count("items", "removed") + sum(r["items"] for r in removed),
                "modified": count("items", "modified"),
            },
            "controls": {
                "added": count("controls", "added") + sum(a["controls"] for a in added),
                "removed": count("controls", "removed") + sum(r["controls"] for r in removed),
                "modified": count("controls", "modified"),
            },
        },
    }
