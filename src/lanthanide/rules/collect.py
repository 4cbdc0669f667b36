"""Parse a set of rulebook files, then check them together: the one loop
behind instruments (:mod:`lanthanide.rules.loader`) and list announcements
(:mod:`lanthanide.rules.lists.load`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
P = TypeVar("P")


def parse_all(
    files: Iterable[Path],
    parse: Callable[[Path], tuple[T | None, list[P]]],
    check: Callable[[list[T]], list[P]],
) -> tuple[list[T], list[P]]:
    """Every file parsed (problems of all files collected, not only the
    first); the cross-file ``check`` runs only when every file parsed cleanly,
    so it never reports a consequence of an earlier problem."""
    problems: list[P] = []
    parsed: list[T] = []
    for f in files:
        item, probs = parse(f)
        problems.extend(probs)
        if item is not None:
            parsed.append(item)
    if not problems:
        problems.extend(check(parsed))
    return parsed, problems
