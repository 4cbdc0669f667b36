"""Pieces of the web layer that need no browser: sessions, CSRF, sign-in
throttling, parameter parsing, highlighting, number format."""

from __future__ import annotations

import os
import re
import stat
import time
from pathlib import Path

import httpx
import pytest

from lanthanide.web import backend, pages, sessions
from lanthanide.web.render import number

from .conftest import Site


def test_csrf_needs_the_sessions_own_token(tmp_path: Path) -> None:
    store = sessions.Store(tmp_path / "s.sqlite")
    a, b = store.new(), store.new()
    assert sessions.csrf_ok(a, a.csrf)
    assert not sessions.csrf_ok(a, b.csrf)
    assert not sessions.csrf_ok(a, None)
    assert not sessions.csrf_ok(a, "")
    assert not sessions.csrf_ok(None, a.csrf)


def test_session_store_evicts_the_oldest(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sessions, "MAX_SESSIONS", 3)
    store = sessions.Store(tmp_path / "s.sqlite")
    first = store.new()
    for _ in range(3):
        store.new()
    assert store.get(first.sid) is None
    store.drop("nothing")  # dropping an unknown id is harmless


def test_sessions_survive_a_restart_and_end_at_sign_out(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite"
    s = sessions.Store(path).new(token="lnt_secret-token-1")
    again = sessions.Store(path).get(s.sid)  # a new process on the same file
    assert again is not None and again.token == "lnt_secret-token-1" and again.csrf == s.csrf
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    # the file keys sessions by a hash of their id and holds no readable token
    raw = path.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("*-wal"))
    assert b"lnt_secret-token-1" not in raw and s.sid.encode() not in raw
    sessions.Store(path).drop(s.sid)
    assert sessions.Store(path).get(s.sid) is None


def test_idle_sessions_expire_and_tampered_tokens_do_not_unseal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store = sessions.Store(tmp_path / "s.sqlite")
    s = store.new(token="lnt_abc")
    assert sessions.unseal(s.sid, sessions.seal(s.sid, "lnt_abc")) == "lnt_abc"
    assert sessions.unseal("another-id", sessions.seal(s.sid, "lnt_abc")) is None
    later = time.time() + sessions.IDLE_SECONDS + 5
    monkeypatch.setattr(sessions.time, "time", lambda: later)
    assert store.get(s.sid) is None


def test_an_unusable_session_file_falls_back_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    store = sessions.Store(blocker / "sessions.sqlite")  # its directory cannot be made
    s = store.new(token="lnt_t")
    got = store.get(s.sid)
    assert got is not None and got.token == "lnt_t"


def test_throttle_counts_failures_per_client() -> None:
    t = sessions.Throttle(limit=3, window=60)
    for _ in range(3):
        assert t.retry_after("1.2.3.4") == 0
        t.fail("1.2.3.4")
    assert 1 <= t.retry_after("1.2.3.4") <= 61
    assert t.retry_after("5.6.7.8") == 0


def test_signin_is_throttled_with_retry_after(monkeypatch: pytest.MonkeyPatch, site: Site) -> None:
    from lanthanide.web import registry_pages

    monkeypatch.setattr(registry_pages, "SIGNIN_THROTTLE", sessions.Throttle(limit=2))
    c = httpx.Client(base_url=site.url)
    form = c.get("/signin").text
    m = re.search(r'name="csrf" value="([^"]+)"', form)
    assert m is not None
    codes = [c.post("/signin", data={"csrf": m.group(1), "token": "lnt_x"}) for _ in range(3)]
    c.close()
    assert [r.status_code for r in codes] == [401, 401, 429]
    assert int(codes[-1].headers["retry-after"]) > 0


def test_parameter_lines() -> None:
    assert pages._params({"params": "purity=99.99%\nsize: 40um", "p.grain": "5"}) == {
        "purity": "99.99%",
        "size": "40um",
        "grain": "5",
    }
    with pytest.raises(backend.BackendError) as exc:
        pages._params({"params": "purity"})
    assert exc.value.errors[0][0] == "params"
    assert pages._params({"params": "purity=99.99%", "p.size": " 40um "}) == {
        "purity": "99.99%",
        "size": "40um",
    }


@pytest.mark.parametrize("blank", ["", " ", "\u3000", "\t\n"])
def test_blank_means_not_given(blank: str) -> None:
    assert pages._clean(blank) is None


def test_highlight_marks_matched_terms() -> None:
    assert pages._highlight("Dysprosium oxide", ["oxide"]) == [
        ("Dysprosium ", False),
        ("oxide", True),
    ]
    assert pages._highlight("氧化镝", ["氧化镝", "氧化"]) == [("氧化镝", True)]
    assert pages._highlight(None, ["x"]) == []
    assert pages._highlight("Dysprosium oxide", ["dy"]) == [("Dysprosium oxide", False)]
    assert pages._terms({"keywords": ["氧化镝"], "concepts": ["氧化 → oxide"]}) == [
        "氧化镝",
        "氧化",
        "oxide",
    ]


def test_number_format() -> None:
    assert number(1000.0) == "1,000"
    assert number(50.5) == "50.5"
    assert number(0.125) == "0.125"
    assert number(None) == ""
    assert number("x") == "x"
