"""The catch-all of the Export Control Law applied to a declared end use.

中华人民共和国出口管制法 Art. 12(3): goods, technology and services on no
control list need an export licence when the exporter knows, should know or
is told that they may endanger national security and interests, be used for
weapons of mass destruction or their means of delivery, or for terrorism.
The rulebook carries it as the duty ``catch-all`` of
``cn-npc-export-control-law``. A user who *declares* such an end use knows
of it, so the duty is no longer a reminder but applies: a ``licence_required``
finding citing Art. 12(3), next to whatever else applies (a stricter finding,
e.g. a ban on the item or the end user, still decides).

Which declared end uses are grounds of Art. 12(3): ``wmd`` (the article names
weapons of mass destruction, their means of delivery and terrorism, which is
what the vocabulary's ``wmd`` covers). ``military`` is not: the article does
not name military use as such; China's military end-use bans are
destination-specific announcements (商务部公告2024年第46号 para. 1 for the US,
商务部公告2026年第1号 for Japan, on dual-use items), encoded as end-use
controls and applied by them. For a military end use the catch-all is
reported as a warning saying when it would apply (a military use that
endangers China's national security and interests).
"""

from __future__ import annotations

from lanthanide.decide.matching import inst_ref, refs
from lanthanide.decide.model import Case, Finding, Validity
from lanthanide.decide.sheet import Sheet
from lanthanide.decide.warnings import WarningCode
from lanthanide.rules.book import Rulebook
from lanthanide.rules.model import Duty, Instrument

LAW = "cn-npc-export-control-law"
DUTY = "catch-all"
GROUNDS = ("wmd",)
"""Declared end uses that are grounds of Art. 12(3) (see the module text)."""
WARN_ONLY = ("military",)
"""Declared end uses for which the catch-all may apply, depending on facts."""


_DUTY: dict[int, tuple[Rulebook, tuple[Instrument, Duty] | None]] = {}


def _duty(book: Rulebook) -> tuple[Instrument, Duty] | None:
    """The law and its catch-all duty in ``book`` (looked up once per rulebook)."""
    got = _DUTY.get(id(book))
    if got is None or got[0] is not book:
        if len(_DUTY) > 64:
            _DUTY.clear()
        inst = book.instruments.get(LAW)
        duty = None if inst is None else next((d for d in inst.duties if d.id == DUTY), None)
        got = _DUTY[id(book)] = (book, None if inst is None or duty is None else (inst, duty))
    return got[1]


def apply(book: Rulebook, case: Case, sheet: Sheet) -> None:
    """A ``licence_required`` finding for a declared catch-all end use (on the
    days the duty is in force); a warning for a military end use."""
    sheet.facts.add("end_use")
    if case.end_use not in GROUNDS and case.end_use not in WARN_ONLY:
        return
    found = _duty(book)
    if found is None:
        return
    inst, duty = found
    if not sheet.span.within(duty.valid):
        return
    if case.end_use in WARN_ONLY:
        sheet.warn(
            WarningCode.CATCH_ALL,
            inst.id,
            end_use=case.end_use,
            name=inst.number or inst.title.best(),
            paragraph="Art. 12(3)",
        )
        return
    sheet.findings.append(
        Finding(
            effect="licence_required",
            instrument=inst_ref(inst),
            item=None,
            control=DUTY,
            paragraph="Art. 12(3)",
            control_point=None,
            reason=f"The declared end use ({case.end_use}) is a ground of the catch-all: "
            + (duty.text.en or duty.text.best()),
            validity=Validity(duty.valid.start, duty.valid.end),
            sources=refs(duty.sources),
            matched_by="end_use",
        )
    )
