"""What changed in the law between two dates: dated events read from the rulebook.

:func:`changes` lists, for ``[since, until)``, every instrument published,
entering into force, expiring, suspended or resumed, every control or
catalogue version starting or ending, every uncertain status stated (and the
dates an alternative reading would change), and entity-list notices and their
status periods. Each :class:`Change` carries its date, kind, instrument (id
and exact number), the items and destinations it touches and its sources.
Pure: reads a :class:`~lanthanide.rules.book.Rulebook`, returns data.
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from lanthanide.errors import FieldError
from lanthanide.rules.book import CompiledControl, Rulebook
from lanthanide.rules.model import DestinationScope, Instrument, Period, Source, Text
from lanthanide.rules.periods import last_day

ChangeKind = Literal[
    "published",
    "in_force",
    "expired",
    "suspended",
    "resumed",
    "uncertain_stated",
    "uncertain_suspended",
    "uncertain_resumed",
    "list_announced",
    "list_in_force",
    "list_suspended",
    "list_resumed",
    "list_stopped",
    "list_cancelled",
]
"""``in_force`` / ``expired``: a control, duty or catalogue version starts /
ends (the first day it no longer applies); ``suspended`` / ``resumed``: a
suspension starts / ends (``resumed`` is the first day the control applies
again); ``uncertain_*``: the same under an alternative reading of an
uncertain status (not law as encoded); ``list_*``: entity-list notices."""

KINDS: tuple[str, ...] = ChangeKind.__args__  # type: ignore[attr-defined]


class ChangeError(FieldError):
    """Bad arguments to :func:`changes` (``field`` names the argument)."""


@dataclass(frozen=True, slots=True)
class Change:
    """One dated change of the law."""

    date: date
    kind: str
    instrument: str
    number: str | None
    title: str
    controls: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    """Codes of the items the controls select (``instrument:code``)."""
    destinations: tuple[str, ...] = ()
    """Destination scopes of the controls (``all``, ``only:US``, ``except:…``)."""
    by: str | None = None
    """For a suspension (or its end): the suspending instrument."""
    by_number: str | None = None
    last_day: _dt.date | None = None
    """For an end: the last day still covered (``date`` − 1)."""
    uncertain: bool = False
    """True when the date is not settled law: an ``end_uncertain`` period, a
    ``U`` period, or an alternative reading of an uncertain status."""
    status: str | None = None
    reading: str | None = None
    note: str | None = None
    sources: tuple[tuple[str, str], ...] = field(default=())
    """``(url, tag)`` pairs."""

    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.date,
            KINDS.index(self.kind),
            self.instrument,
            self.by or "",
            self.note or "",
            self.controls,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "kind": self.kind,
            "instrument": self.instrument,
            "number": self.number,
            "title": self.title,
            "controls": list(self.controls),
            "items": list(self.items),
            "destinations": list(self.destinations),
            "by": self.by,
            "by_number": self.by_number,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "uncertain": self.uncertain,
            "status": self.status,
            "reading": self.reading,
            "note": self.note,
            "sources": [{"url": u, "tag": t} for u, t in self.sources],
        }


def scope_text(scope: DestinationScope) -> str:
    if scope.mode == "all":
        return "all"
    return f"{scope.mode}:{','.join(scope.countries)}"


def _srcs(sources: Iterable[Source]) -> tuple[tuple[str, str], ...]:
    return tuple(dict.fromkeys((s.url, s.tag) for s in sources))


@dataclass(frozen=True, slots=True)
class _Act:
    """An entity-list notice, shown like an instrument (id, exact number)."""

    id: str
    number: str | None
    title: Text
    sources: tuple[Source, ...]


Act = Instrument | _Act


def _title(inst: Act) -> str:
    return inst.title.zh or inst.title.en or inst.id


def _doubtful(p: Period) -> bool:
    return p.end_uncertain or p.tag == "U"


class _Collector:
    """Collects events, merging those of one instrument, kind and date."""

    def __init__(self, book: Rulebook, since: date, until: date | None) -> None:
        self.book = book
        self.since = since
        self.until = until
        self._acc: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._items_of: dict[str, list[str]] = defaultdict(list)
        for key, ccs in book.controls_by_item.items():
            for cc in ccs:
                self._items_of[cc.uid].append(f"{key[0]}:{key[1]}")

    def inside(self, day: date | None) -> bool:
        return day is not None and day >= self.since and (self.until is None or day < self.until)

    def items(self, cc: CompiledControl) -> list[str]:
        sel = cc.control.applies_to
        own = sorted(set(self._items_of.get(cc.uid, ())) | {f"{a}:{b}" for a, b in cc.item_keys})
        extra = [f"hs:{p}" for p in sel.hs_prefixes]
        if sel.anything:
            extra.append("anything")
        return own + extra

    def add(
        self,
        day: date | None,
        kind: str,
        inst: Act,
        *,
        cc: CompiledControl | None = None,
        by: Instrument | None = None,
        uncertain: bool = False,
        last: date | None = None,
        sources: Iterable[Source] = (),
        status: str | None = None,
        reading: str | None = None,
        note: str | None = None,
    ) -> None:
        if not self.inside(day):
            return
        assert day is not None
        key = (day, kind, inst.id, by.id if by else None, status, reading, note)
        slot = self._acc.get(key)
        if slot is None:
            slot = self._acc[key] = {
                "inst": inst,
                "by": by,
                "controls": [],
                "items": [],
                "dest": [],
                "uncertain": False,
                "last": last,
                "sources": [],
                "note": note,
            }
        if cc is not None:
            slot["controls"].append(cc.control.id)
            slot["items"].extend(self.items(cc))
            slot["dest"].append(scope_text(cc.control.destinations))
        slot["uncertain"] = slot["uncertain"] or uncertain
        slot["sources"].extend(sources)

    def result(self) -> list[Change]:
        out = []
        for (day, kind, _iid, _by, status, reading, _note), s in self._acc.items():
            inst: Act = s["inst"]
            by: Instrument | None = s["by"]
            out.append(
                Change(
                    date=day,
                    kind=kind,
                    instrument=inst.id,
                    number=inst.number,
                    title=_title(inst),
                    controls=tuple(sorted(set(s["controls"]))),
                    items=tuple(sorted(set(s["items"]))),
                    destinations=tuple(sorted(set(s["dest"]))),
                    by=by.id if by else None,
                    by_number=by.number if by else None,
                    last_day=s["last"],
                    uncertain=s["uncertain"],
                    status=status,
                    reading=reading,
                    note=s["note"],
                    sources=_srcs(s["sources"]) or _srcs(inst.sources),
                )
            )
        return sorted(out, key=Change.sort_key)


def changes(
    book: Rulebook, since: date, until: date | None = None, *, lists: bool = True
) -> list[Change]:
    """Every dated change of the law in ``[since, until)`` (``until`` None: to
    the end of the data), sorted by date, kind and instrument."""
    if until is not None and until <= since:
        raise ChangeError("until", f"{until} must be after since {since}")
    col = _Collector(book, since, until)
    for inst in book.instruments.values():
        col.add(inst.published, "published", inst, sources=inst.sources)
        if inst.effective and not inst.controls and inst.catalogue is None:
            col.add(inst.effective, "in_force", inst, sources=inst.sources)
        for d in inst.duties:
            note = f"duty {d.id}"
            col.add(d.valid.start, "in_force", inst, sources=d.sources, note=note)
            col.add(
                d.valid.end,
                "expired",
                inst,
                uncertain=_doubtful(d.valid),
                last=last_day(d.valid.end),
                sources=d.sources,
                note=note,
            )
        if inst.licence_catalogue is not None:
            lc = inst.licence_catalogue.valid
            col.add(lc.start, "in_force", inst, note="licence catalogue")
            col.add(lc.end, "expired", inst, last=last_day(lc.end), note="licence catalogue")
    for cc in book.controls:
        v = cc.control.valid
        col.add(v.start, "in_force", cc.instrument, cc=cc, sources=cc.control.sources)
        col.add(
            v.end,
            "expired",
            cc.instrument,
            cc=cc,
            uncertain=_doubtful(v),
            last=last_day(v.end),
            sources=cc.control.sources,
        )
        for s in cc.suspensions:
            p = s.suspension.period
            col.add(
                p.start,
                "suspended",
                cc.instrument,
                cc=cc,
                by=s.by,
                uncertain=p.tag == "U",
                sources=s.suspension.sources,
            )
            col.add(
                p.end,
                "resumed",
                cc.instrument,
                cc=cc,
                by=s.by,
                uncertain=_doubtful(p),
                last=last_day(p.end),
                sources=s.suspension.sources,
            )
    _uncertain(book, col)
    if lists:
        _lists(book, col)
    return col.result()


def _uncertain(book: Rulebook, col: _Collector) -> None:
    ccs_of: dict[str, list[CompiledControl]] = defaultdict(list)
    for cc in book.controls:
        ccs_of[cc.instrument.id].append(cc)
    for ref in book.uncertain:
        st = ref.status
        col.add(
            st.stated_on,
            "uncertain_stated",
            ref.instrument,
            uncertain=True,
            sources=st.sources,
            status=st.id,
            note=st.question.best(),
        )
        for r in st.alternatives:
            for sus in r.suspends:
                target = book.instruments[sus.instrument]
                for cc in ccs_of[target.id]:
                    if sus.controls is not None and cc.control.id not in sus.controls:
                        continue
                    for day, kind in (
                        (sus.period.start, "uncertain_suspended"),
                        (sus.period.end, "uncertain_resumed"),
                    ):
                        col.add(
                            day,
                            kind,
                            target,
                            cc=cc,
                            by=ref.instrument,
                            uncertain=True,
                            last=last_day(sus.period.end) if kind.endswith("resumed") else None,
                            sources=sus.sources,
                            status=st.id,
                            reading=r.id,
                        )


def _lists(book: Rulebook, col: _Collector) -> None:
    for ann in book.lists.announcements.values():
        srcs = [Source(url=s.url, tag=s.tag) for s in ann.sources]
        inst = _Act(ann.id, ann.number, ann.title or Text(zh=ann.number), tuple(srcs))
        n = len(ann.entries)
        note = f"{ann.list}: {n} entries encoded" + ("" if ann.complete else " (incomplete)")
        col.add(ann.announced, "list_announced", inst, sources=srcs, note=note)
        col.add(ann.effective, "list_in_force", inst, sources=srcs, note=note)
        for sp in ann.status:
            p = sp.period
            ssrcs = [Source(url=s.url, tag=s.tag) for s in sp.sources]
            what = f"{sp.status} by {sp.by}"
            col.add(p.start, f"list_{sp.status}", inst, sources=ssrcs, note=what)
            if sp.status == "suspended":
                col.add(
                    p.end,
                    "list_resumed",
                    inst,
                    uncertain=_doubtful(p) or sp.extension is not None,
                    last=last_day(p.end),
                    sources=ssrcs,
                    note=what,
                )
