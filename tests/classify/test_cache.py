"""The on-disk cache (``lanthanide.cache``) of parsed YAML and of the
classifier's index: stored once, read back to the same answers, and a
missing, corrupt or inconsistent entry is rebuilt, never a crash."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import yaml

from lanthanide import cache
from lanthanide.classify import Classifier, entries, index, store
from lanthanide.classify.entries import FieldIndex
from lanthanide.rules.book import Rulebook
from lanthanide.rules.loader import _Loader

QUERIES = ["gallium arsenide wafers", "氧化镝", "Sm-Co magnet material", "2846901400"]
ON = date(2025, 6, 1)


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh cache directory, and no tokenizations remembered in memory."""
    monkeypatch.setenv(cache.ENV_DIR, str(tmp_path))
    saved = dict(entries.WORDS), set(index._TOKENS_READ)
    entries.WORDS.clear()
    index._TOKENS_READ.clear()
    yield tmp_path
    entries.WORDS.clear()
    entries.WORDS.update(saved[0])
    index._TOKENS_READ.clear()
    index._TOKENS_READ.update(saved[1])


def _forget() -> None:
    """As a new process: nothing tokenized in memory."""
    entries.WORDS.clear()
    index._TOKENS_READ.clear()


def _answers(clf: Classifier) -> list[object]:
    return [clf.classify(q, top=10, on=ON).to_dict() for q in QUERIES]


def _files(root: Path) -> list[Path]:
    return sorted((root / "classify").glob("*"))


