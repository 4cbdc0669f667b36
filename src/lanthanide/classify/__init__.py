"""Bilingual classification: Chinese or English text → rulebook items, control
codes and HS codes, ranked and explained (pure domain: no web, CLI or DB).
:meth:`Classifier.identify` says which items a text names and how sure that
is — the input of a determination for a text."""

from __future__ import annotations

from lanthanide.classify.identify import Identification, Identified
from lanthanide.classify.index import Classification, Classifier, Entry, Result
from lanthanide.classify.params import FoundParam, extract
from lanthanide.classify.tokens import tokenize

__all__ = [
    "Classification",
    "Classifier",
    "Entry",
    "FoundParam",
    "Identification",
    "Identified",
    "Result",
    "extract",
    "tokenize",
]
