"""Uncertain legal status: a dated fact that is not (yet) law, and its readings.

Example: on 2026-09-28 MOFCOM said the Kuala Lumpur arrangement is extended
to 2027-01-10, but no announcement extending the suspensions by 2025 No. 70
and No. 72 was found. The rulebook as encoded follows the legal text (the
suspensions end on their written dates); the statement allows another
reading, in which they run to 2027-01-10.

An :class:`UncertainStatus` sits on the instrument that carries the fact
(here the statement itself) and lists its :class:`Reading` s. Exactly one is
the ``default``: the rulebook as encoded, with no changes. Every other reading
states what would change if it were the law, as data — today suspensions
(``suspends``, the same shape as an instrument's) — with its own tag and
sources. :meth:`Rulebook.under` builds the rulebook of a reading, so the
engine can decide a case under both and show the alternative.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from lanthanide.rules.model import Instrument, Period, Source, Suspension, Tag, Text, _Strict

if TYPE_CHECKING:
    from lanthanide.rules.book import Rulebook
    from lanthanide.rules.loader import Problem

StatusKind = Literal["announced_not_enacted", "end_unknown", "conflicting_sources"]
"""``announced_not_enacted``: an official statement announces a change of the
law but no legal text enacting it was found; ``end_unknown``: what happened at
a written end date is not known; ``conflicting_sources``: sources disagree on
the law itself."""

SLUG = r"^[a-z0-9][a-z0-9-]*$"


class Reading(_Strict):
    """One way to read an uncertain status."""

    id: str = Field(pattern=SLUG)
    default: bool = False
    """The reading the rulebook as encoded follows (the legal text)."""
    text: Text
    """What this reading says, in a sentence."""
    suspends: tuple[Suspension, ...] = ()
    """Suspensions that apply under this reading on top of the encoded ones."""
    tag: Tag
    sources: tuple[Source, ...] = Field(min_length=1)


class UncertainStatus(_Strict):
    """A dated fact whose legal effect is uncertain, with its readings."""

    id: str = Field(pattern=SLUG)
    kind: StatusKind
    stated_on: date | None = None
    """The date of the statement or fact that opens the question."""
    question: Text
    readings: tuple[Reading, ...] = Field(min_length=2)
    tag: Tag = "U"
    sources: tuple[Source, ...] = Field(min_length=1)
    notes: str | None = None

    @model_validator(mode="after")
    def _one_default(self) -> UncertainStatus:
        ids = [r.id for r in self.readings]
        if len(ids) != len(set(ids)):
            raise ValueError(f"reading ids must be unique (got {', '.join(ids)})")
        defaults = [r.id for r in self.readings if r.default]
        if len(defaults) != 1:
            raise ValueError(
                f"exactly one reading must be 'default: true' (the rulebook as encoded); "
                f"got {len(defaults)}"
            )
        for r in self.readings:
            if r.default and r.suspends:
                raise ValueError(
                    f"the default reading '{r.id}' is the rulebook as encoded and carries no "
                    "changes; put its suspensions in the instruments themselves"
                )
            if not r.default and not r.suspends:
                raise ValueError(f"reading '{r.id}' changes nothing (give 'suspends')")
        return self

    @property
    def default(self) -> Reading:
        return next(r for r in self.readings if r.default)

    @property
    def alternatives(self) -> tuple[Reading, ...]:
        return tuple(r for r in self.readings if not r.default)

    def periods(self) -> list[Period]:
        """The periods on which some alternative reading changes the law."""
        return [s.period for r in self.alternatives for s in r.suspends]

    def matters_on(self, day: date) -> bool:
        """Whether some alternative reading changes anything on ``day``."""
        return any(p.contains(day) for p in self.periods())


@dataclass(frozen=True, slots=True)
class UncertainRef:
    """An uncertain status with the instrument that carries it."""

    instrument: Instrument
    status: UncertainStatus

    @property
    def uid(self) -> str:
        return f"{self.instrument.id}#{self.status.id}"


def index(instruments: Iterable[Instrument]) -> list[UncertainRef]:
    return [UncertainRef(i, u) for i in instruments for u in i.uncertain]


def relevant(refs: Iterable[UncertainRef], day: date) -> list[UncertainRef]:
    return [r for r in refs if r.status.matters_on(day)]


def apply(instruments: Iterable[Instrument], status_id: str, reading_id: str) -> list[Instrument]:
    """The instruments with one reading of one uncertain status made law: the
    reading's suspensions are added to the instrument that carries it."""
    out: list[Instrument] = []
    found = False
    for inst in instruments:
        for u in inst.uncertain:
            if u.id != status_id:
                continue
            reading = next((r for r in u.readings if r.id == reading_id), None)
            if reading is None:
                raise KeyError(
                    f"uncertain status '{status_id}' has no reading '{reading_id}' "
                    f"(readings: {', '.join(r.id for r in u.readings)})"
                )
            found = True
            inst = inst.model_copy(update={"suspends": (*inst.suspends, *reading.suspends)})
        out.append(inst)
    if not found:
        raise KeyError(f"no uncertain status '{status_id}'")
    return out


def under(book: Rulebook, status_id: str, reading_id: str) -> Rulebook:
    """The rulebook of one reading (cached on ``book``); the default reading is
    ``book`` itself."""
    key = (status_id, reading_id)
    cached = book._readings.get(key)
    if cached is not None:
        return cached
    ref = next((r for r in book.uncertain if r.status.id == status_id), None)
    if ref is not None and ref.status.default.id == reading_id:
        return book
    # the reading is part of the base book's content, so its version and the
    # two ids name the derived book (no second digest of every instrument)
    derived = hashlib.sha256(f"{book.version}|{status_id}|{reading_id}".encode()).hexdigest()
    alt = type(book)(apply(book.instruments.values(), status_id, reading_id), version=derived[:12])
    alt.overlays = book.overlays
    book._readings[key] = alt
    return alt


def check(instruments: list[Instrument]) -> list[Problem]:
    """Cross-file checks: the suspensions of every reading aim at existing
    instruments and controls, and status ids are unique across the rulebook."""
    from lanthanide.rules.loader import Problem

    by_id = {i.id: i for i in instruments}
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for inst in instruments:
        f = f"{inst.id}.yaml"
        for i, u in enumerate(inst.uncertain):
            if u.id in seen:
                problems.append(
                    Problem(f, f"uncertain[{i}].id", f"'{u.id}' is also used in {seen[u.id]}")
                )
            seen[u.id] = f
            for j, r in enumerate(u.readings):
                for k, sus in enumerate(r.suspends):
                    path = f"uncertain[{i}].readings[{j}].suspends[{k}]"
                    target = by_id.get(sus.instrument)
                    if target is None:
                        problems.append(
                            Problem(
                                f, f"{path}.instrument", f"unknown instrument '{sus.instrument}'"
                            )
                        )
                        continue
                    cids = {c.id for c in target.controls}
                    for cid in sus.controls or ():
                        if cid not in cids:
                            problems.append(
                                Problem(
                                    f,
                                    f"{path}.controls",
                                    f"'{sus.instrument}' has no control '{cid}' "
                                    f"(controls: {', '.join(sorted(cids)) or 'none'})",
                                )
                            )
    return problems


def _register() -> None:
    """Complete :class:`Instrument`'s ``uncertain`` field (model.py cannot import
    this module, which builds on it)."""
    from lanthanide.rules import model

    model.UncertainStatus = UncertainStatus  # type: ignore[attr-defined]
    if model.Instrument.__pydantic_complete__:  # else built on first use (defer_build)
        model.Instrument.model_rebuild(force=True, raise_errors=False)


_register()
