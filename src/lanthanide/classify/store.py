"""The classifier's index on disk (:mod:`lanthanide.cache`), so that a new
process does not tokenize the rulebook and build the BM25 indexes again.

Two entries, each keyed by everything it is derived from, so neither can be
stale:

- **tokens** (JSON): the words and concepts of every field text, keyed by the
  rulebook version, :data:`INDEX_FORMAT` and :func:`code_version` (a digest of
  the tokenizer's code and glossary and of the vocabulary data). Tokenizing is
  a pure function of the text and that code; a text not in the entry is
  tokenized as before.
- **fields** (NumPy ``.npz``, no pickle): the BM25 score matrix of each field
  (the arrays bm25s builds), keyed by a digest of the fields' token lists
  themselves (what bm25s builds from), ``b`` and the same versions.
- **classifier** (pickle, :func:`lanthanide.cache.read_pickle`'s trust
  rules): the whole built :class:`~lanthanide.classify.index.Classifier` but
  its rulebook, keyed by the rulebook version, the technology catalogue in
  force on the day it is built for (:func:`day_key`: entries are shown under
  it), the same code digest and the Python and NumPy versions; the
  :data:`KEEP` most recent entries are kept. The rulebook's objects are not in
  it: each ``ItemRef``, item and instrument is stored as its place in the
  rulebook and resolved against the rulebook given on reading (checked to
  list the same items in the same order), so a classifier read back shares
  the rulebook's objects, as one built in the process does. The
  tokenizations of the items' control points (read when results are
  explained) are stored with it. The ~6,800 HS heading entries are each
  pickled on their own inside it and unpickled when first looked at
  (:class:`StoredEntries`): a query scores them from the matrices and
  masks and shows a handful.

A missing, unreadable, corrupt or inconsistent entry is ignored and the index
is built as before (then written, atomically); a build never depends on the
cache being writable.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from lanthanide import cache as disk

if TYPE_CHECKING:
    from datetime import date

    from lanthanide.classify.entries import FieldIndex
    from lanthanide.classify.index import Classifier
    from lanthanide.classify.results import Entry
    from lanthanide.rules.book import Rulebook

INDEX_FORMAT = "4"
"""Format version of the classifier's cache entries; bump on any change of
what they hold."""

TokenMemo = dict[tuple[bool, str], tuple[tuple[str, ...], tuple[str, ...]]]
"""(symbols, text) -> (words, concepts), as :func:`entries._words` gives them."""


@cache
def code_version() -> str:
    """A digest of the code and data tokenizing depends on: the modules of
    ``lanthanide.classify`` and the vocabulary (its code and data files)."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    files = [
        *sorted((root / "classify").glob("*.py")),
        *sorted((root / "vocab").glob("*.py")),
        *sorted((root / "vocab" / "data").glob("*.yaml")),
    ]
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _tokens_name(book_version: str) -> str:
    return disk.key("classify-tokens", INDEX_FORMAT, code_version(), book_version) + ".json"


def load_tokens(book_version: str) -> TokenMemo:
    """The stored tokenizations for this rulebook version (empty if none or unreadable)."""
    got = disk.read("classify", _tokens_name(book_version))
    if got is None:
        return {}
    try:
        rows = json.loads(got)
        out: TokenMemo = {}
        for symbols, text, words, concepts in rows:
            if not (
                type(symbols) is bool
                and type(text) is str
                and type(words) is list
                and type(concepts) is list
            ):
                return {}
            out[(symbols, text)] = (tuple(words), tuple(concepts))
        return out
    except (ValueError, TypeError):
        return {}


def save_tokens(book_version: str, memo: TokenMemo) -> None:
    rows = [[s, t, list(w), list(c)] for (s, t), (w, c) in sorted(memo.items())]
    data = json.dumps(rows, ensure_ascii=False).encode()
    disk.write("classify", _tokens_name(book_version), data)


