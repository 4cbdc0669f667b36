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

A missing, unreadable, corrupt or inconsistent entry is ignored and the index
is built as before (then written, atomically); a build never depends on the
cache being writable.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lanthanide import cache as disk

if TYPE_CHECKING:
    from lanthanide.classify.entries import FieldIndex

INDEX_FORMAT = "1"
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
