"""Procedural values of the law, read from the rulebook: the time limit for
deciding a licence application and the longest validity of each licence type.

They are cited fields (``procedures:``) of their instruments' YAML (the
Dual-Use Items Export Control Regulations, 国务院令第792号, Art. 15 and 17),
each with its paragraph, the source's words, URL and reliability tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from lanthanide.registry.errors import Conflict
from lanthanide.rules.book import Rulebook
from lanthanide.rules.model import Instrument, Procedure


@dataclass(frozen=True)
class Cited:
    """One procedural value with the instrument that states it."""

    instrument: Instrument
    procedure: Procedure

    @property
    def value(self) -> int:
        return self.procedure.value

    def cite(self) -> str:
        """``国务院令第792号 Art. 17(1)`` (the number, else the instrument id)."""
        return f"{self.instrument.number or self.instrument.id} {self.procedure.paragraph}"

    def to_dict(self) -> dict[str, object]:
        p = self.procedure
        return {
            "instrument": self.instrument.id,
            "number": self.instrument.number,
            "paragraph": p.paragraph,
            "value": p.value,
            "unit": p.unit,
            "tag": p.tag,
            "source": p.sources[0].url,
        }


Kind = Literal["decision_deadline", "max_validity"]


@dataclass(frozen=True)
class Procedures:
    """The rulebook's procedural values, looked up by licence type and day."""

    book: Rulebook

    def _find(self, kind: Kind, licence_type: str, on: date) -> Cited | None:
        found = [
            Cited(inst, p)
            for inst in sorted(self.book.instruments.values(), key=lambda i: i.id)
            for p in inst.procedures
            if p.kind == kind and licence_type in p.licence_types and p.valid.contains(on)
        ]
        if len({(c.value, c.procedure.unit) for c in found}) > 1:
            raise Conflict(
                "rulebook_conflict",
                f"the rulebook states different {kind.replace('_', ' ')}s for {licence_type} "
                f"licences on {on}: "
                + "; ".join(f"{c.value} {c.procedure.unit} ({c.cite()})" for c in found),
            )
        return found[0] if found else None

    def decision_deadline(self, licence_type: str, on: date) -> Cited:
        """The working days within which an application of ``licence_type``
        accepted on ``on`` must be decided."""
        c = self._find("decision_deadline", licence_type, on)
        if c is None:
            raise Conflict(
                "no_decision_deadline",
                f"the rulebook states no decision time limit for {licence_type} licence "
                f"applications on {on}",
            )
        return c

    def max_validity(self, licence_type: str, on: date) -> Cited | None:
        """The longest validity of a ``licence_type`` licence issued on ``on``,
        or None when the rulebook states none."""
        return self._find("max_validity", licence_type, on)
