"""What every registry use case is given: the database, the rulebook, a clock
and the determination to run on applications.

Nothing here reaches up into the use-case or interface layers: the rulebook
and the determination are handed in (by :class:`~lanthanide.registry.Registry`,
whose defaults are the bundled rulebook, the system clock and
:func:`lanthanide.decide.decide` on that rulebook).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from lanthanide.registry.db import Database
from lanthanide.registry.procedures import Procedures
from lanthanide.rules.book import Rulebook

if TYPE_CHECKING:
    from lanthanide.decide import Engine
    from lanthanide.decide.model import Case, Determination


class Clock(Protocol):
    """Returns the current time as an aware datetime; the registry's day (a
    default validity start, a default shipment date, a deadline's first day)
    is that datetime's own date."""

    def __call__(self) -> datetime: ...


def system_clock() -> datetime:
    """The machine's clock in its local time zone (the day ``date.today()`` gives)."""
    return datetime.now().astimezone()


Decide = Callable[["Case"], "Determination"]
"""Runs the determination on one case (``decide(case, rulebook)``)."""


_ENGINES: dict[int, tuple[Rulebook, Engine]] = {}
"""One engine per rulebook (its indexes are built on first use)."""


def decide_with(book: Rulebook) -> Decide:
    """The default determination: the same join as ``lanthanide check``
    (:func:`lanthanide._check.check`): the end user screened against the
    party lists of ``book`` on the case's date, then
    :meth:`lanthanide.decide.Engine.decide` with that reading. (Registry cases
    name items, so no classifier is needed.)"""

    def run(case: Case) -> Determination:
        from lanthanide._check import check
        from lanthanide.decide import Engine

        held = _ENGINES.get(id(book))
        if held is None or held[0] is not book:
            held = _ENGINES[id(book)] = (book, Engine(book))
        return check(held[1], None, case)

    return run


class Context:
    """The database, the rulebook (loaded on first use when given as a
    loader), the clock and the determination (default: :func:`decide_with`
    the rulebook)."""

    def __init__(
        self,
        db: Database,
        rulebook: Rulebook | Callable[[], Rulebook],
        clock: Clock,
        decide: Decide | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self._rulebook = rulebook
        self._decide = decide

    @cached_property
    def rulebook(self) -> Rulebook:
        rb = self._rulebook
        return rb if isinstance(rb, Rulebook) else rb()

    @cached_property
    def decide(self) -> Decide:
        return self._decide or decide_with(self.rulebook)

    @cached_property
    def procedures(self) -> Procedures:
        return Procedures(self.rulebook)

    def today(self) -> date:
        now = self.clock()
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(f"the registry clock returned {now!r}, not an aware datetime")
        return now.date()
