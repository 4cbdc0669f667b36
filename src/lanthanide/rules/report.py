"""Reports over the rulebook: instrument summaries, coverage, version diff."""

from __future__ import annotations

from datetime import date
from typing import Any

from lanthanide.rules import catalogue as _catalogue
from lanthanide.rules.book import CatalogueVersionView, ItemRef, Rulebook
from lanthanide.rules.model import Instrument


class UnknownVersionError(LookupError):
    """A name given to ``diff`` or ``show`` matches nothing."""


def summary(inst: Instrument) -> dict[str, Any]:
    return {
        "id": inst.id,
        "number": inst.number,
        "title": inst.title.zh or inst.title.en,
        "title_en": inst.title.en,
        "short": inst.short,
        "kind": inst.kind,
        "regime": inst.regime,
        "published": inst.published.isoformat() if inst.published else None,
        "effective": inst.effective.isoformat() if inst.effective else None,
        "status": inst.status,
        "items": len(inst.items),
        "verified_on": inst.verified_on.isoformat(),
    }


def list_instruments(
    book: Rulebook, *, on: date | None = None, regime: str | None = None
) -> list[dict[str, Any]]:
    if on is None:
        insts = list(book.instruments.values())
        out = [summary(i) for i in insts if regime is None or i.regime == regime]
    else:
        out = [
            {**summary(i), "status": status}
            for i, status in _on_day(book, on)
            if regime is None or i.regime == regime
        ]
    return sorted(out, key=lambda s: (s["effective"] or s["published"] or "", s["id"]))


def _on_day(book: Rulebook, day: date) -> list[tuple[Instrument, str]]:
    """The instruments that apply on ``day`` with that day's status:
    ``suspended`` when every control of it valid that day is suspended (it is
    still listed), else ``in_force``; a suspending instrument is in force
    while its suspension period runs."""
    out: list[tuple[Instrument, str]] = []
    for inst in book.instruments.values():
        valid = [cc for cc in book.controls if cc.instrument.id == inst.id]
        live = [cc for cc in valid if cc.control.valid.contains(day)]
        if inst in book.in_force(day):
            suspended = bool(live) and all(cc.suspended_on(day) is not None for cc in live)
            out.append((inst, "suspended" if suspended else "in_force"))
        elif any(s.period.contains(day) for s in inst.suspends):
            out.append((inst, "in_force"))
        elif (
            _undated(inst)
            and inst.effective is not None
            and inst.effective <= day
            and inst.status == "in_force"
        ):
            # No dated control, duty or catalogue (a consolidated list such as
            # 2024 No. 51): in force from its effective date while it still is.
            out.append((inst, "in_force"))
    return out


def _undated(inst: Instrument) -> bool:
    return not (inst.controls or inst.duties or inst.catalogue or inst.suspends)


def show(book: Rulebook, ident: str) -> dict[str, Any]:
    inst = book.instruments.get(ident)
    if inst is None:
        for i in book.instruments.values():
            if i.number == ident:
                inst = i
                break
    if inst is None:
        raise UnknownVersionError(
            f"no instrument '{ident}' (ids: {', '.join(sorted(book.instruments))})"
        )
    data = inst.model_dump(mode="json", exclude_none=True)
    if inst.licence_catalogue is not None:  # the table: a count here, rows via catalogue_lines
        data["licence_catalogue"]["lines"] = len(inst.licence_catalogue.lines)
    data["suspended_by"] = [
        {
            "instrument": s.by.id,
            "number": s.by.number,
            **s.suspension.period.model_dump(mode="json"),
        }
        for cc in book.controls
        if cc.instrument.id == inst.id
        for s in cc.suspensions
    ]
    return data


def _versions(book: Rulebook) -> list[CatalogueVersionView]:
    return [v for views in book.catalogues.values() for v in views]


def coverage(book: Rulebook) -> dict[str, Any]:
    """Declared totals beside encoded counts, per catalogue version and per
    partly encoded instrument."""
    cats = []
    for v in _versions(book):
        d = v.declared
        cats.append(
            {
                "catalogue": v.instrument.catalogue.catalogue if v.instrument.catalogue else None,
                "version": v.version,
                "instrument": v.instrument.id,
                "number": v.instrument.number,
                "valid_from": v.valid.start.isoformat(),
                "valid_to": v.valid.end.isoformat() if v.valid.end else None,
                "declared_total": d.total,
                "declared_prohibited": d.prohibited,
                "declared_restricted": d.restricted,
                "declared_added": d.added,
                "declared_deleted": d.deleted,
                "declared_modified": d.modified,
                "declared_tag": d.tag,
                "encoded": v.encoded,
                "encoded_prohibited": v.encoded_prohibited,
                "encoded_restricted": v.encoded_restricted,
                "encoded_deleted": len(v.instrument.catalogue.deleted)
                if v.instrument.catalogue
                else 0,
                "unknown_carry_over": len(v.unknown_codes),
                "coverage": round(v.encoded / d.total, 4) if d.total else None,
            }
        )
    parts = []
    for inst, cov in book.coverage:
        parts.append(
            {
                "instrument": inst.id,
                "number": inst.number,
                "scope": cov.scope.best(),
                "declared": cov.declared,
                "encoded": cov.encoded,
                "unit": cov.unit,
                "coverage": round(cov.encoded / cov.declared, 4) if cov.declared else None,
                "tag": cov.tag,
            }
        )
    return {
        "rulebook_version": book.version,
        "data_as_of": book.data_as_of.isoformat(),
        "instruments": len(book.instruments),
        "items": len(book.item_refs),
        "catalogues": cats,
        "partial": parts,
        "dual_use_catalogue": _catalogue.coverage(book),
        "lists": list_coverage(book),
    }


