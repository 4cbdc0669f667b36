"""Settling the technology export catalogue: a technology listed in the
version in force is decided by its own controls; one known not to be listed
(deleted, not yet added, or a complete catalogue) needs only contract
registration (the residual controls); for anything else, a partly encoded
catalogue leaves the answer open."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

from lanthanide.decide.matching import Match
from lanthanide.decide.model import Case
from lanthanide.decide.sheet import Sheet
from lanthanide.decide.warnings import WarningCode
from lanthanide.rules.book import TECH_CATALOGUE, Rulebook


class Settled(Enum):
    NOT_TECHNOLOGY = "not technology"
    LISTED = "listed"
    NOT_LISTED = "not listed"
    """Known not to be listed: the residual controls apply."""
    UNKNOWN = "unknown"


class Catalogue:
    def __init__(self, book: Rulebook) -> None:
        self.book = book
        # catalogue codes a version explicitly adds: absent before that version
        self.added_on: dict[str, date] = {}
        for views in book.catalogues.values():
            for v in views:
                for code, r in v.items.items():
                    if r.item.change == "added" and r.instrument is v.instrument:
                        self.added_on.setdefault(code, v.valid.start)

    def settle(self, case: Case, matches: list[Match], sheet: Sheet) -> Settled:
        book = self.book
        tech = [m for m in matches if m.ref.item.kind == "technology"]
        if not tech and case.kind != "technology":
            return Settled.NOT_TECHNOLOGY
        if not tech and matches:
            return Settled.NOT_TECHNOLOGY
        span = sheet.span
        view = next(
            (v for v in book.catalogues.get(TECH_CATALOGUE, ()) if span.within(v.valid)), None
        )
        if view is None:
            sheet.warn(WarningCode.CATALOGUE_NONE, on=case.on)
            sheet.unknown_coverage = True
            return Settled.UNKNOWN
        declared = view.declared.total
        cover: dict[str, Any] = {
            "form": "" if declared else "total-unknown",
            "catalogue": view.instrument.number,
            "version": view.version,
            "encoded": view.encoded,
            "declared": declared,
        }
        known_absent = bool(tech)
        listed = False
        for m in tech:
            code = m.ref.item.code
            if m.ref.key in book.catalogue_item_keys:
                if code in view.items:
                    listed = True
                    known_absent = False
                elif code in self.added_on and span.before(self.added_on[code]):
                    sheet.trace_on_day(
                        view.instrument.id,
                        "catalogue",
                        code,
                        "not yet in the catalogue on ",
                        f": added on {self.added_on[code]}",
                    )
                elif code in view.deleted_codes:
                    sheet.trace_on_day(
                        view.instrument.id, "catalogue", code, "deleted from the catalogue by ", ""
                    )
                else:
                    known_absent = False
                    sheet.warn(
                        WarningCode.CATALOGUE_CARRY_OVER_UNKNOWN,
                        view.instrument.id,
                        item=code,
                        on=case.on,
                        **cover,
                    )
                    sheet.unknown_coverage = True
            else:
                known_absent = False
        if listed:
            return Settled.LISTED
        if known_absent or view.complete:
            return Settled.NOT_LISTED
        sheet.warn(
            WarningCode.CATALOGUE_COVERAGE, view.instrument.id, key="cat-cover", on=case.on, **cover
        )
        sheet.unknown_coverage = True
        return Settled.UNKNOWN
