"""A hand-written decide function over a known set of dated intervals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from lanthanide.decide.model import Case


@dataclass(frozen=True)
class FInst:
    id: str
    number: str | None


@dataclass(frozen=True)
class FItem:
    code: str


@dataclass(frozen=True)
class FFinding:
    effect: str
    instrument: FInst
    control: str
    item: FItem | None


@dataclass(frozen=True)
class FWindow:
    start: date
    end: date | None


@dataclass(frozen=True)
class FDet:
    verdict: str
    findings: tuple[FFinding, ...]
    window: FWindow


@dataclass(frozen=True)
class FDetNoWindow:
    verdict: str
    findings: tuple[FFinding, ...]


def finding(inst: str, effect: str, control: str = "c", item: str = "X-1") -> FFinding:
    return FFinding(effect, FInst(inst, f"No. {inst}"), control, FItem(item))


@dataclass
class Fake:
    """Decides from ``table``: [(start, end, verdict, findings)], half-open,
    covering every asked day; counts its calls."""

    table: list[tuple[date, date | None, str, tuple[FFinding, ...]]]
    windows: bool = True
    calls: list[date] = field(default_factory=list)

    def __call__(self, case: Case) -> FDet | FDetNoWindow:
        self.calls.append(case.on)
        for start, end, verdict, fs in self.table:
            if start <= case.on and (end is None or case.on < end):
                if self.windows:
                    return FDet(verdict, fs, FWindow(start, end))
                return FDetNoWindow(verdict, fs)
        raise AssertionError(f"no row for {case.on}")


@dataclass(frozen=True)
class FQuestion:
    field: str
    pending_effect: str | None
    instrument: str | None


@dataclass(frozen=True)
class FDetQ:
    verdict: str
    findings: tuple[FFinding, ...]
    window: FWindow
    questions: tuple[FQuestion, ...]


@dataclass
class FakeQ:
    """As :class:`Fake`, each row with its questions."""

    table: list[tuple[date, date | None, str, tuple[FFinding, ...], tuple[FQuestion, ...]]]

    def __call__(self, case: Case) -> FDetQ:
        for start, end, verdict, fs, qs in self.table:
            if start <= case.on and (end is None or case.on < end):
                return FDetQ(verdict, fs, FWindow(start, end), qs)
        raise AssertionError(f"no row for {case.on}")
