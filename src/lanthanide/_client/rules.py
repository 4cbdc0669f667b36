"""The rulebook's views: :meth:`instruments`, :meth:`instrument`,
:meth:`diff`, :meth:`coverage`, :meth:`validate` and
:meth:`validate_overlays` (``lanthanide rules ...``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from lanthanide._client.core import _Core, _date

if TYPE_CHECKING:
    from lanthanide.rules import Problem


@dataclass(frozen=True, slots=True)
class Validation:
    """The outcome of :meth:`RulesViews.validate`."""

    directory: Path
    instruments: int
    items: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


class RulesViews(_Core):
    """The instruments, their differences, coverage and validation."""

    def instruments(
        self, *, on: date | str | None = None, regime: str | None = None
    ) -> list[dict[str, Any]]:
        """The instruments (in force on ``on``, of ``regime``), oldest first."""
        from lanthanide.decide.model import CaseError
        from lanthanide.rules import report
        from lanthanide.rules.model import Regime

        day = _date("on", on)
        regimes = set(get_args(Regime))
        if regime is not None and regime not in regimes:
            raise CaseError(
                "regime", f"'{regime}' is not allowed (allowed: {', '.join(sorted(regimes))})"
            )
        return report.list_instruments(self.rulebook, on=day, regime=regime)

    def instrument(self, ident: str) -> dict[str, Any]:
        """One instrument, by id or official number, with its items, controls,
        sources and suspensions; raises ``LookupError`` naming the known ids."""
        from lanthanide.rules import report

        return report.show(self.rulebook, ident)

    def diff(self, a: str, b: str) -> dict[str, Any]:
        """Items added, removed and modified between two catalogue versions or
        instruments, with the declared counts; raises ``LookupError``."""
        from lanthanide.rules import report

        return report.diff(self.rulebook, a, b)

    def coverage(self) -> dict[str, Any]:
        """How much of each catalogue version and partly encoded list is encoded."""
        from lanthanide.rules import report

        return report.coverage(self.rulebook)

    def validate_overlays(self, directories: list[str | os.PathLike[str]]) -> Validation:
        """Validate overlay directories on top of this instance's base
        rulebook (the bundled one by default): every problem by file and field."""
        from lanthanide.decide.model import CaseError
        from lanthanide.rules.loader import default_dir

        dirs = [Path(d) for d in directories]
        for d in dirs:
            if not d.is_dir():
                raise CaseError("directory", f"'{d}' is not a directory")
        from lanthanide.rules.book import load_rulebook
        from lanthanide.rules.loader import RulebookError

        try:
            book = load_rulebook(self._directory, overlays=dirs)
        except RulebookError as exc:
            return Validation(dirs[0], 0, 0, tuple(exc.problems))
        insts = list(book.instruments.values())
        n_items = sum(len(i.items) for i in insts)
        return Validation(dirs[0] if dirs else default_dir(), len(insts), n_items, ())

    def validate(self, directory: str | os.PathLike[str] | None = None) -> Validation:
        """Validate the rulebook files in ``directory`` (default: this
        instance's rulebook directory, else the bundled one)."""
        from lanthanide.decide.model import CaseError
        from lanthanide.rules.loader import RulebookError, default_dir, load_instruments

        root = Path(directory) if directory is not None else self._directory or default_dir()
        if not root.is_dir():
            raise CaseError("directory", f"'{root}' is not a directory")
        try:
            insts = load_instruments(root)
        except RulebookError as exc:
            return Validation(root, 0, 0, tuple(exc.problems))
        return Validation(root, len(insts), sum(len(i.items) for i in insts), ())
