"""The project's bilingual glossary: element names and symbols, chemical
formulas, trade names and abbreviations, each group mapped to one concept.

A concept is matched in both the query and the indexed text; documents and
queries then share a ``§id`` token, so "氧化镝", "Dy2O3" and "dysprosium
oxide" meet whatever language each side is written in. The terms are written
by the project (names of elements and compounds are facts; the groupings and
the trade jargon are ours).

Each entry: ``(id, terms)``. Terms are matched case-insensitively, except
*symbols* (listed in :data:`ELEMENTS` as the second field), which are matched
case-sensitively as standalone tokens, so "In" is indium but "in" is not.

The data is ``classify/data/glossary.yaml``; this module reads it once, on
first import, into the tuples below.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from lanthanide.cache import load_yaml


def _read() -> dict[str, Any]:
    text = (resources.files("lanthanide.classify") / "data" / "glossary.yaml").read_text("utf-8")
    data: dict[str, Any] = load_yaml(text)
    return data


def _entries(rows: list[dict[str, Any]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((str(r["id"]), tuple(str(t) for t in r["terms"])) for r in rows)


_DATA = _read()

ELEMENTS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = tuple(
    (str(e["id"]), str(e["symbol"]), str(e["zh"]), tuple(str(n) for n in e["en"]))
    for e in _DATA["elements"]
)
"""Elements that occur in the rulebook: (concept id, symbol, Chinese name,
English names). Single-character Chinese names match inside longer words
(镝 in 氧化镝), which is what a reader does too."""

AMBIGUOUS_ZH: frozenset[str] = frozenset(str(c) for c in _DATA["ambiguous_zh"])
"""Single Chinese characters that are element names but also common in other
words: matched only as part of a compound term, never alone."""

TERMS: tuple[tuple[str, tuple[str, ...]], ...] = _entries(_DATA["terms"])
"""Concepts: (id, terms)."""

ELEMENT_TERMS: tuple[tuple[str, tuple[str, ...]], ...] = _entries(_DATA["element_terms"])
"""More names of elements (an element id of :data:`ELEMENTS` and terms): a
term may name several elements."""

GENERIC: frozenset[str] = frozenset(str(c) for c in _DATA["generic"])
"""Concepts that say what *sort* of thing (an oxide, a powder, a furnace).
Every other concept names *which* thing (an element, a compound, a trade
name): an entry that lacks a specific concept of the query is penalised."""

QUALIFIERS: frozenset[str] = frozenset(str(c) for c in _DATA["qualifiers"])
"""Concepts that state a condition of an item's definition other than what
the goods are (origin, who exports from where): an item carrying one that
the query does not name ranks a little lower (the general item first)."""
