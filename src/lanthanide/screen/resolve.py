"""Decide each distinct key once with :func:`lanthanide.decide.decide` and
shape the determination into the output columns that the engines join back
onto the lines. This is the only place a batch calls the rule logic: the
engines never evaluate a rule themselves, so there is one rule semantics."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from lanthanide.decide import Case, Determination, decide
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


class Resolver:
    """Decides keys once each. Memoised on the reduced case (parameters the
    tariff line cannot read are dropped before deciding), and on the facts
    the engine actually read: a determination that never looked at the
    destination, the end use or the parameters is reused for every value of
    them (same date and tariff line)."""

    def __init__(self, book: Rulebook, space: KeySpace | None = None) -> None:
        self.book = book
        self.space = space or KeySpace(book)
        self._memo: dict[tuple[Any, ...], tuple[Outcome, bool]] = {}
        self._texts: dict[str, int] = {}
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
            params=sp.decision_params(key.hs, key.params),
        )
        return case, dated

    def resolve(self, key: Key) -> tuple[Outcome, bool]:
        case, dated = self.case_for(key)
        facts = (case.destination, case.end_use, tuple(sorted(case.params.items())))
        head = (case.on, case.hs)
        for mask in range(8):
            got = self._memo.get((*head, *(_ANY if mask >> i & 1 else facts[i] for i in range(3))))
            if got is not None:
                return got
        probe = _Probe(case)
        determination = decide(probe, self.book)
        read = frozenset(probe.read)  # type: ignore[attr-defined]  # before shape() reads .case
        out = shape(determination)
        if dated:
            iso = case.on.isoformat()
            out = replace(
                out,
                questions=out.questions.replace(iso, ON_TOKEN),
                warnings=out.warnings.replace(iso, ON_TOKEN),
            )
        memo_key = (*head, *(facts[i] if _WATCHED[i] in read else _ANY for i in range(3)))
        got = (out, dated)
        self._memo[memo_key] = got
        self.decided += 1
        return got

    def rows(
        self, keys: Iterable[Key], tick: Callable[[int], None] | None = None
    ) -> list[tuple[Any, ...]]:
        """One ``results`` row per key (see :data:`RESULT_COLUMNS`)."""
        out: list[tuple[Any, ...]] = []
        for i, key in enumerate(keys):
            o, _ = self.resolve(key)
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
            if tick is not None and i % 256 == 255:
                tick(256)
        return out
