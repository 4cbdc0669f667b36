"""The entries of a stored classifier (``store.StoredEntries``): the HS
heading entries kept pickled until looked at read as the list a classifier
built in the process holds."""

from __future__ import annotations

import pytest

from lanthanide.classify import entries, store
from lanthanide.rules.book import Rulebook


def test_reads_as_the_built_list(book: Rulebook) -> None:
    from datetime import date

    items = entries.rulebook_entries(book, date(2026, 1, 15))
    built = [*items, *entries.heading_entries()[:50]]
    split = store._split(built, len(items))
    assert split is not None
    lazy = store.StoredEntries(*split)
    assert len(lazy) == len(built) and lazy == built and list(lazy) == built
    n = len(items)
    assert lazy[n + 3] == built[n + 3] and lazy[n + 3] is lazy[n + 3]  # read once, kept
    assert lazy[-1] == built[-1] and lazy[0] is built[0]  # items are the objects themselves
    assert lazy[:n] == built[:n] and lazy[n - 2 : n + 2] == built[n - 2 : n + 2]
    with pytest.raises(IndexError):
        lazy[len(built)]
    with pytest.raises(IndexError):
        lazy[-len(built) - 1]
    assert lazy != built[:-1]


def test_entries_holding_rulebook_objects_are_stored_whole(book: Rulebook) -> None:
    from datetime import date

    items = entries.rulebook_entries(book, date(2026, 1, 15))
    assert any(e.refs for e in items)
    assert store._split(items, 0) is None  # an item after n holds ItemRefs: no lazy part
