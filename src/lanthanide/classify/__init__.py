"""Bilingual classification: Chinese or English text → rulebook items, control
codes and HS codes, ranked and explained (pure domain: no web, CLI or DB)."""

from __future__ import annotations

from lanthanide.classify.index import Classification, Classifier, Entry, Result
from lanthanide.classify.params import FoundParam, extract
from lanthanide.classify.tokens import tokenize
from lanthanide.rules.book import Rulebook

__all__ = [
    "Classification",
    "Classifier",
    "Entry",
    "FoundParam",
    "Result",
    "classifier_for",
    "extract",
    "tokenize",
]

_CLASSIFIERS: dict[int, Classifier] = {}


def classifier_for(book: Rulebook) -> Classifier:
    """The classifier of ``book``, built once per rulebook."""
    c = _CLASSIFIERS.get(id(book))
    if c is None or c.book is not book:
        c = Classifier(book)
        _CLASSIFIERS[id(book)] = c
    return c
