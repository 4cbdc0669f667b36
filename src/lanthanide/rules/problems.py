"""One problem found in a rulebook file (instrument or list announcement)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong (``message``), in which ``file`` and where in it (``path``,
    dotted keys; empty for the whole file)."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.message}"