def _fields_name(corpora: Mapping[str, tuple[Sequence[list[str]], float]]) -> str:
    h = hashlib.sha256()
    for name, (docs, b) in corpora.items():
        h.update(json.dumps([name, b, list(docs)], ensure_ascii=False).encode())
    return disk.key("classify-fields", INDEX_FORMAT, code_version(), h.hexdigest()) + ".npz"


def load_fields(
    corpora: Mapping[str, tuple[Sequence[list[str]], float]],
) -> dict[str, FieldIndex] | None:
    """The stored BM25 indexes of ``corpora`` (field name -> (documents, b)),
    or ``None`` if there are none or any fails a check."""
    from lanthanide.classify.entries import FieldIndex

    got = disk.read("classify", _fields_name(corpora))
    if got is None:
        return None
    try:
        with np.load(io.BytesIO(got), allow_pickle=False) as z:
            out = {}
            for i, (name, (docs, _)) in enumerate(corpora.items()):
                vocab = json.loads(bytes(z[f"{i}.vocab"]).decode())
                fld = FieldIndex.from_arrays(
                    z[f"{i}.data"], z[f"{i}.indices"], z[f"{i}.indptr"], len(docs), vocab
                )
                if fld is None:
                    return None
                out[name] = fld
            return out
    except Exception:  # any unreadable entry: BadZipFile, a missing array…
        return None


def save_fields(
    corpora: Mapping[str, tuple[Sequence[list[str]], float]], fields: Mapping[str, FieldIndex]
) -> None:
    arrays: dict[str, Any] = {}
    for i, name in enumerate(corpora):
        f = fields[name]
        arrays[f"{i}.data"] = f.data
        arrays[f"{i}.indices"] = f.indices
        arrays[f"{i}.indptr"] = f.indptr
        words = sorted(f.ids, key=f.ids.__getitem__)  # ids are 0..n-1
        arrays[f"{i}.vocab"] = np.frombuffer(
            json.dumps(words, ensure_ascii=False).encode(), dtype=np.uint8
        )
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    disk.write("classify", _fields_name(corpora), buf.getvalue())


# ------------------------------------------------------- whole classifier
CLASSIFIER_KIND = "classifier"
KEEP = 4
"""Classifier entries kept (the most recent)."""


def day_key(book: Rulebook, day: date) -> str:
    """What of ``day`` a classifier built on it depends on: the technology
    catalogue version in force then, under which each catalogue item is
    shown (:func:`~lanthanide.classify.entries.rulebook_entries`); two days
    with the same key build the same index (a test checks it over the
    rulebook's history)."""
    view = book.catalogue_in_force(day)
    return "none" if view is None else view.instrument.id


def _classifier_name(book: Rulebook, day: date) -> str:
    import sys

    return (
        disk.key(
            "classifier",
            INDEX_FORMAT,
            code_version(),
            f"{sys.version}\0{np.__version__}",
            book.version,
            day_key(book, day),
        )
        + ".pickle"
    )


def stored_path(book: Rulebook, day: date) -> Path | None:
    """The file holding the classifier of ``book`` on ``day``, if it is
    stored (``None``: not stored, or the cache is off)."""
    where = disk.path(CLASSIFIER_KIND, _classifier_name(book, day))
    return where if where is not None and where.is_file() else None


class _Places:
    """The rulebook's objects by identity, and their places (persistent ids)."""

    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self.ids: dict[int, tuple[str, int | str]] = {}
        for i, r in enumerate(book.item_refs):
            self.ids[id(r)] = ("ref", i)
            self.ids.setdefault(id(r.item), ("item", i))
        for inst_id, inst in book.instruments.items():
            self.ids[id(inst)] = ("inst", inst_id)
        self.ids[id(book)] = ("book", "")

    def persistent_id(self, obj: object) -> tuple[str, int | str] | None:
        return self.ids.get(id(obj))

    def persistent_load(self, pid: Any) -> Any:
        kind, where = pid
        if kind == "ref":
            return self.book.item_refs[where]
        if kind == "item":
            return self.book.item_refs[where].item
        if kind == "inst":
            return self.book.instruments[where]
        if kind == "book":
            return self.book
        raise LookupError(pid)


