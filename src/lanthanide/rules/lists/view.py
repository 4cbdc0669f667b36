"""Indexed view of the loaded lists: every listed entry with its announcement."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from lanthanide.rules.lists.model import LIST_KINDS, Entry, ListAnnouncement, ListKind, ListSource
from lanthanide.rules.lists.status import MeasureStatus, apply_adjustments, measure_status


@dataclass(frozen=True, slots=True)
class ListedEntry:
    """One entry with the announcement that lists it."""

    announcement: ListAnnouncement
    entry: Entry

    @property
    def uid(self) -> str:
        """Stable id: ``announcement-id#entry-id``."""
        return f"{self.announcement.id}#{self.entry.id}"

    @property
    def list(self) -> ListKind:
        return self.announcement.list

    def sources(self) -> tuple[ListSource, ...]:
        return tuple(self.announcement.source(r) for r in self.entry.sources)

    def measure_statuses(self, on: date) -> tuple[MeasureStatus, ...]:
        """Every measure of the listing notice (and of notices that amend it
        with measures for this entry) with its status on ``on``."""
        return tuple(measure_status(self.announcement, m, on) for m in self.announcement.measures)


class PartyLists:
    """All list announcements of a rulebook, validated and indexed (read-only)."""

    def __init__(self, announcements: Iterable[ListAnnouncement] = ()) -> None:
        given = sorted(announcements, key=lambda a: (a.effective, a.id))
        self.acts: dict[str, ListAnnouncement] = {a.id: a for a in given}
        """Every file as loaded (listing notices and adjusting acts)."""
        self.announcements: dict[str, ListAnnouncement] = apply_adjustments(given)
        """Listing notices, with the status periods of later acts merged in."""
        self.entries: tuple[ListedEntry, ...] = tuple(
            ListedEntry(a, e) for a in self.announcements.values() for e in a.entries
        )
        self.by_uid: dict[str, ListedEntry] = {le.uid: le for le in self.entries}

    def __len__(self) -> int:
        return len(self.entries)

    def __bool__(self) -> bool:
        return bool(self.announcements)

    @property
    def data_as_of(self) -> date | None:
        """The earliest date to which every announcement's sources were
        searched for changes (a later query date gets a warning)."""
        if not self.announcements:
            return None
        return min(a.sources_checked_to for a in self.announcements.values())

    def of(self, kinds: Iterable[str] | None = None) -> tuple[ListedEntry, ...]:
        if kinds is None:
            return self.entries
        wanted = set(kinds)
        return tuple(le for le in self.entries if le.list in wanted)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {k: 0 for k in LIST_KINDS}
        for le in self.entries:
            out[le.list] += 1
        return out

    def canonical_json(self) -> str:
        """Canonical JSON for the rulebook version hash ('' when there are no lists,
        so a book without lists keeps the hash it had)."""
        if not self.announcements:
            return ""
        import json

        data = [a.model_dump(mode="json") for a in self.acts.values()]
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
