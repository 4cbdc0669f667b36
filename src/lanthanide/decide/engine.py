"""The determination engine: ``Case -> Determination``.

Steps, each in its own module: (1) match the case to items — code, tariff
line, or the candidates of a text reading (:mod:`~lanthanide.decide.matching`);
(2) choose the controls that can apply (:mod:`~lanthanide.decide.selection`);
(3) test each on the date, suspensions, destination, end use and technical
condition, turning missing facts into questions
(:mod:`~lanthanide.decide.evaluate`); (4) settle the technology catalogue
(:mod:`~lanthanide.decide.catalogue`); (5) add duties, coverage gaps and
staleness warnings (:mod:`~lanthanide.decide.notices`) and conflicts; (6)
take the strictest definite finding, or ``undetermined`` when a missing fact
could lead to something stricter (:mod:`~lanthanide.decide.verdict`). For a
text naming several items, :mod:`~lanthanide.decide.candidates` applies the
rule of law that settles them.

Every date comparison goes through the determination's
:class:`~lanthanide.rules.window.Span` and every case fact read is recorded,
so a :class:`Determination` states the window and the facts it rests on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from lanthanide.decide import alternatives
from lanthanide.decide import catchall as _catchall
from lanthanide.decide import parties as _parties
from lanthanide.decide.candidates import several
from lanthanide.decide.catalogue import Catalogue, Settled
from lanthanide.decide.dual_use_net import catalogue_net
from lanthanide.decide.evaluate import NOT_IN_FORCE, evaluate, not_in_force
from lanthanide.decide.matching import Match, Matcher, item_info
from lanthanide.decide.model import Case, Determination, Reading, TraceEntry
from lanthanide.decide.notices import Notices
from lanthanide.decide.party_model import Parties, as_readings, by_role
from lanthanide.decide.plans import Plans
from lanthanide.decide.selection import Selection
from lanthanide.decide.sheet import Sheet
from lanthanide.decide.verdict import by_strictness, conflicts, ladder, strictness
from lanthanide.decide.warnings import WarningCode
from lanthanide.rules.book import Rulebook


class TextNeedsReading(ValueError):
    """A case given by text alone was decided without a reading of the text
    (``lanthanide._check.check`` identifies the text first)."""


class Engine:
    """Determinations against one rulebook. Build one per rulebook and keep
    it: it caches per-item control selections and per-day lists."""

    def __init__(self, book: Rulebook, *, plans: int = 8192) -> None:
        """``plans``: how many answers to keep for replay on other days of
        their windows (:mod:`~lanthanide.decide.plans`; 0: none kept)."""
        self.book = book
        self.matcher = Matcher(book)
        self.selection = Selection(book)
        self.catalogue = Catalogue(book)
        self.notices = Notices(book)
        self._readings: dict[tuple[str, str], Engine] = {}
        self.plans = Plans(plans) if plans > 0 else None
        self._dated: dict[int, tuple[tuple[TraceEntry, ...], tuple[tuple[int, str, str], ...]]] = {}
        """By the identity of a determination's trace: the sheet's record of
        its entries quoting the day (an answer is kept only with that record:
        one resting on a single sheet; a dict, not an attribute, so that
        threads sharing the engine never take each other's)."""

    @property
    def rare_earth_prefixes(self) -> tuple[str, ...]:
        return self.notices.rare_earth_prefixes

    def decide(
        self,
        case: Case,
        reading: Reading | None = None,
        parties: Parties = None,
        *,
        with_alternatives: bool = True,
    ) -> Determination:
        """Decide ``case``. A case given by text alone (no item, no tariff
        line) needs ``reading``, what the text names (from the classifier,
        see ``lanthanide._check.check``); otherwise ``reading`` is ignored.
        ``parties``: the screening of ``case.end_user`` (and of
        ``case.consignee``) against the party lists (``lanthanide._check``),
        applied as findings and questions.
        The answer carries the alternatives of uncertain statuses bearing on
        the day (:mod:`~lanthanide.decide.alternatives`) unless
        ``with_alternatives`` is false.

        An answer for a case by item or tariff line without a party
        screening is kept and replayed for a case of the same shape on a day
        of its window (:mod:`~lanthanide.decide.plans`): the same answer as
        deciding again."""
        plans = self.plans
        if plans is None or as_readings(parties) or not (case.item or case.hs):
            return self._answer(case, reading, parties, with_alternatives)
        got = plans.get(case, with_alternatives)
        if got is not None:
            return got
        d = self._answer(case, reading, parties, with_alternatives)
        record = self._dated.pop(id(d.trace), None)
        if record is not None and record[0] is d.trace:
            plans.put(case, with_alternatives, d, record[1])
        return d

    def _answer(
        self, case: Case, reading: Reading | None, parties: Parties, with_alternatives: bool
    ) -> Determination:
        d = self._decide_default(case, reading, parties)
        if not with_alternatives:
            return d
        if parties is None and alternatives.unaffected(self.book, d):
            return d

        def decide_under(status_id: str, reading_id: str) -> Determination:
            key = (status_id, reading_id)
            engine = self._readings.get(key)
            if engine is None:
                engine = self._readings[key] = Engine(
                    self.book.under(status_id, reading_id),
                    plans=0 if self.plans is None else self.plans.limit,
                )
            return engine.decide(case, reading, parties, with_alternatives=False)

        d = alternatives.attach(self.book, d, decide_under)
        if not as_readings(parties):
            return d
        return _parties.attach_alternatives(
            d, parties, lambda other: self.decide(case, reading, other, with_alternatives=False)
        )

    def _decide_default(
        self, case: Case, reading: Reading | None, parties: Parties
    ) -> Determination:
        text_only = bool(case.text and not case.item and not case.hs)
        if not text_only:
            return self._decide(case, None, {}, parties=parties)
        if reading is None:
            raise TextNeedsReading(
                "a case given by text alone needs the reading of its text: "
                "use lanthanide._check.check(engine, classifier, case)"
            )
        found = {k: v for k, v in reading.params.items() if k not in case.params}
        read = {f"params.{k}" for k in reading.params}
        if found:
            case = replace(case, params={**case.params, **found})
        d = self._decide(case, reading, found, parties=parties)
        if d.verdict == "undetermined":

            def decide_with(matches: list[Match]) -> Determination:
                return self._decide(case, reading, found, matches, parties=parties)

            d = several(d, reading.candidates, decide_with)
        return replace(d, facts=d.facts | read) if read else d

    def _decide(
        self,
        case: Case,
        reading: Reading | None,
        found: Mapping[str, float],
        preset: list[Match] | None = None,
        *,
        parties: Parties = None,
    ) -> Determination:
        book = self.book
        sheet = Sheet(case.on)
        day = sheet.day_text
        if found:
            sheet.warn(
                WarningCode.PARAMS_FROM_TEXT,
                values=", ".join(f"{k}={v:g}" for k, v in found.items()),
            )
        matches: list[Match] = []
        if case.item:
            matches += self.matcher.code(case.item, case.kind, sheet)
            if matches:
                self.matcher.item_lines(case.item, case.hs, matches, sheet)
        elif case.hs:
            matches += self.matcher.hs(case.hs, case.kind, sheet)
        if case.text and not case.item and not case.hs:
            if preset is not None:
                if reading is not None:
                    sheet.span.narrow(reading.window)  # the candidates' versions
                matches += preset
            elif reading is not None:
                matches += self.matcher.reading(case.text, reading, sheet)

        as_of = book.data_as_of
        seen, trace, dated = sheet.seen, sheet.trace, sheet.dated
        for m in matches:
            rid, code = id(m.ref), m.ref.item.code
            for cc, dead in self.selection.for_match(m, sheet):
                if dead is None:
                    evaluate(cc, m, case, as_of, sheet, in_force=True)
                    continue
                # not_in_force(cc, dead, m, sheet), inlined (the hot path)
                key = (id(cc), rid)
                if key in seen:
                    continue
                seen.add(key)
                if dead.warning is not None and dead.warning_key is not None:
                    sheet.put(dead.warning_key, dead.warning)
                dated.append((len(trace), NOT_IN_FORCE, dead.outcome))
                trace.append(
                    TraceEntry(
                        dead.instrument, dead.control, code, NOT_IN_FORCE + day + dead.outcome
                    )
                )
            if m.certain and m.ref.item.code_status == "draft":
                self.notices.draft_number(m, sheet)
        dead_on = self.selection.dead.get
        if case.hs:
            for cc in self.selection.for_tariff_line(case, sheet.findings):
                dead = dead_on(cc, sheet.span)
                if dead is None:
                    evaluate(cc, None, case, as_of, sheet, in_force=True)
                else:
                    not_in_force(cc, dead, None, sheet)
        for cc in self.selection.for_anything(case, matches):
            dead = dead_on(cc, sheet.span)
            if dead is None:
                evaluate(cc, None, case, as_of, sheet, in_force=True)
            else:
                not_in_force(cc, dead, None, sheet)
        if self.catalogue.settle(case, matches, sheet) is Settled.NOT_LISTED:
            for cc in self.selection.residual():
                evaluate(cc, None, case, as_of, sheet)
        self.notices.uncertain_values(case, matches, sheet)
        catalogue_net(book, case, matches, sheet)
        _catchall.apply(book, case, sheet)
        if parties is not None:
            for party in as_readings(parties):
                _parties.apply(book, party, case.end_use, sheet)
        found_conflicts = conflicts(sheet.findings)
        questions = sheet.questions()  # after the last question, before the verdict
        self.notices.coverage_gaps(case, matches, sheet)
        definite, pending = strictness(sheet.findings, sheet.pending)
        self.notices.after_data_date(case, sheet)
        self.notices.duties(case, matches, sheet)
        verdict = ladder(definite, pending, sheet.unknown_coverage)
        live = self.notices.in_force(sheet)
        if verdict == "not_controlled":
            self.notices.checked(case, sheet, live)
            self.notices.partial_coverage(sheet, live)
        warnings = sheet.warnings()
        if verdict == "undetermined" and not questions and not warnings:
            sheet.warn(WarningCode.UNDETERMINED)
            warnings = sheet.warnings()
        checked = live.checked
        entries = tuple(sheet.trace)
        if self.plans is not None:
            if len(self._dated) >= 64:  # records of answers not kept (texts, parties)
                self._dated.clear()
            self._dated[id(entries)] = (entries, tuple(sheet.dated))
        return Determination(
            verdict=verdict,
            case=case,
            findings=by_strictness(sheet.findings),
            questions=tuple(questions),
            warnings=tuple(warnings),
            conflicts=tuple(found_conflicts),
            matched=tuple([item_info(m.ref) for m in matches if m.certain]),
            checked=checked,
            trace=entries,
            rulebook_version=book.version,
            data_as_of=book.data_as_of,
            window=sheet.span.window(),
            facts=frozenset(sheet.facts),
            parties=None if parties is None else by_role(parties, "end_user"),
            consignee=None if parties is None else by_role(parties, "consignee"),
        )


def decide(case: Case, book: Rulebook | None = None) -> Determination:
    """Decide one case given by item or tariff line against ``book``
    (default: the bundled rulebook). Builds an engine per call: hold an
    :class:`Engine` to decide many. Text cases go through
    ``lanthanide._check.check``."""
    if book is None:
        from lanthanide.rules.book import load_rulebook

        book = load_rulebook()
    return Engine(book).decide(case)
