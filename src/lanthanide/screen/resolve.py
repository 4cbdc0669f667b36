"""Decide each distinct key once with :meth:`lanthanide.decide.Engine.decide`
and shape the determination into the output columns that the engines join
back onto the lines. This is the only place a batch calls the rule logic: the
engines never evaluate a rule themselves, so there is one rule semantics.

A determination states the date window and the case facts it rests on
(``Determination.window``, ``Determination.facts``); the resolver reuses it
for every key whose date bucket lies inside that window and whose facts,
those it read, agree."""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from lanthanide import _check
from lanthanide.decide import Case, Determination, Engine
from lanthanide.rules.book import Rulebook
from lanthanide.rules.window import UNBOUNDED_START
from lanthanide.screen import determinations as _dets
from lanthanide.screen.compile import Key, KeySpace
from lanthanide.screen.determinations import dated_text

RESULT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("hs_key", "string"),
    ("dest_key", "string"),
    ("bucket", "int"),
    ("eu_key", "string"),
    ("pkey", "string"),
    ("user_key", "string"),
    ("consignee_key", "string"),
    ("verdict", "string"),
    ("effects", "string"),
    ("instruments", "string"),
    ("items", "string"),
    ("question_codes", "string"),
    ("warning_codes", "string"),
    ("determination_id", "string"),
)
"""Columns of the ``results`` table (key columns first), one row per key."""
INLINE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("findings", "string"),
    ("questions", "string"),
    ("warnings", "string"),
    ("conflicts", "string"),
)
"""The per-line JSON columns of ``--detail inline``, after :data:`RESULT_COLUMNS`
(texts quoting the case's date hold :data:`ON_TOKEN`)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: str
    effects: str
    instruments: str
    items: str
    question_codes: str
    warning_codes: str
    determination_id: str
    determination: str
    """The stored JSON (:mod:`lanthanide.screen.determinations`)."""
    inline: tuple[str, str, str, str] | None = None
    """findings, questions, warnings, conflicts JSON (``--detail inline``)."""

    def columns(self) -> tuple[str, str, str, str, str, str, str]:
        """The output columns (:data:`RESULT_COLUMNS` after the key)."""
        return (
            self.verdict,
            self.effects,
            self.instruments,
            self.items,
            self.question_codes,
            self.warning_codes,
            self.determination_id,
        )


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def inline_columns(d: Determination) -> tuple[str, str, str, str]:
    """The four per-line JSON columns of ``--detail inline`` (field names of
    ``lanthanide check --format json``; built directly from the dataclasses).
    Texts quoting the case's date hold :data:`ON_TOKEN`."""
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
            "text": dated_text(q),
            "options": list(q.options),
            "pending_effect": q.pending_effect,
            "instrument": q.instrument,
        }
        for q in d.questions
    ]
    warnings = [
        {"code": w.code, "text": dated_text(w), "instrument": w.instrument} for w in d.warnings
    ]
    conflicts = [{"text": x.text, "findings": list(x.findings)} for x in d.conflicts]
    return _dumps(findings), _dumps(questions), _dumps(warnings), _dumps(conflicts)