def test_index_is_stored_once_and_read_back_alike(
    cache_dir: Path, book: Rulebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = Classifier(book)
    stored = _files(cache_dir)
    assert sorted(p.suffix for p in stored) == [".json", ".npz"]
    expected = _answers(first)

    _forget()

    def no_build(*args: object, **kwargs: object) -> FieldIndex:
        raise AssertionError("the index was rebuilt although it is in the cache")

    monkeypatch.setattr(FieldIndex, "build", no_build)
    monkeypatch.setattr(entries, "tokenize", no_build)  # no field text is tokenized again
    second = Classifier(book)
    assert _files(cache_dir) == stored
    monkeypatch.undo()
    assert _answers(second) == expected


def test_a_corrupt_entry_is_rebuilt(cache_dir: Path, book: Rulebook) -> None:
    expected = _answers(Classifier(book))
    for damage in ("garbage", "truncated", "empty"):
        for p in _files(cache_dir):
            raw = p.read_bytes()
            bad = {"garbage": b"\x00not a cache\xff" * 50, "truncated": raw[: len(raw) // 2]}
            p.write_bytes(bad.get(damage, b""))
        _forget()
        assert _answers(Classifier(book)) == expected, damage
    _forget()
    # rewritten whole: the next process reads it
    assert store.load_tokens(book.version)


def _corpora(book: Rulebook) -> dict[str, tuple[list[list[str]], float]]:
    """The corpora a classifier over ``book`` indexes (as Classifier builds them)."""
    clf = Classifier(book)
    got: dict[str, tuple[list[list[str]], float]] = {}
    items = clf.entries[: clf.n_items]
    hs = clf.entries[clf.n_items :]
    for name in index.FIELD_WEIGHTS:
        got[name] = ([e.fields.get(name, []) for e in items], 0.75)
    got["hs:title"] = ([e.fields["title"] for e in hs], 0.75)
    got["hs:concepts"] = ([e.fields["concepts"] for e in hs], 0.75)
    got["hs:covers"] = ([sorted(e.covers) for e in hs], 0.0)
    return got


def test_an_inconsistent_index_entry_is_ignored(cache_dir: Path, book: Rulebook) -> None:
    corpora = _corpora(book)
    assert store.load_fields(corpora) is not None
    (npz,) = (cache_dir / "classify").glob("*.npz")
    with np.load(npz, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["0.indices"] = arrays["0.indices"] + 10**6  # documents that do not exist
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    npz.write_bytes(buf.getvalue())
    assert store.load_fields(corpora) is None


def test_tokens_of_the_wrong_shape_are_ignored(cache_dir: Path, book: Rulebook) -> None:
    Classifier(book)
    (js,) = (cache_dir / "classify").glob("*.json")
    js.write_text(json.dumps([[1, 2, 3, 4]]))
    assert store.load_tokens(book.version) == {}


def test_cache_off_writes_nothing(
    tmp_path: Path, book: Rulebook, monkeypatch: pytest.MonkeyPatch, cache_dir: Path
) -> None:
    monkeypatch.setenv(cache.ENV_DIR, "off")
    assert cache.directory() is None
    clf = Classifier(book)
    assert clf.classify("gallium arsenide wafers").results
    assert not any(tmp_path.rglob("*.npz"))


def test_an_unwritable_cache_is_no_error(
    tmp_path: Path, book: Rulebook, monkeypatch: pytest.MonkeyPatch, cache_dir: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(cache.ENV_DIR, str(blocker / "sub"))
    assert cache.write("x", "y.json", b"{}") is False
    assert Classifier(book).classify("gallium arsenide wafers").results


def test_scores_equal_bm25s() -> None:
    """The index scores a query as bm25s does, to the last bit."""
    import bm25s

    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(60)]
    corpus = [list(rng.choice(words, size=int(rng.integers(0, 12)))) for _ in range(300)]
    for b in (0.75, 0.0):
        ours = FieldIndex.build(corpus, b=b)
        theirs = bm25s.BM25(b=b)
        theirs.index([d if d else ["\x00"] for d in corpus], show_progress=False)
        for _ in range(50):
            q = list(rng.choice([*words, "unknown"], size=int(rng.integers(1, 6))))
            known = [t for t in q if t in theirs.vocab_dict]
            want = theirs.get_scores(known) if known else np.zeros(len(corpus), np.float32)
            assert np.array_equal(ours.scores(q), want)


def test_concurrent_writers_and_readers_see_whole_entries(tmp_path: Path) -> None:
    """os.replace: a reader sees no entry or a whole one, never a partial one."""
    env = {cache.ENV_DIR: str(tmp_path)}
    payloads = [bytes([i]) * 200_000 for i in range(4)]
    seen: list[bytes | None] = []
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)

        def writer(p: bytes) -> None:
            for _ in range(20):
                assert cache.write("t", "entry.bin", p)

        def reader() -> None:
            for _ in range(200):
                seen.append(cache.read("t", "entry.bin"))

        threads = [threading.Thread(target=writer, args=(p,)) for p in payloads]
        threads.append(threading.Thread(target=reader))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert all(s is None or s in payloads for s in seen)
    assert [p.name for p in (tmp_path / "t").iterdir()] == ["entry.bin"]  # no temporary left


def test_two_processes_build_at_once(cache_dir: Path) -> None:
    """Two cold processes racing to build and store the index both answer alike."""
    code = (
        "from lanthanide import Lanthanide; import json; "
        "print(json.dumps(Lanthanide().classify('gallium arsenide wafers').to_dict()))"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert outs[0] == outs[1]
    assert len(_files(cache_dir)) == 2


# ------------------------------------------------------------------ YAML
def test_parsed_yaml_is_read_back_equal(cache_dir: Path) -> None:
    text = "id: x\neffective: 2025-04-04\nn: 3\nf: 1.5\nnested: [{a: null, b: yes}, '2025-01-01']\n"
    first = cache.load_yaml(text, _Loader)
    assert first["effective"] == date(2025, 4, 4) and first["nested"][1] == "2025-01-01"
    assert len(list((cache_dir / "yaml").glob("*.json"))) == 1
    assert cache.load_yaml(text, _Loader) == first
    assert cache.load_yaml(text) == yaml.safe_load(text)


def test_yaml_json_cannot_carry_is_not_cached(cache_dir: Path) -> None:
    text = "1: one\nwhen: 2025-04-04 10:00:00\n"
    got = cache.load_yaml(text, _Loader)
    assert got == yaml.load(text, Loader=_Loader)
    assert 1 in got
    assert not list((cache_dir / "yaml").glob("*.json"))


def test_invalid_yaml_fails_every_time(cache_dir: Path) -> None:
    for _ in range(2):
        with pytest.raises(yaml.YAMLError, match="duplicate key"):
            cache.load_yaml("a: 1\na: 2\n", _Loader)
    assert not list((cache_dir / "yaml").glob("*.json"))


def test_corrupt_yaml_entry_is_parsed_again(cache_dir: Path) -> None:
    text = "a: 2025-04-04\n"
    cache.load_yaml(text, _Loader)
    (entry,) = (cache_dir / "yaml").glob("*.json")
    entry.write_bytes(b"{not json")
    assert cache.load_yaml(text, _Loader) == {"a": date(2025, 4, 4)}
    assert json.loads(entry.read_bytes())  # rewritten
