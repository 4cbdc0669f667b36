"""What a screening on a date looked at: the lists and notices in effect,
entries per list, and what the encoded data lacks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lanthanide.rules.lists import LIST_TITLES, PartyLists
from lanthanide.rules.model import Text


@dataclass(frozen=True, slots=True)
class ListsChecked:
    """What a screening on a date looked at: the answer to "no match" must say
    which lists were checked, as of which date, and what they lack."""

    on: date
    announcements: tuple[tuple[str, str, str], ...]
    """(list, official number, effective date) of every notice in effect by ``on``."""
    counts: dict[str, int]
    """Entries per list among those notices."""
    data_as_of: date | None
    """Sources were searched for changes up to this date."""
    incomplete: tuple[str, ...]
    """Numbers of notices that name more parties than are encoded."""
    warnings: tuple[Text, ...]


def lists_checked(lists: PartyLists, on: date) -> ListsChecked:
    """The lists a screening on ``on`` covers, with their gaps."""
    anns = [a for a in lists.announcements.values() if a.effective <= on]
    counts: dict[str, int] = {k: 0 for k in LIST_TITLES}
    for a in anns:
        counts[a.list] += len(a.entries)
    incomplete = tuple(a.number for a in anns if not a.complete)
    warnings: list[Text] = []
    if lists.data_as_of is not None and on > lists.data_as_of:
        warnings.append(
            Text(
                en=f"list changes after {lists.data_as_of.isoformat()} (the end of the sources "
                "searched) are not encoded; a party listed later is not found",
            )
        )
    for n in incomplete:
        warnings.append(
            Text(en=f"{n} names more parties than are encoded: no match does not clear a party")
        )
    return ListsChecked(
        on=on,
        announcements=tuple((a.list, a.number, a.effective.isoformat()) for a in anns),
        counts=counts,
        data_as_of=lists.data_as_of,
        incomplete=incomplete,
        warnings=tuple(warnings),
    )
