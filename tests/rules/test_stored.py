"""The compiled rulebook on disk (``lanthanide.rules.stored``): stored once,
read back equal without parsing a file, a new entry when any source file,
overlay or module changes, and a missing, corrupt, foreign or untrusted
entry is ignored and rebuilt, never a crash nor a stale answer."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lanthanide import cache
from lanthanide.rules import book as book_module
from lanthanide.rules import loader, stored
from lanthanide.rules.book import Rulebook, load_rulebook
from lanthanide.rules.loader import RulebookError

from ..conftest import instrument, synthetic_docs, write_book


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh cache directory and no rulebook remembered in the process."""
    root = tmp_path / "cache"
    root.mkdir(mode=0o700)
    monkeypatch.setenv(cache.ENV_DIR, str(root))
    saved = dict(book_module._CACHE), dict(book_module._BASE)
    _forget()
    yield root
    _forget()
    book_module._CACHE.update(saved[0])
    book_module._BASE.update(saved[1])


def _forget() -> None:
    """As a new process: no rulebook in memory."""
    book_module._CACHE.clear()
    book_module._BASE.clear()


def _entries(root: Path) -> list[Path]:
    return sorted((root / stored.KIND).glob("*.pickle"))


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("a rulebook file was parsed although the rulebook is stored")

    monkeypatch.setattr(loader, "parse_file", refuse)
    monkeypatch.setattr(loader, "load_instruments", refuse)


def _same(a: Rulebook, b: Rulebook) -> None:
    assert a is not b
    assert a.version == b.version and a.data_as_of == b.data_as_of
    assert sorted(a.instruments) == sorted(b.instruments)
    assert [cc.uid for cc in a.controls] == [cc.uid for cc in b.controls]
    assert sorted(a.hs_prefix) == sorted(b.hs_prefix)
    assert a.overlays == b.overlays
    assert a.lists.canonical_json() == b.lists.canonical_json()