def list_coverage(book: Rulebook) -> dict[str, Any]:
    """Party lists: entries encoded per list and per announcement, with the
    date to which the sources were searched for changes."""
    lists = book.lists
    announcements = []
    for a in lists.announcements.values():
        tags = {t: sum(1 for e in a.entries if e.tag == t) for t in ("P", "S", "U")}
        announcements.append(
            {
                "id": a.id,
                "list": a.list,
                "number": a.number,
                "announced": a.announced.isoformat(),
                "effective": a.effective.isoformat(),
                "encoded": len(a.entries),
                "declared": a.declared_entries,
                "complete": a.complete,
                "coverage": round(len(a.entries) / a.declared_entries, 4)
                if a.declared_entries
                else None,
                "status_periods": [
                    {
                        "status": p.status,
                        "from": p.period.start.isoformat(),
                        "until": p.period.end.isoformat() if p.period.end else None,
                    }
                    for p in a.status
                ],
                "tags": tags,
                "sources_checked_to": a.sources_checked_to.isoformat(),
            }
        )
    return {
        "entries": len(lists),
        "by_list": lists.counts(),
        "announcements": announcements,
        "data_as_of": lists.data_as_of.isoformat() if lists.data_as_of else None,
        "incomplete": [a.number for a in lists.announcements.values() if not a.complete],
    }


def _find_version(book: Rulebook, name: str) -> CatalogueVersionView | None:
    for v in _versions(book):
        if name in (v.version, v.instrument.id, v.instrument.number):
            return v
    return None


def _item_brief(ref: ItemRef) -> dict[str, Any]:
    it = ref.item
    return {
        "code": it.code,
        "code_status": it.code_status,
        "part": it.part,
        "kind": it.kind,
        "title": it.title.zh or it.title.en,
        "title_en": it.title.en,
        "instrument": ref.instrument.id,
    }


def diff(book: Rulebook, a: str, b: str) -> dict[str, Any]:
    """Items added, removed and modified from A to B (catalogue versions by
    version name, id or number; or any two instruments by id)."""
    va, vb = _find_version(book, a), _find_version(book, b)
    if va is not None and vb is not None:
        ia, ib = va.items, vb.items
        declared = vb.declared.model_dump(exclude={"sources"}) if vb.declared else {}
        removed = sorted(set(ia) - set(ib) - set(vb.unknown_codes))
        unknown = sorted((set(ia) - set(ib)) & set(vb.unknown_codes))
        deleted_untraced = [
            {"code": d.code, "title": d.title.zh or d.title.en, "part": d.part}
            for d in (vb.instrument.catalogue.deleted if vb.instrument.catalogue else ())
            if d.code is None or d.code not in ia
        ]
        label_a, label_b = va.instrument.id, vb.instrument.id
    else:
        insts = []
        for name in (a, b):
            inst = book.instruments.get(name)
            if inst is None:
                versions = ", ".join(v.version for v in _versions(book))
                raise UnknownVersionError(
                    f"'{name}' is neither a catalogue version ({versions}) nor an instrument id"
                )
            insts.append(inst)
        ia = {it.code: ItemRef(insts[0], it) for it in insts[0].items}
        ib = {it.code: ItemRef(insts[1], it) for it in insts[1].items}
        declared = {}
        removed = sorted(set(ia) - set(ib))
        unknown = []
        deleted_untraced = []
        label_a, label_b = insts[0].id, insts[1].id
    new_codes = set(ib) - set(ia)
    # an item that B itself marks as modified or retained existed before, even
    # when A's encoding lacks it: it is not counted as added
    added = sorted(c for c in new_codes if ib[c].item.change not in ("modified", "retained"))
    modified = sorted(
        [c for c in set(ia) & set(ib) if ia[c].item != ib[c].item]
        + [c for c in new_codes if ib[c].item.change == "modified"]
    )
    retained = sorted(c for c in new_codes if ib[c].item.change == "retained")
    return {
        "from": label_a,
        "to": label_b,
        "added": [_item_brief(ib[c]) for c in added],
        "removed": [_item_brief(ia[c]) for c in removed],
        "modified": [_item_brief(ib[c]) for c in modified],
        "unknown": [_item_brief(ia[c]) for c in unknown],
        "retained_not_encoded_in_from": [_item_brief(ib[c]) for c in retained],
        "deleted_without_encoded_item": deleted_untraced,
        "declared": declared,
        "counts": {
            "added": len(added),
            "removed": len(removed),
            "modified": len(modified),
            "unknown": len(unknown),
            "retained_not_encoded_in_from": len(retained),
        },
    }
