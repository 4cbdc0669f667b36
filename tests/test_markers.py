"""The marker tables of ``tests/conftest.py`` name tests that exist, and the
markers reach the tests that use the fixtures behind them."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from . import conftest

TESTS = Path(__file__).parent


def _module(rel: str) -> object:
    return importlib.import_module("tests." + rel.removesuffix(".py").replace("/", "."))


def test_every_table_entry_names_a_test() -> None:
    stale = [m for m in conftest.BY_MODULE if not (TESTS / m).is_file()]
    for node in [*conftest.BY_NODE, *conftest.SLOW]:
        rel, _, name = node.partition("::")
        if not (TESTS / rel).is_file() or not callable(getattr(_module(rel), name, None)):
            stale.append(node)
    assert not stale, f"marker entries naming no test (renamed or removed?): {stale}"
    unknown = {
        m for marks in [*conftest.BY_MODULE.values(), *conftest.BY_NODE.values()] for m in marks
    } - set(conftest.MARKERS)
    assert not unknown, unknown


def test_markers_follow_the_fixtures(request: pytest.FixtureRequest) -> None:
    """Over the tests collected in this run: a test using the Spark session
    is marked ``spark``; one on a PostgreSQL database ``postgres``; one using
    a server fixture ``server``."""
    items = request.session.items
    wrong = []
    for item in items:
        marks = {m.name for m in item.iter_markers()}
        fixtures = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        params = list(callspec.params.values()) if callspec is not None else []
        if fixtures & {"spark"} and "spark" not in marks:
            wrong.append((item.nodeid, "spark"))
        if ("postgresql" in params or fixtures & {"pg_conn"}) and "postgres" not in marks:
            wrong.append((item.nodeid, "postgres"))
        if fixtures & {"server", "registry_server"} and "server" not in marks:
            wrong.append((item.nodeid, "server"))
    assert not wrong, wrong


def test_a_server_helper_marks_its_callers() -> None:
    """The code scan that finds server fixtures sees through nesting (the
    functions are compiled from text so this test itself is not marked)."""
    source = (
        "def fixture_like():\n"
        "    def inner():\n"
        "        with serving(None):\n"
        "            pass\n"
        "    inner()\n"
        "def plain():\n"
        "    return free_port()\n"
    )
    scope: dict[str, object] = {}
    exec(compile(source, "<fixtures>", "exec"), scope)
    assert conftest._starts_a_server(scope["fixture_like"])
    assert not conftest._starts_a_server(scope["plain"])