def test_the_bundled_rulebook_is_stored_once_and_read_back_equal(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_rulebook(overlays=[])
    stored_files = _entries(cache_dir)
    assert len(stored_files) == 1
    _forget()
    _no_parsing(monkeypatch)
    second = load_rulebook(overlays=[])
    _same(first, second)
    assert _entries(cache_dir) == stored_files
    # read back, it decides alike
    from lanthanide.decide import Engine, make_case

    case = make_case(hs="2853909026", destination="KR", on="2025-06-01")
    a, b = Engine(first).decide(case), Engine(second).decide(case)
    assert a.to_dict() == b.to_dict()


def test_the_readings_of_uncertain_statuses_are_stored_with_the_rulebook(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A determination with alternatives on a stored rulebook builds no
    rulebook: every alternative reading's book was built before storing,
    and decides as one built afresh from the same instruments."""
    from lanthanide.decide import Engine, make_case
    from lanthanide.rules import status

    first = load_rulebook(overlays=[])
    wanted = {(ref.status.id, r.id) for ref in first.uncertain for r in ref.status.alternatives}
    assert wanted, "the bundled rulebook has uncertain statuses"
    _forget()
    second = load_rulebook(overlays=[])
    assert set(second._readings) == wanted

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("a rulebook was compiled although its readings are stored")

    ref = first.uncertain[0]
    day = next(iter(ref.status.alternatives)).suspends[0].period.start
    case = make_case(hs="2846901500", destination="US", on=day.isoformat())
    with monkeypatch.context() as m:
        m.setattr(Rulebook, "__init__", refuse)
        got = Engine(second).decide(case)
    for (sid, rid), alt in second._readings.items():
        fresh = Rulebook(status.apply(first.instruments.values(), sid, rid), version=alt.version)
        assert [cc.uid for cc in fresh.controls] == [cc.uid for cc in alt.controls]
    assert got.to_dict() == Engine(first).decide(case).to_dict()


def test_a_changed_file_is_a_new_entry(cache_dir: Path, tmp_path: Path) -> None:
    root = write_book(tmp_path / "book", synthetic_docs())
    first = load_rulebook(root, overlays=[])
    docs = synthetic_docs()
    docs[0]["verified_on"] = "2024-07-01"
    write_book(root, docs)
    _forget()
    second = load_rulebook(root, overlays=[])
    assert second.version != first.version
    assert str(second.data_as_of) == "2024-07-01"
    assert len(_entries(cache_dir)) == 2


def test_a_changed_overlay_is_a_new_entry(cache_dir: Path, tmp_path: Path) -> None:
    root = write_book(tmp_path / "book", synthetic_docs())
    extra = tmp_path / "overlay"
    write_book(extra, [instrument("t-extra")])
    with_overlay = load_rulebook(root, overlays=[extra])
    assert "t-extra" in with_overlay.instruments
    assert [o.added for o in with_overlay.overlays] == [("t-extra",)]
    write_book(extra, [instrument("t-extra", verified_on="2024-08-01")])
    _forget()
    changed = load_rulebook(root, overlays=[extra])
    assert changed.version != with_overlay.version
    (extra / "t-extra.yaml").unlink()
    write_book(extra, [instrument("t-other")])
    _forget()
    other = load_rulebook(root, overlays=[extra])
    assert "t-other" in other.instruments and "t-extra" not in other.instruments
    _forget()
    assert "t-other" not in load_rulebook(root, overlays=[]).instruments


def test_a_changed_module_is_a_new_entry(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_book(tmp_path / "book", synthetic_docs())
    before = stored.name(root, [])
    monkeypatch.setattr(stored, "code_version", lambda: "other code")
    assert stored.name(root, []) != before


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(b"not a pickle"),
        lambda p: p.write_bytes(p.read_bytes()[:1000]),  # truncated
        lambda p: p.write_bytes(pickle.dumps(("other entry", None))),
        lambda p: p.write_bytes(pickle.dumps((p.name, {"not": "a rulebook"}))),
        lambda p: p.write_bytes(b""),
    ],
    ids=["garbage", "truncated", "other-entry", "not-a-rulebook", "empty"],
)
def test_a_corrupt_entry_is_ignored_and_rebuilt(
    cache_dir: Path, tmp_path: Path, damage: object
) -> None:
    root = write_book(tmp_path / "book", synthetic_docs())
    expected = load_rulebook(root, overlays=[])
    (entry,) = _entries(cache_dir)
    damage(entry)  # type: ignore[operator]
    _forget()
    again = load_rulebook(root, overlays=[])
    _same(expected, again)
    _forget()
    assert stored.load(entry.name) is not None  # rewritten whole


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="no POSIX file owners on this system")
def test_an_entry_others_may_write_is_not_read(cache_dir: Path, tmp_path: Path) -> None:
    """Loading a pickle runs code named in it: one that another user could
    have written is not loaded (the rulebook is read from its files)."""
    root = write_book(tmp_path / "book", synthetic_docs())
    load_rulebook(root, overlays=[])
    (entry,) = _entries(cache_dir)
    assert stored.load(entry.name) is not None
    entry.chmod(0o666)
    assert stored.load(entry.name) is None
    entry.chmod(0o600)
    entry.parent.chmod(0o777)
    try:
        assert stored.load(entry.name) is None
    finally:
        entry.parent.chmod(0o700)
    assert stored.load(entry.name) is not None
    assert entry.parent.stat().st_mode & 0o777 == 0o700  # created private


def test_an_invalid_rulebook_is_never_stored(cache_dir: Path, tmp_path: Path) -> None:
    root = write_book(tmp_path / "book", synthetic_docs())
    (root / "bad.yaml").write_text("id: bad\nkind: poem\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(RulebookError, match=r"bad\.yaml"):
            load_rulebook(root, overlays=[])
        _forget()
    assert _entries(cache_dir) == []


def test_the_cache_off_stores_nothing(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache.ENV_DIR, "off")
    root = write_book(tmp_path / "book", synthetic_docs())
    assert "t-dual" in load_rulebook(root, overlays=[]).instruments
    assert not (cache_dir / stored.KIND).exists()


def test_concurrent_processes_share_one_entry(cache_dir: Path, tmp_path: Path) -> None:
    """Processes started together on an empty cache each get the whole
    rulebook, and leave one entry and no temporary file."""
    root = write_book(tmp_path / "book", synthetic_docs())
    code = (
        "import sys; from pathlib import Path; "
        "from lanthanide.rules.book import load_rulebook; "
        "print(load_rulebook(Path(sys.argv[1]), overlays=[]).version)"
    )
    env = {**os.environ, cache.ENV_DIR: str(cache_dir)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(root)], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    versions = {p.communicate(timeout=120)[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert versions == {load_rulebook(root, overlays=[]).version}
    assert len(_entries(cache_dir)) == 1
    assert not [p for p in (cache_dir / stored.KIND).iterdir() if p.suffix == ".tmp"]


def test_old_entries_are_pruned(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every change of the rulebook makes a new entry; only the most recent
    ``KEEP`` stay, the newest among them."""
    monkeypatch.setattr(stored, "KEEP", 2)
    root = tmp_path / "book"
    for day in ("2024-07-01", "2024-07-02", "2024-07-03", "2024-07-04"):
        docs = synthetic_docs()
        docs[0]["verified_on"] = day
        write_book(root, docs)
        _forget()
        latest = load_rulebook(root, overlays=[])
    assert len(_entries(cache_dir)) == 2
    entry = stored.name(root, [])
    assert entry is not None and (cache_dir / stored.KIND / entry).exists()
    _forget()
    assert load_rulebook(root, overlays=[]).version == latest.version