class StoredEntries(Sequence["Entry"]):
    """The entries of a classifier read from the cache: the rulebook items
    as they are, each other entry (an HS heading) kept pickled until it is
    first looked at, then kept. Reads as the list of a classifier built in
    the process (the same entries, in order)."""

    __slots__ = ("_blobs", "_items", "_read")

    def __init__(self, items: list[Entry], blobs: list[bytes]) -> None:
        self._items = items
        self._blobs = blobs
        self._read: dict[int, Entry] = {}

    def __len__(self) -> int:
        return len(self._items) + len(self._blobs)

    @overload
    def __getitem__(self, i: int) -> Entry: ...
    @overload
    def __getitem__(self, i: slice) -> list[Entry]: ...
    def __getitem__(self, i: int | slice) -> Entry | list[Entry]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        n = len(self._items)
        if 0 <= i < n:
            return self._items[i]
        got = self._read.get(i)
        if got is None:
            if not n <= i < len(self):
                raise IndexError("entry index out of range")
            got = self._read[i] = pickle.loads(self._blobs[i - n])
        return got

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a list is not hashable either


def _split(entries: Sequence[Entry], n: int) -> tuple[list[Entry], list[bytes]] | None:
    """The entries as :class:`StoredEntries` stores them: the first ``n``
    (rulebook items) whole, the others each pickled, or ``None`` when one of
    those holds a rulebook object (then they are stored whole)."""
    rest = entries[n:]
    if any(e.refs or e.instrument is not None or e.also_in for e in rest):
        return None
    return list(entries[:n]), [pickle.dumps(e, protocol=disk.PICKLE_PROTOCOL) for e in rest]


def _layout(book: Rulebook) -> list[tuple[str, str]]:
    """The rulebook's items in order (what the stored places point into)."""
    return [r.key for r in book.item_refs]


def save_classifier(clf: Classifier) -> None:
    """Store a freshly built classifier (its query memos are empty)."""
    from lanthanide.classify.entries import WORDS

    points: TokenMemo = {}
    for e in clf.entries[: clf.n_items]:
        for r in e.refs:
            for p in r.item.control_points:
                for text in (p.zh, p.en):
                    got = WORDS.get((True, text)) if text else None
                    if text and got is not None:
                        points[(True, text)] = got
    state = dict(vars(clf))
    state.pop("build_seconds", None)
    split = _split(clf.entries, clf.n_items)
    if split is not None:
        state["entries"] = split
    places = _Places(clf.book)
    name = _classifier_name(clf.book, clf.today)
    state.pop("today", None)  # the day it is read for (same day_key)
    if disk.write_pickle(
        CLASSIFIER_KIND,
        name,
        (name, _layout(clf.book), state, points),
        persistent_id=places.persistent_id,
    ):
        disk.prune(CLASSIFIER_KIND, ".pickle", KEEP)


def load_classifier(cls: type[Classifier], book: Rulebook, day: date) -> Classifier | None:
    """The stored classifier of ``book`` on ``day``, sharing ``book``'s
    objects, or ``None`` (none stored, untrusted, corrupt, or stored for a
    rulebook whose items are not these in this order)."""
    from lanthanide.classify.entries import WORDS

    name = _classifier_name(book, day)
    places = _Places(book)
    got = disk.read_pickle(CLASSIFIER_KIND, name, persistent_load=places.persistent_load)
    if not (isinstance(got, tuple) and len(got) == 4 and got[0] == name):
        return None
    _, layout, state, points = got
    if layout != _layout(book) or not isinstance(state, dict) or not isinstance(points, dict):
        return None
    if state.get("book") is not book:
        return None
    stored = state.get("entries")
    if isinstance(stored, tuple):  # the items whole and the others pickled (_split)
        items, blobs = stored
        if not (isinstance(items, list) and isinstance(blobs, list)):
            return None
        state["entries"] = StoredEntries(items, blobs)
    clf = cls.__new__(cls)
    clf.__dict__.update(state)
    clf.today = day
    for k, v in points.items():
        WORDS.setdefault(k, v)
    return clf
