"""The compiled rulebook: instruments indexed for fast determinations.

:class:`Rulebook` is built once from validated :class:`Instrument` objects.
It materialises technology-catalogue versions (adjustments carry base items
forward), turns catalogue parts into controls, attaches suspensions to the
controls they suspend, and indexes items by code, control code and tariff
line. Everything here is read-only after construction.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from lanthanide.rules import catalogue as _catalogue
from lanthanide.rules import status as _status
from lanthanide.rules.lists import ListAnnouncement, PartyLists
from lanthanide.rules.model import (
    Control,
    Coverage,
    Declared,
    Duty,
    Instrument,
    Item,
    Period,
    Selector,
    Suspension,
    Text,
)

if TYPE_CHECKING:
    from lanthanide.rules.overlay import Overlay

ItemKey = tuple[str, str]
"""(instrument id, item code)."""

TECH_CATALOGUE = "cn-tech-export-catalogue"


@dataclass(frozen=True, slots=True)
class ItemRef:
    instrument: Instrument
    item: Item

    @property
    def key(self) -> ItemKey:
        return (self.instrument.id, self.item.code)


@dataclass(frozen=True, slots=True)
class SuspensionRef:
    by: Instrument
    suspension: Suspension


@dataclass(slots=True, eq=False)
class CompiledControl:
    """A control with the instrument that imposes it and its suspensions."""

    instrument: Instrument
    control: Control
    suspensions: list[SuspensionRef] = field(default_factory=list)
    item_keys: frozenset[ItemKey] = frozenset()
    """Items selected explicitly (own items or refs)."""
    catalogue_version: CatalogueVersionView | None = None

    @property
    def uid(self) -> str:
        return f"{self.instrument.id}#{self.control.id}"

    def suspended_on(self, day: date) -> SuspensionRef | None:
        for s in self.suspensions:
            if s.suspension.period.contains(day):
                return s
        return None

    def in_force(self, day: date) -> bool:
        return self.control.valid.contains(day) and self.suspended_on(day) is None


@dataclass(slots=True)
class CatalogueVersionView:
    """One materialised version of a versioned catalogue."""

    instrument: Instrument
    version: str
    valid: Period
    declared: Declared
    items: dict[str, ItemRef]
    """code -> item present in this version (own or carried over)."""
    deleted_codes: frozenset[str]
    """Codes known to be absent from this version (deleted here or earlier)."""
    unknown_codes: frozenset[str]
    """Base codes whose presence in this version is not known (full re-issue)."""

    @property
    def encoded(self) -> int:
        return len(self.items)

    @property
    def encoded_prohibited(self) -> int:
        return sum(1 for r in self.items.values() if r.item.part == "J")

    @property
    def encoded_restricted(self) -> int:
        return sum(1 for r in self.items.values() if r.item.part == "X")

    @property
    def complete(self) -> bool:
        total = self.declared.total
        return total is not None and self.encoded >= total


def _canonical_json(instruments: Iterable[Instrument]) -> str:
    data = [i.model_dump(mode="json") for i in sorted(instruments, key=lambda i: i.id)]
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _catalogue_control(version: Instrument, item: Item) -> Control:
    assert version.catalogue is not None
    if item.part == "J":
        effect, zh, en = (
            "prohibited",
            "禁止出口的技术，不得出口",
            "A prohibited technology (part J of the catalogue): it may not be exported.",
        )
    else:
        effect, zh, en = (
            "licence_required",
            "限制出口的技术，实行许可证管理",
            "A restricted technology (part X of the catalogue): export needs a "
            "technology export licence (letter of intent, then licence).",
        )
    return Control(
        id=f"catalogue-{item.part}-{item.code}",
        effect=effect,
        applies_to=Selector(),
        valid=version.catalogue.valid,
        paragraph=f"{version.catalogue.version} catalogue, part {item.part}",
        reason=Text(zh=zh, en=en),
        sources=item.sources,
    )


class Rulebook:
    """All instruments, validated, compiled and indexed."""

    def __init__(
        self,
        instruments: Iterable[Instrument],
        lists: Iterable[ListAnnouncement] = (),
        *,
        version: str | None = None,
    ) -> None:
        """``version``: given by a rulebook derived from another whose
        version already names its content (one reading of an uncertain
        status, :func:`lanthanide.rules.status.under`); else the digest of
        the canonical JSON of every instrument and list."""
        self.instruments: dict[str, Instrument] = {i.id: i for i in instruments}
        self.lists: PartyLists = PartyLists(lists)  # entity lists: rules/lists.py
        self._in_force_cache: dict[date, list[Instrument]] = {}
        self.version: str = (
            version
            or hashlib.sha256(
                (_canonical_json(self.instruments.values()) + self.lists.canonical_json()).encode(
                    "utf-8"
                )
            ).hexdigest()[:12]
        )
        self.data_as_of: date = max(i.verified_on for i in self.instruments.values())

        self.item_refs: list[ItemRef] = [
            ItemRef(inst, it) for inst in self.instruments.values() for it in inst.items
        ]
        self.by_key: dict[ItemKey, ItemRef] = {r.key: r for r in self.item_refs}
        self.by_code: dict[str, list[ItemRef]] = defaultdict(list)
        for r in self.item_refs:
            self.by_code[r.item.code.lower()].append(r)
            if r.item.control_code and r.item.control_code.lower() != r.item.code.lower():
                self.by_code[r.item.control_code.lower()].append(r)

        # tariff-line indexes
        self.hs_exact: dict[str, list[ItemRef]] = defaultdict(list)
        self.hs_prefix: dict[str, list[ItemRef]] = defaultdict(list)
        for r in self.item_refs:
            for h in {h.code for h in r.item.hs}:
                self.hs_exact[h].append(r)
                for k in range(4, len(h) + 1):
                    self.hs_prefix[h[:k]].append(r)

        self.catalogues: dict[str, list[CatalogueVersionView]] = self._materialise_catalogues()
        self.controls: list[CompiledControl] = self._compile_controls()
        self.controls_by_item: dict[ItemKey, list[CompiledControl]] = self._index_controls()
        self.own_controls: dict[ItemKey, list[CompiledControl]] = defaultdict(list)
        for cc in self.controls:
            for key in cc.item_keys:
                if key[0] == cc.instrument.id or cc.catalogue_version is not None:
                    self.own_controls[key].append(cc)
        self.anything_controls: list[CompiledControl] = [
            cc for cc in self.controls if cc.control.applies_to.anything
        ]
        self.hs_controls: list[CompiledControl] = [
            cc for cc in self.controls if cc.control.applies_to.hs_prefixes
        ]
        self.duties: list[tuple[Instrument, Duty]] = [
            (inst, d) for inst in self.instruments.values() for d in inst.duties
        ]
        self.coverage: list[tuple[Instrument, Coverage]] = [
            (inst, c) for inst in self.instruments.values() for c in inst.coverage
        ]
        self.catalogue_item_keys: frozenset[ItemKey] = frozenset(
            r.key for views in self.catalogues.values() for v in views for r in v.items.values()
        )
        self.catalogue_codes: frozenset[str] = frozenset(
            code
            for views in self.catalogues.values()
            for v in views
            for code in (*v.items, *v.deleted_codes, *v.unknown_codes)
        )
        self.uncertain: list[_status.UncertainRef] = _status.index(self.instruments.values())
        self._readings: dict[tuple[str, str], Rulebook] = {}
        self.overlays: tuple[Overlay, ...] = ()
        """User overlay directories loaded on top of the bundled rulebook."""
        self.catalogue_index = _catalogue.CatalogueIndex(self.instruments.values())

    # ------------------------------------------------------------ building
    def _materialise_catalogues(self) -> dict[str, list[CatalogueVersionView]]:
        versions: dict[str, list[Instrument]] = defaultdict(list)
        for inst in self.instruments.values():
            if inst.catalogue is not None:
                versions[inst.catalogue.catalogue].append(inst)
        out: dict[str, list[CatalogueVersionView]] = {}
        for name, insts in versions.items():
            views: dict[str, CatalogueVersionView] = {}
            for inst in sorted(
                insts, key=lambda i: i.catalogue.valid.start if i.catalogue else date.min
            ):
                cat = inst.catalogue
                assert cat is not None
                base = views.get(cat.base) if cat.base else None
                own = {it.code: ItemRef(inst, it) for it in inst.items}
                deleted_here = {d.code for d in cat.deleted if d.code and d.tag != "U"}
                doubtful = {d.code for d in cat.deleted if d.code and d.tag == "U"}
                items: dict[str, ItemRef] = {}
                unknown: set[str] = set()
                deleted: set[str] = set(deleted_here)
                if base is not None:
                    deleted |= base.deleted_codes
                    if cat.basis == "adjustment":
                        items = {
                            c: r
                            for c, r in base.items.items()
                            if c not in deleted_here and c not in own
                        }
                        unknown = set(base.unknown_codes) - deleted_here - set(own)
                    else:
                        unknown = (set(base.items) | set(base.unknown_codes)) - deleted_here
                        unknown -= set(own)
                items.update(own)
                unknown |= {c for c in doubtful if c in items or c in (base.items if base else {})}
                items = {c: r for c, r in items.items() if c not in doubtful}
                deleted -= set(items)
                views[inst.id] = CatalogueVersionView(
                    instrument=inst,
                    version=cat.version,
                    valid=cat.valid,
                    declared=cat.declared,
                    items=items,
                    deleted_codes=frozenset(deleted),
                    unknown_codes=frozenset(unknown),
                )
            out[name] = sorted(views.values(), key=lambda v: v.valid.start)
        return out

    def _compile_controls(self) -> list[CompiledControl]:
        compiled: list[CompiledControl] = []
        for inst in self.instruments.values():
            for ctl in inst.controls:
                sel = ctl.applies_to
                keys: set[ItemKey] = set()
                whole: set[str] = set()
                if sel.items == "all":
                    whole.add(inst.id)
                elif sel.items:
                    keys |= {(inst.id, c) for c in sel.items}
                for ref in sel.refs:
                    target, _, code = ref.partition(":")
                    if code == "*":
                        whole.add(target)
                    else:
                        keys.add((target, code))
                for target in whole:
                    keys |= {(target, it.code) for it in self.instruments[target].items}
                compiled.append(CompiledControl(inst, ctl, item_keys=frozenset(keys)))
        for views in self.catalogues.values():
            for view in views:
                for iref in view.items.values():
                    if iref.item.part is None:
                        continue
                    compiled.append(
                        CompiledControl(
                            view.instrument,
                            _catalogue_control(view.instrument, iref.item),
                            item_keys=frozenset({iref.key}),
                            catalogue_version=view,
                        )
                    )
        for inst in self.instruments.values():
            for sus in inst.suspends:
                for cc in compiled:
                    if cc.instrument.id != sus.instrument:
                        continue
                    if sus.controls is None or cc.control.id in sus.controls:
                        cc.suspensions.append(SuspensionRef(inst, sus))
        return compiled

    def _index_controls(self) -> dict[ItemKey, list[CompiledControl]]:
        index: dict[ItemKey, list[CompiledControl]] = defaultdict(list)
        for cc in self.controls:
            sel = cc.control.applies_to
            selected: set[ItemKey] = set(cc.item_keys)
            for r in self.item_refs:
                if sel.regimes and r.instrument.regime in sel.regimes:
                    selected.add(r.key)
                if (
                    sel.elements
                    and set(sel.elements) & set(r.item.elements)
                    and (not sel.stages or r.item.stage in sel.stages)
                ):
                    selected.add(r.key)
            if sel.kinds:
                selected = {k for k in selected if self.by_key[k].item.kind in sel.kinds}
            for key in selected:
                index[key].append(cc)
        return index

    # ------------------------------------------------------------ queries
    def item_controlled_on(self, key: ItemKey, day: date) -> bool:
        """Whether an item is controlled by its own instrument on ``day``
        (in force and not suspended)."""
        return any(cc.in_force(day) for cc in self.own_controls.get(key, ()))

    def catalogue_in_force(
        self, day: date, name: str = TECH_CATALOGUE
    ) -> CatalogueVersionView | None:
        for view in self.catalogues.get(name, ()):
            if view.valid.contains(day):
                return view
        return None

    def catalogue_lines(self, hs: str, on: date | None = None) -> list[_catalogue.CatalogueHit]:
        """Rows of the dual-use licence catalogue(s) in force on ``on`` (any
        edition if None) listing export tariff line ``hs`` (10 digits: that
        line; fewer: every line under it)."""
        return self.catalogue_index.lines(hs, on)

    def uncertain_on(self, day: date) -> list[_status.UncertainRef]:
        """Uncertain statuses some alternative reading of which changes ``day``."""
        return _status.relevant(self.uncertain, day)

    def under(self, status_id: str, reading_id: str) -> Rulebook:
        """The rulebook under one reading of an uncertain status."""
        return _status.under(self, status_id, reading_id)

    def prepare_readings(self) -> None:
        """Build the rulebook of every alternative reading of every uncertain
        status now (kept on this book, and stored with it on disk), so that a
        determination with alternatives compiles nothing."""
        for ref in self.uncertain:
            for r in ref.status.alternatives:
                self.under(ref.status.id, r.id)

    def in_force(self, day: date) -> list[Instrument]:
        """Instruments whose controls, duties or catalogue apply on ``day``."""
        cached = self._in_force_cache.get(day)
        if cached is not None:
            return cached
        out = []
        for inst in self.instruments.values():
            periods = [c.valid for c in inst.controls] + [d.valid for d in inst.duties]
            if inst.catalogue is not None:
                periods.append(inst.catalogue.valid)
            if any(p.contains(day) for p in periods):
                out.append(inst)
        if len(self._in_force_cache) > 8192:
            self._in_force_cache.clear()
        self._in_force_cache[day] = out
        return out


_CACHE: dict[object, Rulebook] = {}
_BASE: dict[str, list[Instrument]] = {}


def load_rulebook(
    directory: Path | None = None, overlays: Sequence[Path | str] | None = None
) -> Rulebook:
    """Load, validate and compile a rulebook (cached per directory and overlay
    files, in the process and on disk: :mod:`lanthanide.rules.stored`).
    ``overlays``: user directories loaded on top (rules/overlay.py); None
    reads ``LANTHANIDE_RULEBOOK_OVERLAYS``; ``[]`` means none."""
    from lanthanide.rules import overlay, stored
    from lanthanide.rules.loader import default_dir

    root = directory or default_dir()
    dirs = [Path(p) for p in (overlay.from_env() if overlays is None else overlays)]
    key = (
        str(root.resolve()),
        tuple((str(d), overlay.fingerprint(d) if d.is_dir() else ()) for d in dirs),
    )
    book = _CACHE.get(key)
    if book is None:
        entry = stored.name(root, dirs)
        book = stored.load(entry) if entry is not None else None
        if book is None:
            book = _build(root, dirs, key[0])
            if entry is not None:
                book.prepare_readings()  # ~10 % more to read, no compile per process
                stored.save(entry, book)
        _CACHE[key] = book
    return book


def _build(root: Path, dirs: list[Path], resolved: str) -> Rulebook:
    """The rulebook in ``root`` with ``dirs`` on top, from its files."""
    from lanthanide.rules import overlay
    from lanthanide.rules.lists import load_lists_with_overlays
    from lanthanide.rules.loader import load_instruments

    base = _BASE.get(resolved)
    if base is None:
        base = _BASE[resolved] = load_instruments(root)
    instruments, loaded = overlay.merge(base, dirs)
    book = Rulebook(instruments, load_lists_with_overlays(root, dirs))
    book.overlays = loaded
    return book
