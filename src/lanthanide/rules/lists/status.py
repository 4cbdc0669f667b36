"""A listed measure's legal status on a date, with its window and other readings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from lanthanide.rules.lists.model import (
    ListAnnouncement,
    ListingStatus,
    ListSource,
    Measure,
    StatusPeriod,
)
from lanthanide.rules.model import Period, Tag, Text

# ------------------------------------------------------------------ status on a date


@dataclass(frozen=True, slots=True)
class Reading:
    """Another reading of a listing's status on a date (e.g. the political
    extension of a suspension), with its source."""

    status: ListingStatus
    text: Text
    tag: Tag
    sources: tuple[ListSource, ...]
    until: date | None = None
    """The last day (inclusive) on which this reading changes the status."""
    stated_on: date | None = None
    """The date of the statement behind the reading (None: not a statement)."""

    @property
    def kind(self) -> str:
        """``announced_not_enacted`` (a statement without legal text) or
        ``start_unknown`` (a period whose beginning the sources do not date)."""
        return "announced_not_enacted" if self.stated_on is not None else "start_unknown"


@dataclass(frozen=True, slots=True)
class MeasureStatus:
    """A measure's legal status on a date and the window on which it holds."""

    measure: Measure
    status: ListingStatus | Literal["not_yet"]
    window: Period | None
    """Half-open dates on which this status is the same (None end = open)."""
    by: StatusPeriod | None
    alternatives: tuple[Reading, ...] = ()
    warnings: tuple[Text, ...] = ()

    @property
    def applies(self) -> bool:
        return self.status == "in_force"


def _periods_for(ann: ListAnnouncement, measure_id: str) -> list[StatusPeriod]:
    return sorted(
        (p for p in ann.status if p.measures is None or measure_id in p.measures),
        key=lambda p: p.period.start,
    )


def measure_status(ann: ListAnnouncement, measure: Measure, on: date) -> MeasureStatus:
    """The legal status of one measure of ``ann`` on ``on``.

    The legal reading is what the encoded texts say; a political extension
    without legal text, or a suspension whose start is not dated, becomes an
    alternative reading or a warning — never the answer itself.
    """
    warnings: list[Text] = []
    if on < ann.effective:
        return MeasureStatus(measure, "not_yet", Period(start=date.min, end=ann.effective), None)
    periods = _periods_for(ann, measure.id)
    if on == ann.effective and ann.effective_time:
        warnings.append(
            Text(
                en=f"the listing takes effect at {ann.effective_time} Beijing time on "
                f"{ann.effective.isoformat()}; earlier that day it did not apply",
                zh=f"自{ann.effective.isoformat()} {ann.effective_time}（北京时间）起施行",
            )
        )
    if on > ann.sources_checked_to:
        warnings.append(
            Text(
                en=f"changes to {ann.number} after {ann.sources_checked_to.isoformat()} "
                "(the end of the sources searched) are not encoded",
            )
        )
    for p in periods:
        if p.period.contains(on):
            nxt = [q.period.start for q in periods if q.period.start > p.period.start]
            pend = p.period.end if p.period.end is not None else (min(nxt) if nxt else None)
            return MeasureStatus(
                measure,
                p.status,
                Period(start=p.period.start, end=pend),
                p,
                (),
                tuple(warnings),
            )
    # in force: between the effective date / last period end and the next start
    start = ann.effective
    end: date | None = None
    alternatives: list[Reading] = []
    for p in periods:
        if p.period.end is not None and p.period.end <= on:
            start = max(start, p.period.end)
            ext = p.extension
            # ``until`` is inclusive as written (至2027年1月10日): the reading
            # still differs on that day and the window ends the day after
            if ext is not None and on <= ext.until:
                alternatives.append(
                    Reading(
                        status=p.status,
                        text=Text(
                            en=f"{ext.by} stated on {ext.announced.isoformat()} that the "
                            f"arrangement behind this {p.status} period is extended to "
                            f"{ext.until.isoformat()}; no legal text was found up to "
                            f"{ext.checked_to.isoformat()}. Under that reading the measure "
                            f"is still {p.status} on {on.isoformat()}.",
                        ),
                        tag=ext.tag,
                        sources=ext.sources,
                        until=ext.until,
                        stated_on=ext.announced,
                    )
                )
                after = date.fromordinal(ext.until.toordinal() + 1)
                end = after if end is None else min(end, after)
        elif p.period.start > on:
            end = p.period.start if end is None else min(end, p.period.start)
            if p.start_uncertain:
                warnings.append(
                    Text(
                        en=f"the sources say the {p.status} of these measures was continued "
                        f"from {p.period.start.isoformat()} ({p.by}) without dating its "
                        "beginning: they may already have been suspended on this date",
                    )
                )
                alternatives.append(
                    Reading(
                        status=p.status,
                        text=p.text,
                        tag="U",
                        sources=p.sources,
                        until=(
                            date.fromordinal(p.period.end.toordinal() - 1)
                            if p.period.end is not None
                            else None
                        ),
                    )
                )
    return MeasureStatus(
        measure,
        "in_force",
        Period(start=start, end=end),
        None,
        tuple(alternatives),
        tuple(warnings),
    )


def apply_adjustments(anns: Iterable[ListAnnouncement]) -> dict[str, ListAnnouncement]:
    """Listing notices by id, with the periods of adjusting acts merged in.
    Raises ``ValueError`` when a target is unknown or the merged periods clash."""
    anns = list(anns)
    out = {a.id: a for a in anns if a.entries}
    extra: dict[str, list[StatusPeriod]] = {}
    for a in anns:
        for adj in a.adjusts:
            if adj.announcement not in out:
                raise ValueError(f"unknown list announcement '{adj.announcement}'")
            extra.setdefault(adj.announcement, []).append(adj.change)
    for target, periods in extra.items():
        out[target] = out[target].with_status(periods)
    return out
