"""What a timeline (and an impact row) compares of a determination: its
findings as :class:`FindingKey` (instrument, control, effect, item, with the
catalogue adjustments that carry an item over) and its pending questions as
:class:`PendingKey`; and the small protocols of a determination they read."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from lanthanide.decide.model import RANK, Case
from lanthanide.rules.book import Rulebook


class _Inst(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def number(self) -> str | None: ...


class _Item(Protocol):
    @property
    def code(self) -> str: ...


class FindingLike(Protocol):
    @property
    def effect(self) -> str: ...

    @property
    def instrument(self) -> _Inst: ...

    @property
    def control(self) -> str: ...

    @property
    def item(self) -> _Item | None: ...


class DeterminationLike(Protocol):
    """What a timeline reads of a determination (``window`` when present)."""

    @property
    def verdict(self) -> str: ...

    @property
    def findings(self) -> Sequence[FindingLike]: ...


DecideFn = Callable[[Case], DeterminationLike]
"""``Case -> Determination``: e.g. ``Engine(book).decide``."""
DecideUnder = Callable[[Rulebook], DecideFn]
"""A decide function for another rulebook (an uncertain reading)."""


@dataclass(frozen=True, slots=True, order=True)
class FindingKey:
    """A finding as the timeline compares it (``number`` and ``reason`` are
    carried, not compared)."""

    instrument: str
    control: str
    effect: str
    item: str | None
    number: str | None = field(compare=False, default=None)
    item_instrument: str | None = field(compare=False, default=None)
    """The instrument that lists ``item`` (``instrument:item`` is how change
    events name it)."""
    via: str | None = field(compare=False, default=None)
    """For an item carried over unchanged by a catalogue *adjustment*: the
    adjusting instrument whose version of the catalogue is in force
    (``instrument`` is then the one that lists the item, e.g. the 2023
    technology catalogue as adjusted by 2025 No. 28)."""
    via_number: str | None = field(compare=False, default=None)
    reason: str | None = field(compare=False, default=None)
    """The finding's reason (carried for impact's rows; not compared)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "instrument": self.instrument,
            "number": self.number,
            "control": self.control,
            "effect": self.effect,
            "item": self.item,
        }
        if self.via is not None:
            out["via"] = self.via
            out["via_number"] = self.via_number
        return out


@dataclass(frozen=True, slots=True, order=True)
class PendingKey:
    """A question of the determination as the timeline compares it: the
    answer it waits for could lead to ``effect`` under ``instrument``."""

    field: str
    effect: str
    instrument: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "effect": self.effect, "instrument": self.instrument}


def _adjusts(book: Rulebook | None, version: str, listed_by: str) -> bool:
    """True when ``version`` is a catalogue adjustment whose chain of bases
    reaches ``listed_by`` (so an item of ``listed_by`` it cites was carried
    over, not re-listed or modified)."""
    if book is None or version == listed_by:
        return False
    seen: set[str] = set()
    inst = book.instruments.get(version)
    while inst is not None and inst.catalogue is not None and inst.id not in seen:
        seen.add(inst.id)
        cat = inst.catalogue
        if cat.basis != "adjustment" or cat.base is None:
            return False
        if cat.base == listed_by:
            return True
        inst = book.instruments.get(cat.base)
    return False


def key_of(
    instrument: str,
    number: str | None,
    control: str,
    effect: str,
    item: str | None,
    item_instrument: str | None,
    book: Rulebook | None,
    reason: str | None = None,
) -> FindingKey:
    """A finding's key from its fields (a determination's, or its JSON's:
    both paths of impact build keys here)."""
    if item_instrument is not None and _adjusts(book, instrument, item_instrument):
        base = book.instruments[item_instrument] if book is not None else None
        return FindingKey(
            item_instrument,
            control,
            effect,
            item,
            base.number if base is not None else None,
            item_instrument,
            instrument,
            number,
            reason,
        )
    return FindingKey(instrument, control, effect, item, number, item_instrument, reason=reason)


def _key(f: FindingLike, book: Rulebook | None) -> FindingKey:
    listed_by = getattr(f.item, "instrument", None) if f.item is not None else None
    reason = getattr(f, "reason", None)
    return key_of(
        f.instrument.id,
        f.instrument.number,
        f.control,
        f.effect,
        f.item.code if f.item is not None else None,
        listed_by if isinstance(listed_by, str) else None,
        book,
        reason if isinstance(reason, str) else None,
    )


def finding_keys(keys: Iterable[FindingKey]) -> tuple[FindingKey, ...]:
    """Distinct keys, sorted; of keys that compare equal, the first (so
    every path that reads the same findings in the same order keeps the
    same one)."""
    return tuple(sorted(dict.fromkeys(keys)))


def _keys(det: DeterminationLike, book: Rulebook | None = None) -> tuple[FindingKey, ...]:
    """The findings of ``det`` as compared keys; with ``book``, an item that a
    catalogue adjustment carries over unchanged keeps the instrument that
    lists it (``via`` the adjustment), so the adjustment is no change of it."""
    return finding_keys(_key(f, book) for f in det.findings)


def _pending(det: DeterminationLike) -> tuple[PendingKey, ...]:
    """The open questions that could still change the answer: every one of an
    ``undetermined`` answer, else those whose pending effect is stricter than
    the verdict (a question that could at most confirm it changes nothing)."""
    out = set()
    floor = RANK.get(det.verdict)
    for q in getattr(det, "questions", ()) or ():
        effect = getattr(q, "pending_effect", None)
        if isinstance(effect, str) and (floor is None or RANK.get(effect, 0) > floor):
            inst = getattr(q, "instrument", None)
            out.add(
                PendingKey(
                    str(getattr(q, "field", "")), effect, inst if isinstance(inst, str) else None
                )
            )
    return tuple(sorted(out))
