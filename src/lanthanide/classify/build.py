"""Building the classifier's index over a rulebook (what
:class:`~lanthanide.classify.index.Classifier` holds besides the rulebook):
the entries, the BM25 field indexes, the concept, element, kind and form
masks and the vocabulary for typo correction. The tokenizations and the BM25
matrices come from the on-disk cache when stored (:mod:`.store`); the whole
built classifier is stored too (:func:`.store.save_classifier`)."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from lanthanide.classify import store
from lanthanide.classify.entries import (
    ELEMENT_IDS,
    WORDS,
    FieldIndex,
    heading_entries,
    rulebook_entries,
)
from lanthanide.classify.glossary import ELEMENT_TERMS, ELEMENTS, TERMS
from lanthanide.classify.status import boundaries
from lanthanide.classify.tokens import STOP_EN
from lanthanide.classify.weights import FIELD_WEIGHTS

if TYPE_CHECKING:
    from lanthanide.classify.index import Classifier

Mask = np.ndarray[Any, np.dtype[np.bool_]]
K = TypeVar("K", bound=Hashable)

_TOKENS_READ: set[str] = set()
"""Rulebook versions whose stored tokenizations are in :data:`WORDS`."""


def fill(clf: Classifier, *, hs2022: bool) -> None:
    """Build ``clf``'s index over ``clf.book`` on ``clf.today`` (with the
    HS 2022 headings when ``hs2022``)."""
    book = clf.book
    if book.version not in _TOKENS_READ:  # the tokenizations stored for this rulebook
        WORDS.update(store.load_tokens(book.version))
        _TOKENS_READ.add(book.version)
    known = len(WORDS)
    built = rulebook_entries(book, clf.today)
    clf.n_items = len(built)
    if hs2022:
        built += heading_entries()
    clf.entries = built
    if len(WORDS) > known:  # texts tokenized now: store them for the next process
        store.save_tokens(book.version, WORDS)
    entries, n = clf.entries, clf.n_items
    clf._by_code = {}
    for i, e in enumerate(entries[:n]):
        for c in {e.code.lower(), (e.control_code or "").lower()} - {""}:
            clf._by_code.setdefault(c, []).append(i)
    clf._hs_lines = [(i, h) for i, e in enumerate(entries) for h in e.hs]
    items = entries[:n]
    hs_entries = entries[n:]
    corpora: dict[str, tuple[list[list[str]], float]] = {
        name: ([e.fields.get(name, []) for e in items], 0.75) for name in FIELD_WEIGHTS
    }
    if hs_entries:
        corpora["hs:title"] = ([e.fields["title"] for e in hs_entries], 0.75)
        corpora["hs:concepts"] = ([e.fields["concepts"] for e in hs_entries], 0.75)
        # no length normalisation: 2846 covers seventeen elements
        corpora["hs:covers"] = ([sorted(e.covers) for e in hs_entries], 0.0)
    fields = store.load_fields(corpora)
    if fields is None:
        fields = {name: FieldIndex.build(docs, b=b) for name, (docs, b) in corpora.items()}
        store.save_fields(corpora, fields)
    clf._fields = {name: fields[name] for name in FIELD_WEIGHTS}
    clf._hs_fields = {
        name.removeprefix("hs:"): f for name, f in fields.items() if name.startswith("hs:")
    }
    clf._concept_masks = _masks(
        len(entries),
        ((i, c) for i, e in enumerate(entries) for c in (*e.fields.get("concepts", ()), *e.covers)),
    )
    clf._priors = np.array([e.prior for e in items], dtype=np.float32)
    clf._title_elements = _masks(
        len(entries), ((i, c) for i, e in enumerate(items) for c in e.title_elements)
    )
    clf._has_element = np.zeros(len(entries), dtype=bool)
    for c in ELEMENT_IDS:
        m = clf._concept_masks.get(f"§{c}")
        if m is not None:
            clf._has_element |= m
    clf._is_tech = np.array([e.kind == "technology" for e in items], dtype=bool)
    clf._is_goods = np.array([e.kind == "goods" for e in items], dtype=bool)
    clf._form_masks = _masks(len(entries), ((i, e.forms) for i, e in enumerate(entries) if e.forms))
    clf._status_cache = {}
    vocab: set[str] = set()
    for e in entries:
        for toks in e.fields.values():
            vocab.update(t for t in toks if t.isascii() and t.isalpha() and len(t) >= 4)
    vocab |= {w for w in STOP_EN if len(w) >= 4}
    for _, terms in (*TERMS, *ELEMENT_TERMS):
        for t in terms:
            vocab.update(w for w in re.split(r"[\s\-]+", t) if w.isascii() and w.isalpha())
    for _, _, _, names in ELEMENTS:
        vocab.update(names)
    clf._latin_vocab = sorted(vocab)
    clf._latin_vocab_set = frozenset(vocab)
    clf._for_identify = {}
    clf._status_days = boundaries(book)
    clf._undated_cache = {}


def _masks(size: int, pairs: Iterable[tuple[int, K]]) -> dict[K, Mask]:
    """One boolean mask over ``size`` entries per key of the (index, key) ``pairs``."""
    out: dict[K, Mask] = {}
    for i, k in pairs:
        m = out.get(k)
        if m is None:
            m = out[k] = np.zeros(size, dtype=bool)
        m[i] = True
    return out
