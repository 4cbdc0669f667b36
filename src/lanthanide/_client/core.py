"""The wiring every part of :class:`~lanthanide.Lanthanide` shares: the
rulebook (loaded on first use), the determination engine and the classifier
(built on first use, each once per instance) and the one path of a case to a
determination (:meth:`_Core._decide`)."""

from __future__ import annotations

import os
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lanthanide.classify import Classifier
    from lanthanide.decide import Case, Determination, Engine
    from lanthanide.rules import Rulebook


class _Core:
    """One rulebook and what is built on it (see :class:`~lanthanide.Lanthanide`)."""

    def __init__(
        self,
        rulebook: Rulebook | str | os.PathLike[str] | None = None,
        overlays: list[str | os.PathLike[str]] | None = None,
    ) -> None:
        self._overlays: list[Path] | None = (
            None if overlays is None else [Path(o) for o in overlays]
        )
        if rulebook is None or isinstance(rulebook, str | os.PathLike):
            self._given: Rulebook | None = None
            self._directory: Path | None = None if rulebook is None else Path(rulebook)
        else:
            self._given = rulebook
            self._directory = None

    def __repr__(self) -> str:
        where = "bundled" if self._directory is None else str(self._directory)
        if self._given is not None:
            where = f"version {self._given.version}"
        return f"<{type(self).__name__} rulebook {where}>"

    # ----------------------------------------------------------- wiring
    @cached_property
    def rulebook(self) -> Rulebook:
        """The rulebook (loaded and validated on first use; raises
        :class:`~lanthanide.rules.RulebookError` listing every problem)."""
        if self._given is not None:
            return self._given
        from lanthanide.rules.book import load_rulebook

        return load_rulebook(self._directory, overlays=self._overlays)

    @cached_property
    def _classifier(self) -> Classifier:
        from lanthanide.classify import Classifier

        return Classifier.cached(self.rulebook)

    @cached_property
    def _engine(self) -> Engine:
        from lanthanide.decide import Engine

        return Engine(self.rulebook)

    def _decide(self, case: Case) -> Determination:
        """The one place a case becomes a determination: a case given by text
        alone is read by the classifier first (:func:`lanthanide._check.check`)."""
        from lanthanide import _check

        classifier = self._classifier if _check.needs_reading(case) else None
        return _check.check(self._engine, classifier, case)


def _bad(field: str, message: str) -> Exception:
    """A :class:`~lanthanide.decide.CaseError` (imported only to be raised,
    so that a method that needs no engine, as ``classify``, loads none)."""
    from lanthanide.decide.model import CaseError

    return CaseError(field, message)


def _date(field: str, value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _bad(field, f"'{value}' is not a date; use YYYY-MM-DD") from None
