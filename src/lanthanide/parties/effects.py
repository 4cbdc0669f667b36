"""What a listing does on a date: typed effects for the determination.

``effects_for(match, on)`` is the function ``decide`` calls: for one matched
entry it returns every measure of the listing notice as a :class:`ListEffect`
with its legal status on ``on``, the window on which that status holds, the
announcement number, the sources and the weakest reliability tag. It decides
no verdict; ``decide`` ranks the effects (``docs/parties.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

from lanthanide.rules.lists import (
    EFFECT_RANK,
    EXPORT_ACTIVITIES,
    LIST_TITLES,
    Activity,
    ItemScope,
    ListedEntry,
    ListKind,
    ListSource,
    MeasureKind,
    PartyEffect,
    Reading,
    measure_status,
)
from lanthanide.rules.model import EndUse, Period, Tag, Text

if TYPE_CHECKING:
    from lanthanide.parties.match import PartyMatch

ListingState = Literal["in_force", "suspended", "stopped", "cancelled", "not_yet"]

_TAG_ORDER = {"U": 0, "S": 1, "P": 2}


def weakest(*tags: Tag) -> Tag:
    """The least reliable of several tags (a fact is as strong as its weakest part)."""
    return min(tags, key=lambda t: _TAG_ORDER[t])


@dataclass(frozen=True, slots=True)
class ListEffect:
    """One measure of a listing, as it stands on a date."""

    list: ListKind
    announcement: str
    """Id of the list announcement (``cn-mofcom-2026-23-control-list``)."""
    number: str
    """Official number (``商务部公告2026年第23号``)."""
    entry: str
    """Listed entry uid (``announcement#n``)."""
    measure: str
    kind: MeasureKind
    activity: Activity
    items: ItemScope
    goods: Text | None
    effect: PartyEffect
    end_uses: tuple[EndUse, ...] | None
    status: ListingState
    window: Period | None
    """Half-open dates on which ``status`` is the same."""
    by: str | None
    """The act behind a suspension, stop or cancellation."""
    text: Text
    assumed: bool
    tag: Tag
    sources: tuple[ListSource, ...]
    alternatives: tuple[Reading, ...] = ()
    warnings: tuple[Text, ...] = ()

    @property
    def applies(self) -> bool:
        """In force on the date (not suspended, stopped, cancelled or not yet listed)."""
        return self.status == "in_force"

    @property
    def bears_on_export(self) -> bool:
        """Whether the measure can change the verdict on an export to the party."""
        return self.activity in EXPORT_ACTIVITIES and self.effect not in ("none",)

    @property
    def rank(self) -> int:
        return EFFECT_RANK[self.effect]

    def covers(self, *, dual_use: bool, end_use: str | None = None) -> bool | None:
        """Whether the measure covers an item and end use. ``None`` when the end
        use is needed and unknown (the determination asks for it)."""
        if self.items == "dual_use" and not dual_use:
            return False
        if self.items == "named":
            return False
        if self.end_uses is not None:
            if end_use is None:
                return None
            return end_use in self.end_uses
        return True


def effects_for(match: PartyMatch | ListedEntry, on: date) -> list[ListEffect]:
    """Every measure of the matched listing with its status on ``on``,
    strictest effect first (measures in force before those that are not)."""
    le = match if isinstance(match, ListedEntry) else match.entry
    ann = le.announcement
    entry_sources = le.sources()
    out: list[ListEffect] = []
    for m in ann.measures:
        st = measure_status(ann, m, on)
        srcs = list(entry_sources)
        for ref in m.sources:
            s = ann.source(ref)
            if s not in srcs:
                srcs.append(s)
        tags: list[Tag] = [le.entry.tag, m.tag]
        if st.by is not None:
            srcs.extend(s for s in st.by.sources if s not in srcs)
            tags.append(st.by.tag)
        status: ListingState = st.status
        out.append(
            ListEffect(
                list=ann.list,
                announcement=ann.id,
                number=ann.number,
                entry=le.uid,
                measure=m.id,
                kind=m.kind,
                activity=m.activity,
                items=m.items,
                goods=m.goods,
                effect=m.effect,
                end_uses=m.end_uses,
                status=status,
                window=st.window,
                by=st.by.by if st.by is not None else None,
                text=m.text,
                assumed=m.assumed,
                tag=weakest(*tags),
                sources=tuple(srcs),
                alternatives=st.alternatives,
                warnings=st.warnings,
            )
        )
    out.sort(key=lambda e: (not e.applies, e.rank))
    return out


def listing_state(effects: list[ListEffect]) -> ListingState:
    """One word for a listing on a date: ``in_force`` if any measure applies,
    else the status its measures share (``suspended`` before ``stopped``)."""
    if not effects:
        return "in_force"
    states = {e.status for e in effects}
    order: tuple[ListingState, ...] = ("in_force", "suspended", "stopped", "cancelled", "not_yet")
    return next(s for s in order if s in states)


def list_title(kind: str) -> Text:
    return LIST_TITLES[kind]
