"""The whole built classifier on disk (``Classifier.cached``,
``classify.store.load_classifier``): stored once, read back to the same
answers without building anything, sharing the rulebook's objects, and a
corrupt, foreign or mismatched entry is ignored and rebuilt."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from lanthanide import cache
from lanthanide.classify import Classifier, build, entries, store
from lanthanide.rules.book import Rulebook

QUERIES = ["gallium arsenide wafers", "氧化镝", "Sm-Co magnet material", "2846901400", "germanum"]
ON = date(2025, 6, 1)
DAY = date(2026, 1, 15)


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh cache directory, and no tokenizations remembered in memory."""
    monkeypatch.setenv(cache.ENV_DIR, str(tmp_path))
    saved = dict(entries.WORDS), set(build._TOKENS_READ)
    _forget()
    yield tmp_path
    _forget()
    entries.WORDS.update(saved[0])
    build._TOKENS_READ.update(saved[1])


def _forget() -> None:
    """As a new process: nothing tokenized in memory."""
    entries.WORDS.clear()
    build._TOKENS_READ.clear()


def _stored(root: Path) -> list[Path]:
    return sorted((root / store.CLASSIFIER_KIND).glob("*.pickle"))


def _answers(clf: Classifier) -> list[object]:
    got: list[object] = [clf.classify(q, top=10, on=ON).to_dict() for q in QUERIES]
    got += [clf.classify(q, top=3).to_dict() for q in QUERIES]
    ident = clf.identify("gallium arsenide wafers", None, ON)
    got.append((ident.sureness, [c.code for c in ident.candidates], str(ident.window)))
    return got


def test_stored_once_and_read_back_alike(
    cache_dir: Path, book: Rulebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = Classifier.cached(book, today=DAY)
    (entry,) = _stored(cache_dir)
    expected = _answers(first)
    _forget()

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("the classifier was built although it is stored")

    monkeypatch.setattr(build, "fill", no_build)
    monkeypatch.setattr(entries, "tokenize", no_build)  # no item text tokenized again
    second = Classifier.cached(book, today=DAY)
    assert second is not first and second.book is book and second.today == DAY
    assert _answers(second) == expected
    assert _stored(cache_dir) == [entry]
    # the entries hold the rulebook's own objects, as a classifier built here does
    ids = {id(r) for r in book.item_refs}
    assert all(id(r) in ids for e in second.entries for r in e.refs)
    assert any(e.refs for e in second.entries)


def test_one_entry_per_catalogue_in_force(cache_dir: Path, book: Rulebook) -> None:
    """Days under the same technology catalogue share an entry; a day under
    another catalogue has its own."""
    Classifier.cached(book, today=DAY)
    again = Classifier.cached(book, today=date(2026, 1, 16))
    assert len(_stored(cache_dir)) == 1 and again.today == date(2026, 1, 16)
    Classifier.cached(book, today=date(2021, 6, 1))
    assert len(_stored(cache_dir)) == 2


def test_days_with_one_key_build_one_index(book: Rulebook) -> None:
    """What the stored classifier is keyed by is all of the day its index
    depends on: over the rulebook's history, two days with the same
    ``day_key`` give equal entries (so reading one for the other is exact)."""
    days = [date(2008, 1, 1) + timedelta(days=173 * k) for k in range(45)]  # 2008-2029
    first: dict[str, tuple[date, list[object]]] = {}
    keys = set()
    for day in days:
        key = store.day_key(book, day)
        keys.add(key)
        got = [
            (e.code, e.instrument, e.also_in, e.fields, e.prior, [r.key for r in e.refs])
            for e in entries.rulebook_entries(book, day)
        ]
        if key in first:
            assert got == first[key][1], (first[key][0], day)
        else:
            first[key] = (day, got)
    assert len(keys) >= 3  # several catalogue versions were crossed


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_a_corrupt_entry_is_rebuilt(cache_dir: Path, book: Rulebook, damage: str) -> None:
    expected = _answers(Classifier.cached(book, today=DAY))
    (entry,) = _stored(cache_dir)
    raw = entry.read_bytes()
    bad = {"garbage": b"\x80\x05not a pickle" * 40, "truncated": raw[: len(raw) // 2]}
    entry.write_bytes(bad.get(damage, b""))
    _forget()
    assert store.load_classifier(Classifier, book, DAY) is None
    assert _answers(Classifier.cached(book, today=DAY)) == expected
    assert store.load_classifier(Classifier, book, DAY) is not None  # rewritten whole


def test_an_entry_for_other_items_is_not_used(
    cache_dir: Path, book: Rulebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stored places of the rulebook's items are only read against a
    rulebook listing the same items in the same order."""
    Classifier.cached(book, today=DAY)
    assert store.load_classifier(Classifier, book, DAY) is not None
    monkeypatch.setattr(store, "_layout", lambda b: [("other", "order")])
    assert store.load_classifier(Classifier, book, DAY) is None


def test_a_query_on_a_stored_classifier_loads_no_index_builder(cache_dir: Path) -> None:
    """A new process reading the stored classifier imports neither bm25s,
    SciPy nor jieba for an English query (nor PyYAML for the rulebook, nor
    the determination engine)."""
    code = (
        "import json, sys\n"
        "from lanthanide import Lanthanide\n"
        "got = Lanthanide().classify('gallium arsenide wafers').to_dict()\n"
        "heavy = ('bm25s', 'scipy', 'jieba', 'yaml', 'lanthanide.decide')\n"
        "print(json.dumps([got, sorted(m for m in heavy"
        " if m in sys.modules)]))\n"
    )
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(2)
    ]
    assert len(_stored(cache_dir)) == 1
    assert runs[0][0] == runs[1][0]
    assert runs[1][1] == []
