"""Decide each distinct key once with :func:`lanthanide.decide.decide` and
shape the determination into the output columns that the engines join back
onto the lines. This is the only place a batch calls the rule logic: the
engines never evaluate a rule themselves, so there is one rule semantics."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from lanthanide.decide import Case, Determination, decide
from lanthanide.decide.engine import engine_for
from lanthanide.rules.book import Rulebook
from lanthanide.screen.compile import ON_TOKEN, Key, KeySpace

RESULT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("hs_key", "string"),
    ("dest_key", "string"),
    ("bucket", "int"),
    ("eu_key", "string"),
    ("pkey", "string"),
    ("verdict", "string"),
    ("effects", "string"),
    ("instruments", "string"),
    ("items", "string"),
    ("fid", "int"),
    ("cid", "int"),
    ("qid", "int"),
    ("wid", "int"),
)
"""Columns of the ``results`` table (key columns first); ``fid``, ``cid``,
``qid`` and ``wid`` are the ids of the findings, conflicts, questions and
warnings texts in ``templates``."""
TEMPLATE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "int"),
    ("text", "string"),
    ("dated", "int"),
)


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: str
    effects: str
    instruments: str
    items: str
    findings: str
    questions: str
    warnings: str
    conflicts: str


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def shape(d: Determination) -> Outcome:
    """The output columns of one determination (JSON columns use the field
    names of ``lanthanide check --format json``; built directly from the
    dataclasses, which is faster than ``to_dict`` and gives the same JSON)."""
    findings = [
        {
            "effect": f.effect,
            "instrument": f.instrument.id,
            "number": f.instrument.number,
            "item": f.item.code if f.item else None,
            "control": f.control,
            "paragraph": f.paragraph,
            "validity": {
                "start": f.validity.start.isoformat(),
                "end": f.validity.end.isoformat() if f.validity.end else None,
            },
            "matched_by": f.matched_by,
        }
        for f in d.findings
    ]
    questions = [
        {
            "field": q.field,
            "text": q.text,
            "options": list(q.options),
            "pending_effect": q.pending_effect,
            "instrument": q.instrument,
        }
        for q in d.questions
    ]
    warnings = [{"code": w.code, "text": w.text, "instrument": w.instrument} for w in d.warnings]
    conflicts = [{"text": x.text, "findings": list(x.findings)} for x in d.conflicts]
    return Outcome(
        verdict=d.verdict,
        effects=";".join(f.effect for f in d.findings),
        instruments=";".join(f.instrument.number or f.instrument.id for f in d.findings),
        items=";".join(f.item.code if f.item else "" for f in d.findings),
        findings=_dumps(findings),
        questions=_dumps(questions),
        warnings=_dumps(warnings),
        conflicts=_dumps(conflicts),
    )


_ANY = object()
_WATCHED = ("destination", "end_use", "params")
_SLOTS = {
    name: Case.__dict__[name]
    for name in (*_WATCHED, "on", "item", "hs", "text", "kind", "end_user")
}


class _Probe(Case):
    """A case that records which of destination, end use and parameters the
    engine reads. A fact the engine never read cannot have changed its path,
    so the determination holds for every value of that fact."""

    __slots__ = ("read",)

    def __init__(self, case: Case) -> None:  # frozen dataclass: set the slots directly
        for name, slot in _SLOTS.items():
            slot.__set__(self, getattr(case, name))
        object.__setattr__(self, "read", set())

    def _get(self, name: str) -> Any:
        self.read.add(name)  # type: ignore[attr-defined]
        return _SLOTS[name].__get__(self, Case)

    destination = property(lambda self: self._get("destination"))
    end_use = property(lambda self: self._get("end_use"))
    params = property(lambda self: self._get("params"))


class DateUse(RuntimeError):
    """``decide()`` used the date other than by comparing it with dates and
    quoting it; the key space cannot represent that."""


def _opaque(name: str) -> Any:
    def use(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise DateUse(f"decide() used date.{name}; screening can only follow comparisons")

    return use


class _Day(date):
    """The case's date, recording every date it is compared with.

    ``decide()`` is deterministic. If on another day every one of these
    comparisons comes out the same, it takes the same path and returns the
    same determination, except where it quotes the day (texts hold a
    placeholder for that). The days on which every comparison comes out the
    same form the *cell* of the determination: the interval between the
    nearest compared dates below and above (a compared date is a cell of its
    own).

    Every other use of the date raises :class:`DateUse` — arithmetic, its
    fields, and hashing (a set or dict lookup could answer without a
    recorded comparison). The engine's three caches keyed by date are
    switched off while probing (:func:`_date_caches_off`)."""

    __slots__ = ("seen",)
    seen: set[date]

    def __new__(cls, day: date) -> _Day:
        self = super().__new__(cls, day.year, day.month, day.day)
        self.seen = set()
        return self

    def _saw(self, other: object) -> bool:
        if type(other) is date:
            self.seen.add(other)
            return True
        if isinstance(other, date):
            self.seen.add(date.fromordinal(date.toordinal(other)))
            return True
        return False

    def __eq__(self, other: object) -> bool:
        if self._saw(other):
            return date.__eq__(self, other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        if self._saw(other):
            return date.__ne__(self, other)
        return NotImplemented

    def __lt__(self, other: date) -> bool:
        return date.__lt__(self, other) if self._saw(other) else NotImplemented

    def __le__(self, other: date) -> bool:
        return date.__le__(self, other) if self._saw(other) else NotImplemented

    def __gt__(self, other: date) -> bool:
        return date.__gt__(self, other) if self._saw(other) else NotImplemented

    def __ge__(self, other: date) -> bool:
        return date.__ge__(self, other) if self._saw(other) else NotImplemented

    __hash__ = _opaque("__hash__")
    year = property(_opaque("year"))
    month = property(_opaque("month"))
    day = property(_opaque("day"))
    toordinal = _opaque("toordinal")
    weekday = _opaque("weekday")
    isoweekday = _opaque("isoweekday")
    isocalendar = _opaque("isocalendar")
    timetuple = _opaque("timetuple")
    ctime = _opaque("ctime")
    strftime = _opaque("strftime")
    replace = _opaque("replace")
    __add__ = _opaque("__add__")
    __radd__ = _opaque("__radd__")
    __sub__ = _opaque("__sub__")
    __rsub__ = _opaque("__rsub__")
    __reduce__ = _opaque("__reduce__")
    __reduce_ex__ = _opaque("__reduce_ex__")


class _NoCache(dict[Any, Any]):
    """Stands in for a cache keyed by date: always misses, keeps nothing."""

    def get(self, key: Any, default: Any = None) -> Any:
        return default

    def __setitem__(self, key: Any, value: Any) -> None:
        return None


_DATE_CACHES = (
    ("engine", "_checked_cache"),
    ("engine", "_duties_cache"),
    ("book", "_in_force_cache"),
)
"""The caches keyed by date in ``decide/engine.py`` and ``rules/book.py``.
Should another appear, hashing a probed date raises :class:`DateUse`."""


@contextmanager
def _date_caches_off(book: Rulebook) -> Iterator[None]:
    owners = {"engine": engine_for(book), "book": book}
    saved: list[tuple[object, str, object]] = []
    try:
        for owner, name in _DATE_CACHES:
            obj = owners[owner]
            if hasattr(obj, name):
                saved.append((obj, name, getattr(obj, name)))
                setattr(obj, name, _NoCache())
        yield
    finally:
        for obj, name, cache in saved:
            setattr(obj, name, cache)


def _cell(seen: set[date], day: date) -> tuple[date | None, date | None]:
    """First and last day on which comparisons with ``seen`` all come out as
    on ``day`` (``None``: unbounded); conservatively, a compared date is a
    cell of its own."""
    if day in seen:
        return day, day
    below = [d for d in seen if d < day]
    above = [d for d in seen if d > day]
    lo = max(below) + timedelta(days=1) if below else None
    hi = min(above) - timedelta(days=1) if above else None
    return lo, hi


class Resolver:
    """Decides keys once each, and fewer than once where it can prove the
    answer is the same:

    * parameters the tariff line cannot read are dropped before deciding;
    * a determination that never looked at the destination, the end use or
      the parameters is reused for every value of them;
    * a determination is reused for every date bucket inside its *cell*:
      the days on which each date comparison ``decide()`` made comes out
      the same (see :class:`_Day`). So each tariff line is split only at
      the dates of the rules that can touch it, on the path it takes."""

    def __init__(self, book: Rulebook, space: KeySpace | None = None) -> None:
        self.book = book
        self.space = space or KeySpace(book)
        self._memo: dict[tuple[Any, ...], Outcome] = {}
        self._texts: dict[str, int] = {}
        self._params: dict[tuple[str, str], dict[str, float | str]] = {}
        self.decided = 0

    def text_id(self, text: str) -> int:
        got = self._texts.get(text)
        if got is None:
            got = self._texts[text] = len(self._texts)
        return got

    def templates(self) -> list[tuple[int, str, int]]:
        """(id, text, dated): texts holding the date placeholder are dated."""
        return [(i, t, 1 if ON_TOKEN in t else 0) for t, i in self._texts.items()]

    def case_for(self, key: Key) -> tuple[Case, bool]:
        sp = self.space
        day, dated = sp.representative_date(key.bucket)
        hs = "0000000000" if key.hs == "*" else key.hs
        case = Case(
            on=day,
            hs=hs,
            destination=sp.representative_destination(key.destination),
            end_use=key.end_use or None,
            params=self._decision_params(key.hs, key.params),
        )
        return case, dated

    def _decision_params(self, hs: str, params: str) -> dict[str, float | str]:
        got = self._params.get((hs, params))
        if got is None:
            got = self._params[(hs, params)] = self.space.decision_params(hs, params)
        return got

    def resolve(self, key: Key) -> Outcome:
        case, dated = self.case_for(key)
        facts = (case.destination, case.end_use, tuple(sorted(case.params.items())))
        for mask in range(8):
            got = self._memo.get(
                (case.hs, key.bucket, *(_ANY if mask >> i & 1 else facts[i] for i in range(3)))
            )
            if got is not None:
                return got
        day = _Day(case.on)
        probe = _Probe(replace(case, on=day))
        with _date_caches_off(self.book):
            determination = decide(probe, self.book)
        read = frozenset(probe.read)  # type: ignore[attr-defined]  # before shape() reads .case
        seen = set(day.seen)  # before shape() or anything else compares the day
        out = shape(determination)
        if dated:
            # decided on a day that is no rulebook date inside a multi-day
            # bucket: its cell spans several days, texts quote the line's own
            iso = case.on.isoformat()
            if iso in out.findings or iso in out.conflicts:
                raise DateUse(f"findings or conflicts quote the case's date {iso}")
            out = replace(
                out,
                questions=out.questions.replace(iso, ON_TOKEN),
                warnings=out.warnings.replace(iso, ON_TOKEN),
            )
            buckets = self.space.buckets_within(*_cell(seen, case.on))
            if key.bucket not in buckets:
                raise DateUse(
                    f"decide() compared the date {case.on} with a date inside its bucket "
                    f"({sorted(seen)}); every date it compares with must be a rulebook date"
                )
        else:
            # decided on a rulebook date, quoted literally: valid for that day
            buckets = range(key.bucket, key.bucket + 1)
        masked = tuple(facts[i] if _WATCHED[i] in read else _ANY for i in range(3))
        for b in buckets:
            self._memo.setdefault((case.hs, b, *masked), out)
        self.decided += 1
        return out

    def outcomes(
        self, keys: list[Key], tick: Callable[[int], None] | None = None
    ) -> list[Outcome]:
        """Each key's outcome. Keys in multi-day buckets are decided first:
        their cells can then answer the one-day buckets (rulebook dates)
        they contain."""
        space = self.space
        order = sorted(
            range(len(keys)), key=lambda i: not space.representative_date(keys[i].bucket)[1]
        )
        out: list[Outcome | None] = [None] * len(keys)
        for n, i in enumerate(order):
            out[i] = self.resolve(keys[i])
            if tick is not None and n % 256 == 255:
                tick(256)
        return out  # type: ignore[return-value]

    def _parallel(self, keys: list[Key], tick: Callable[[int], None] | None) -> list[Outcome]:
        """Decide in this process and one forked child, each taking whole
        tariff lines (so each keeps reusing its cells); the child sends back
        its distinct outcomes once each and an index per key."""
        import multiprocessing

        per_hs: dict[str, list[int]] = {}
        for i, k in enumerate(keys):
            per_hs.setdefault(k.hs, []).append(i)
        parts: tuple[list[int], list[int]] = ([], [])
        for idx in sorted(per_hs.values(), key=len, reverse=True):
            min(parts, key=len).extend(idx)
        global _FORKED
        _FORKED = (self, [keys[i] for i in parts[1]])
        try:
            with multiprocessing.get_context("fork").Pool(1) as pool:
                child = pool.apply_async(_decide_forked)
                mine = self.outcomes([keys[i] for i in parts[0]], tick)
                distinct, index, decided = child.get()
        finally:
            _FORKED = None
        self.decided += decided
        out: list[Outcome | None] = [None] * len(keys)
        for i, o in zip(parts[0], mine, strict=True):
            out[i] = o
        for i, j in zip(parts[1], index, strict=True):
            out[i] = distinct[j]
        return out  # type: ignore[return-value]

    def rows(
        self,
        keys: Iterable[Key],
        tick: Callable[[int], None] | None = None,
        workers: int = 1,
    ) -> list[tuple[Any, ...]]:
        """One ``results`` row per key (see :data:`RESULT_COLUMNS`). With
        ``workers`` > 1 and many keys, a forked process decides half of the
        tariff lines."""
        keys = list(keys)
        parallel = workers > 1 and len(keys) >= PARALLEL_MIN_KEYS and _can_fork()
        outcomes = self._parallel(keys, tick) if parallel else self.outcomes(keys, tick)
        out: list[tuple[Any, ...]] = []
        for key, o in zip(keys, outcomes, strict=True):
            out.append(
                (
                    key.hs,
                    key.destination,
                    key.bucket,
                    key.end_use,
                    key.params,
                    o.verdict,
                    o.effects,
                    o.instruments,
                    o.items,
                    self.text_id(o.findings),
                    self.text_id(o.conflicts),
                    self.text_id(o.questions),
                    self.text_id(o.warnings),
                )
            )
        return out


PARALLEL_MIN_KEYS = 4096
"""Fewer keys are decided in one process (a fork costs more than it saves)."""
_FORKED: tuple[Resolver, list[Key]] | None = None


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _decide_forked() -> tuple[list[Outcome], list[int], int]:
    assert _FORKED is not None
    resolver, keys = _FORKED
    before = resolver.decided
    ids: dict[int, int] = {}
    distinct: list[Outcome] = []
    index: list[int] = []
    for o in resolver.outcomes(keys):
        j = ids.get(id(o))
        if j is None:
            j = ids[id(o)] = len(distinct)
            distinct.append(o)
        index.append(j)
    return distinct, index, resolver.decided - before