def shape(
    d: Determination,
    book: Rulebook,
    *,
    inline: bool = False,
    text: str | None = None,
) -> Outcome:
    """The output columns of one determination, its stored JSON and id;
    ``inline``: with the per-line JSON columns too. ``text``: the stored
    JSON when the caller has it (:class:`~lanthanide.screen.determinations.StoredText`)."""
    if text is None:
        text = _dets.dumps(_dets.stored(d, book))
    return Outcome(
        verdict=d.verdict,
        effects=";".join(f.effect for f in d.findings),
        instruments=";".join(f.instrument.number or f.instrument.id for f in d.findings),
        items=";".join(f.item.code if f.item else "" for f in d.findings),
        question_codes=";".join(q.code for q in d.questions),
        warning_codes=";".join(w.code for w in d.warnings),
        determination_id=_dets.determination_id(text),
        determination=text,
        inline=inline_columns(d) if inline else None,
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
      which every date comparison it made comes out the same); its stored
      form quotes the case's date as a placeholder, filled per line. So each
      tariff line is split only at the dates of the rules that can touch it,
      on the path it takes."""

    def __init__(
        self,
        book: Rulebook,
        space: KeySpace | None = None,
        engine: Engine | None = None,
        *,
        inline: bool = False,
    ) -> None:
        self.book = book
        self.space = space or KeySpace(book)
        self.engine = engine or Engine(book, plans=0)  # a key is decided once: none to replay
        self.inline = inline
        self._memo: dict[tuple[str, int], dict[Facts, dict[tuple[object, ...], Outcome]]] = {}
        self._params: dict[tuple[str, str], dict[str, float | str]] = {}
        self._stored: dict[str, Outcome] = {}
        self._texts = _dets.StoredText(book)
        self._by_text: dict[str, Outcome] = {}
        self._present: dict[str, list[int]] | None = None
        """Per tariff line (as memoised), the sorted date buckets of the
        keys being resolved (None: every bucket). A window is memoised
        only on those: no other bucket is ever looked up."""
        self.decided = 0
        self.workers_rss_kb: dict[int, int] = {}
        self.processes = 1
        """Processes that decided (1: this one; else the workers started)."""
        """Peak resident memory of each worker process used (pid -> KiB)."""

    def case_for(self, key: Key) -> tuple[Case, bool]:
        sp = self.space
        day, dated = sp.representative_date(key.bucket)
        hs = "0000000000" if key.hs == "*" else key.hs
        case = Case(
            on=day,
            hs=hs,
            destination=sp.representative_destination(key.destination),
            end_use=key.end_use or None,
            end_user=key.end_user or None,
            consignee=key.consignee or None,
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

    def _known(self, key: Key) -> Outcome | None:
        """The outcome a cell already holds for ``key`` (None: decide it),
        read without building its case: the facts of a batch case are the
        key's (an unexpected fact builds the case)."""
        cells = self._memo.get(("0000000000" if key.hs == "*" else key.hs, key.bucket))
        if not cells:
            return None
        view: dict[str, object] = {
            "destination": self.space.representative_destination(key.destination),
            "end_use": key.end_use or None,
            "end_user": key.end_user or None,
            "consignee": key.consignee or None,
        }
        params = self._decision_params(key.hs, key.params)
        for facts, table in cells.items():
            try:
                values = tuple(
                    params.get(f[7:]) if f.startswith("params.") else view[f] for f in facts
                )
            except KeyError:
                case = self.case_for(key)[0]
                values = tuple(fact_value(case, f) for f in facts)
            got = table.get(values)
            if got is not None:
                return got
        return None

    def resolve(self, key: Key) -> Outcome:
        got = self._known(key)
        if got is not None:
            return got
        case, dated = self.case_for(key)
        # as `check` decides: the end user screened against the party lists
        determination = _check.check(self.engine, None, case)
        text = self._texts.text(determination)
        # the same stored determination once in memory, whichever key found it
        known = self._by_text.get(text)
        if known is None:
            made = shape(determination, self.book, inline=self.inline, text=text)
            known = self._by_text[text] = self._stored.setdefault(made.determination_id, made)
        out = known
        if dated:
            # decided inside a multi-day bucket: reused across its window
            buckets = self._buckets(determination)
            if key.bucket not in buckets:
                raise RuntimeError(
                    f"the window {determination.window} of a determination on {case.on} "
                    f"does not hold its own date bucket {key.bucket}"
                )
        else:
            # decided on a rulebook date (a one-day bucket): valid for that day
            buckets = range(key.bucket, key.bucket + 1)
        # the end user is screened outside the case's reading: a case with a
        # name never shares a cell with one without, nor with another name
        read = (determination.facts - {"hs"}) | {"end_user", "consignee"}
        if case.end_user or case.consignee:  # names are matched for the country
            read |= {"destination"}
        facts = tuple(sorted(read))
        values = tuple(fact_value(case, f) for f in facts)
        hs = case.hs or ""
        for b in self._memoised(hs, buckets):
            table = self._memo.setdefault((hs, b), {}).setdefault(facts, {})
            table.setdefault(values, out)
        self.decided += 1
        return out

    def _memoised(self, hs: str, buckets: range) -> Iterable[int]:
        """The buckets of ``buckets`` worth a memo cell: those of the keys
        being resolved (a window can span hundreds of buckets, a batch's
        tariff line holds a few of them)."""
        if self._present is None:
            return buckets
        present = self._present.get(hs, ())
        lo = bisect.bisect_left(present, buckets.start)
        hi = bisect.bisect_left(present, buckets.stop)
        return present[lo:hi]

    def _expect(self, keys: Iterable[Key]) -> None:
        """Note the date buckets of ``keys`` (added to those noted before)."""
        found: dict[str, set[int]] = {}
        for k in keys:
            found.setdefault("0000000000" if k.hs == "*" else k.hs, set()).add(k.bucket)
        present = self._present if self._present is not None else {}
        for hs, got in found.items():
            present[hs] = sorted(got.union(present.get(hs, ())))
        self._present = present

    def outcomes(self, keys: list[Key], tick: Callable[[int], None] | None = None) -> list[Outcome]:
        """Each key's outcome. Keys in multi-day buckets are decided first:
        their cells can then answer the one-day buckets (rulebook dates)
        they contain."""
        self._expect(keys)
        space = self.space
        order = sorted(
            range(len(keys)), key=lambda i: not space.representative_date(keys[i].bucket)[1]
        )
        out: list[Outcome | None] = [None] * len(keys)
        for n, i in enumerate(order):
            out[i] = self.resolve(keys[i])
            if tick is not None and n % 256 == 255:
                tick(256)
        if tick is not None and len(keys) % 256:
            tick(len(keys) % 256)
        return out  # type: ignore[return-value]

    def _parallel(
        self, keys: list[Key], tick: Callable[[int], None] | None, workers: int
    ) -> list[Outcome]:
        """Decide in ``workers`` processes started with the *spawn* method
        (never a fork of a process whose engine threads run), each building
        its engine once from this resolver's rulebook. Tasks hold whole
        tariff lines (so a worker keeps reusing its cells); a worker sends
        back each distinct outcome of a task once and an index per key."""
        import multiprocessing
        import pickle

        per_hs: dict[str, list[int]] = {}
        for i, k in enumerate(keys):
            per_hs.setdefault(k.hs, []).append(i)
        # tasks of about a quarter of a worker's share, largest lines first
        size = max(1, len(keys) // (workers * 4))
        tasks: list[list[int]] = []
        for idx in sorted(per_hs.values(), key=len, reverse=True):
            if not tasks or len(tasks[-1]) + len(idx) > size:
                tasks.append([])
            tasks[-1].extend(idx)
        payload = pickle.dumps((self.book, self.space, self.inline), protocol=5)
        out: list[Outcome | None] = [None] * len(keys)
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(workers, initializer=_init_worker, initargs=(payload,)) as pool:
            jobs = [[keys[i] for i in t] for t in tasks]
            for n, (distinct, index, decided, pid, rss) in pool.imap_unordered(
                _decide_task, list(enumerate(jobs))
            ):
                self.decided += decided
                self.workers_rss_kb[pid] = max(self.workers_rss_kb.get(pid, 0), rss)
                kept = [
                    self._stored[o]
                    if isinstance(o, str)
                    else self._stored.setdefault(o.determination_id, o)
                    for o in distinct
                ]
                for i, j in zip(tasks[n], index, strict=True):
                    out[i] = kept[j]
                if tick is not None:
                    tick(len(index))
            # every worker's peak, those that got no task too (honest peak memory)
            for child in multiprocessing.active_children():
                kb = _peak_kb(child.pid)
                if child.pid is not None and kb:
                    self.workers_rss_kb[child.pid] = max(self.workers_rss_kb.get(child.pid, 0), kb)
        self.processes = workers
        return out  # type: ignore[return-value]

    def decide_all(
        self, keys: list[Key], tick: Callable[[int], None] | None = None, workers: int = 1
    ) -> list[Outcome]:
        """Each key's outcome, in the order of ``keys``; with ``workers`` > 1
        and many keys, decided in that many processes."""
        if workers > 1 and len(keys) >= PARALLEL_MIN_KEYS:
            return self._parallel(keys, tick, workers)
        return self.outcomes(keys, tick)

    def rows(
        self,
        keys: Iterable[Key],
        tick: Callable[[int], None] | None = None,
        workers: int = 1,
    ) -> list[tuple[Any, ...]]:
        """One ``results`` row per key (:data:`RESULT_COLUMNS`, then
        :data:`INLINE_COLUMNS` when the resolver is ``inline``). With
        ``workers`` > 1 and many keys, decided in that many processes."""
        keys = list(keys)
        outcomes = self.decide_all(keys, tick, workers)
        out: list[tuple[Any, ...]] = []
        for key, o in zip(keys, outcomes, strict=True):
            row = (
                key.hs,
                key.destination,
                key.bucket,
                key.end_use,
                key.params,
                key.end_user,
                key.consignee,
                o.verdict,
                o.effects,
                o.instruments,
                o.items,
                o.question_codes,
                o.warning_codes,
                o.determination_id,
            )
            out.append(row + o.inline if o.inline is not None else row)
        return out

    def determinations(self) -> list[tuple[str, str, str, str]]:
        """Every distinct determination found, once: rows of
        :data:`~lanthanide.screen.determinations.DETERMINATION_COLUMNS`."""
        version = self.book.version
        return [(i, version, o.verdict, o.determination) for i, o in sorted(self._stored.items())]


PARALLEL_MIN_KEYS = 4096
"""Fewer keys are decided in this process (starting workers costs more)."""
_WORKER: Resolver | None = None


def _init_worker(payload: bytes) -> None:
    import pickle

    global _WORKER
    book, space, inline = pickle.loads(payload)
    _WORKER = Resolver(book, space, inline=inline)


_TaskResult = tuple[list["Outcome | str"], list[int], int, int, int]
"""distinct outcomes (an id for one this worker sent before), index per
key, decided, worker pid, its peak RSS (KiB)."""
_SENT: set[str] = set()
"""Ids of the outcomes this worker has sent (each is sent once)."""


def _peak_kb(pid: int | None) -> int:
    """Peak resident memory (VmHWM, KiB) of a live process; 0 if unknown."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def own_peak_kb() -> int:
    """Peak resident memory of this process (KiB): ``VmHWM``, which an
    ``exec`` resets — ``ru_maxrss`` carries the peak of the process that
    forked it (a spawned worker would report its parent's) — else, off
    Linux, ``ru_maxrss``."""
    import os

    kb = _peak_kb(os.getpid())
    if kb:
        return kb
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _decide_task(task: tuple[int, list[Key]]) -> tuple[int, _TaskResult]:
    import os

    n, keys = task
    assert _WORKER is not None
    resolver = _WORKER
    before = resolver.decided
    ids: dict[int, int] = {}
    distinct: list[Outcome | str] = []
    index: list[int] = []
    for o in resolver.outcomes(keys):
        j = ids.get(id(o))
        if j is None:
            j = ids[id(o)] = len(distinct)
            if o.determination_id in _SENT:
                distinct.append(o.determination_id)
            else:
                _SENT.add(o.determination_id)
                distinct.append(o)
        index.append(j)
    return n, (distinct, index, resolver.decided - before, os.getpid(), own_peak_kb())
