"""Decide each distinct key once with :meth:`lanthanide.decide.Engine.decide`
and shape the determination into the output columns that the engines join
back onto the lines. This is the only place a batch calls the rule logic: the
engines never evaluate a rule themselves, so there is one rule semantics.

A determination states the date window and the case facts it rests on
(``Determination.window``, ``Determination.facts``); the resolver reuses it
for every key whose date bucket lies inside that window and whose facts,
those it read, agree."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from lanthanide.decide import (
    Case,
    Determination,
    Engine,
    Question,
    QuestionCode,
    Warning,
    WarningCode,
)
from lanthanide.decide.warnings import render
from lanthanide.rules.book import Rulebook
from lanthanide.rules.window import UNBOUNDED_START
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


def _text(w: Warning | Question, dated: bool) -> str:
    """The text; ``dated``: with the case's date (the parameter ``on``) as
    :data:`ON_TOKEN`, for each line to quote its own."""
    if dated and "on" in w.params:
        if isinstance(w, Question):
            spec = QuestionCode(w.code).spec
        else:
            spec = (WarningCode.DUTY if w.code.startswith("duty:") else WarningCode(w.code)).spec
        return render(spec, {**w.params, "on": ON_TOKEN})
    return w.text


def shape(d: Determination, *, dated: bool = False) -> Outcome:
    """The output columns of one determination (JSON columns use the field
    names of ``lanthanide check --format json``; built directly from the
    dataclasses, which is faster than ``to_dict`` and gives the same JSON).
    ``dated``: texts quote the case's date as :data:`ON_TOKEN`."""
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
            "text": _text(q, dated),
            "options": list(q.options),
            "pending_effect": q.pending_effect,
            "instrument": q.instrument,
        }
        for q in d.questions
    ]
    warnings = [
        {"code": w.code, "text": _text(w, dated), "instrument": w.instrument} for w in d.warnings
    ]
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


Facts = tuple[str, ...]
"""The case facts a determination read (sorted; the tariff line, part of
every memo key, left out)."""


def fact_value(case: Case, fact: str) -> object:
    """The value of one fact (as named in ``Determination.facts``) of ``case``."""
    if fact.startswith("params."):
        return case.params.get(fact[7:])
    return getattr(case, fact)


class Resolver:
    """Decides keys once each, and fewer than once where the determination
    says the answer is the same:

    * parameters the tariff line cannot read are dropped before deciding;
    * a determination is reused for every key of the same tariff line whose
      facts agree on those the determination read (``Determination.facts``:
      one that never read the destination holds for every destination);
    * a determination decided inside a multi-day date bucket is reused for
      every bucket inside its window (``Determination.window``: the days on
      which every date comparison it made comes out the same), with texts
      quoting the line's own date. So each tariff line is split only at the
      dates of the rules that can touch it, on the path it takes."""

    def __init__(
        self, book: Rulebook, space: KeySpace | None = None, engine: Engine | None = None
    ) -> None:
        self.book = book
        self.space = space or KeySpace(book)
        self.engine = engine or Engine(book)
        self._memo: dict[tuple[str, int], dict[Facts, dict[tuple[object, ...], Outcome]]] = {}
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

    def _buckets(self, d: Determination) -> range:
        """The date buckets lying wholly inside the window of ``d``."""
        w = d.window
        lo = None if w.start == UNBOUNDED_START else w.start
        hi = None if w.end is None else w.end - timedelta(days=1)
        return self.space.buckets_within(lo, hi)

    def resolve(self, key: Key) -> Outcome:
        case, dated = self.case_for(key)
        cells = self._memo.get((case.hs or "", key.bucket))
        if cells:
            for facts, table in cells.items():
                got = table.get(tuple(fact_value(case, f) for f in facts))
                if got is not None:
                    return got
        determination = self.engine.decide(case)
        out = shape(determination, dated=dated)
        if dated:
            # decided inside a multi-day bucket: reused across its window,
            # texts quote each line's own date
            buckets = self._buckets(determination)
            if key.bucket not in buckets:
                raise RuntimeError(
                    f"the window {determination.window} of a determination on {case.on} "
                    f"does not hold its own date bucket {key.bucket}"
                )
        else:
            # decided on a rulebook date, quoted literally: valid for that day
            buckets = range(key.bucket, key.bucket + 1)
        facts = tuple(sorted(determination.facts - {"hs"}))
        values = tuple(fact_value(case, f) for f in facts)
        for b in buckets:
            table = self._memo.setdefault((case.hs or "", b), {}).setdefault(facts, {})
            table.setdefault(values, out)
        self.decided += 1
        return out

    def outcomes(self, keys: list[Key], tick: Callable[[int], None] | None = None) -> list[Outcome]:
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
