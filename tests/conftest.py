"""Shared fixtures: the bundled rulebook, a small synthetic rulebook for
mechanics tests, and a real HTTP server; and the test markers.

Markers (registered in ``pyproject.toml``) are applied here, centrally, so a
new test gets them from what it uses; test files do not mark themselves:

- ``spark``: uses a fixture in :data:`SPARK_FIXTURES` (the Spark session);
- ``postgres``: uses a PostgreSQL fixture (:data:`POSTGRES_FIXTURES`) or is
  parametrised over databases with the value ``"postgresql"``;
- ``server``: uses a fixture that starts a real server, i.e. one whose code
  calls a helper of :data:`tests.support.SERVER_HELPERS` (directly or through
  another fixture), or calls such a helper itself;
- ``slow``: long tests by module or node id (:data:`SLOW`), measured with
  ``pytest --durations``.

:data:`BY_MODULE` and :data:`BY_NODE` add markers to tests that start
processes in ways no fixture shows; ``tests/test_markers.py`` checks that
every entry still names a test. ``make test-fast`` deselects all four.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

# The tests never read or write the user's cache (lanthanide.cache): one
# temporary cache directory for the session, set before anything loads the
# rulebook and inherited by the CLI subprocesses.
os.environ["LANTHANIDE_CACHE_DIR"] = _CACHE = tempfile.mkdtemp(prefix="lanthanide-test-cache-")
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)
# Nor the web pages' session file in the user's data directory (a test that
# needs its own sets LANTHANIDE_WEB_SESSIONS itself).
os.environ.setdefault("LANTHANIDE_WEB_SESSIONS", os.path.join(_CACHE, "web-sessions.sqlite"))

import types  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402

from lanthanide.rules.book import Rulebook, load_rulebook  # noqa: E402
from lanthanide.rules.loader import load_instruments  # noqa: E402

from .support import SERVER_HELPERS, serving  # noqa: E402

SRC = [{"url": "https://example.org/source", "tag": "P", "ref": "T1"}]


def instrument(id: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": id,
        "number": f"测试公告{id}",
        "title": {"zh": f"测试{id}", "en": f"Test {id}"},
        "issuer": ["MOFCOM"],
        "kind": "announcement",
        "regime": "dual_use",
        "status": "in_force",
        "verified_on": "2024-06-30",
        "sources": SRC,
    }
    base.update(fields)
    return base


def write_book(root: Path, docs: list[dict[str, Any]]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for d in docs:
        (root / f"{d['id']}.yaml").write_text(
            yaml.safe_dump(d, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return root


def synthetic_docs() -> list[dict[str, Any]]:
    """A miniature regime exercising every mechanism of the engine."""
    return [
        instrument(
            "t-dual",
            items=[
                {
                    "code": "A-1",
                    "kind": "goods",
                    "title": {"zh": "高纯甲", "en": "High-purity alpha"},
                    "hs": [{"code": "1111111111"}],
                    "elements": ["Ga"],
                    "condition": {"param": "purity", "op": ">=", "value": 99.99, "unit": "%"},
                    "keywords": ["alpha"],
                    "sources": SRC,
                },
                {
                    "code": "B-1",
                    "kind": "goods",
                    "title": {"zh": "乙", "en": "Beta"},
                    "hs": [{"code": "1111112222"}],
                    "elements": ["Dy"],
                    "stage": "separation",
                    "sources": SRC,
                },
                {
                    "code": "T-1",
                    "kind": "technology",
                    "title": {"en": "Beta refining technology"},
                    "keywords": ["beta refining"],
                    "sources": SRC,
                },
            ],
            controls=[
                {
                    "id": "licence",
                    "effect": "licence_required",
                    "applies_to": {"items": "all"},
                    "valid": {"start": "2020-01-01"},
                    "reason": {"en": "licence"},
                    "sources": SRC,
                }
            ],
        ),
        instrument(
            "t-us",
            controls=[
                {
                    "id": "para1",
                    "effect": "prohibited",
                    "applies_to": {"regimes": ["dual_use"]},
                    "destinations": {"mode": "only", "countries": ["US"]},
                    "end_uses": ["military"],
                    "valid": {"start": "2021-01-01"},
                    "reason": {"en": "military ban"},
                    "sources": SRC,
                },
                {
                    "id": "para2",
                    "effect": "denial_presumed",
                    "applies_to": {"refs": ["t-dual:*"]},
                    "destinations": {"mode": "only", "countries": ["US"]},
                    "valid": {"start": "2021-01-01"},
                    "reason": {"en": "denial"},
                    "sources": SRC,
                },
            ],
        ),
        instrument(
            "t-sus",
            regime="suspension",
            suspends=[
                {
                    "instrument": "t-us",
                    "controls": ["para2"],
                    "period": {"start": "2022-01-01", "end": "2023-01-01"},
                    "sources": SRC,
                }
            ],
        ),
        instrument(
            "t-report",
            regime="reporting",
            controls=[
                {
                    "id": "report",
                    "effect": "report_required",
                    "applies_to": {"hs_prefixes": ["111111"]},
                    "valid": {"start": "2020-06-01", "end": "2021-06-01", "end_uncertain": True},
                    "reason": {"en": "report"},
                    "sources": SRC,
                }
            ],
        ),
        instrument(
            "t-cat-1",
            regime="technology_catalogue",
            kind="catalogue",
            catalogue={
                "catalogue": "cn-tech-export-catalogue",
                "version": "v1",
                "basis": "full",
                "valid": {"start": "2019-01-01", "end": "2021-01-01"},
                "declared": {"total": 3, "prohibited": 1, "restricted": 2},
            },
            items=[
                {
                    "code": "000001J",
                    "kind": "technology",
                    "part": "J",
                    "title": {"zh": "甲技术", "en": "Gamma technology"},
                    "control_points": [{"zh": "钕铁硼制备技术", "en": "NdFeB preparation"}],
                    "sources": SRC,
                },
                {
                    "code": "000002X",
                    "kind": "technology",
                    "part": "X",
                    "title": {"en": "Delta technology"},
                    "sources": SRC,
                },
                {
                    "code": "000003X",
                    "kind": "technology",
                    "part": "X",
                    "title": {"en": "Epsilon technology"},
                    "sources": SRC,
                },
            ],
        ),
        instrument(
            "t-cat-2",
            regime="technology_catalogue",
            catalogue={
                "catalogue": "cn-tech-export-catalogue",
                "version": "v2",
                "base": "t-cat-1",
                "basis": "adjustment",
                "valid": {"start": "2021-01-01"},
                "declared": {"total": 2, "deleted": 1},
                "deleted": [
                    {
                        "code": "000003X",
                        "title": {"en": "Epsilon technology"},
                        "part": "X",
                        "sources": SRC,
                    }
                ],
            },
        ),
        instrument(
            "t-tier",
            regime="framework",
            kind="regulation",
            controls=[
                {
                    "id": "registration",
                    "effect": "registration_required",
                    "applies_to": {"anything": True, "residual": True, "kinds": ["technology"]},
                    "valid": {"start": "2002-01-01"},
                    "reason": {"en": "register"},
                    "sources": SRC,
                }
            ],
            duties=[
                {
                    "id": "catch-all",
                    "text": {"en": "catch-all duty"},
                    "valid": {"start": "2020-12-01"},
                    "sources": SRC,
                }
            ],
        ),
        instrument(
            "t-exempt",
            controls=[
                {
                    "id": "exempt-de",
                    "effect": "exempt",
                    "applies_to": {"refs": ["t-dual:B-1"]},
                    "destinations": {"mode": "only", "countries": ["DE"]},
                    "valid": {"start": "2020-01-01"},
                    "reason": {"en": "exempt"},
                    "sources": SRC,
                }
            ],
        ),
    ]


@pytest.fixture(scope="session")
def book() -> Rulebook:
    return load_rulebook()


@pytest.fixture()
def mini(tmp_path: Path) -> Rulebook:
    root = write_book(tmp_path / "book", synthetic_docs())
    return Rulebook(load_instruments(root))


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """A real uvicorn server on a free loopback port, for the API tests."""
    from lanthanide.api.app import create_app

    with serving(create_app()) as url:
        yield url


# ---------------------------------------------------------------- markers
MARKERS = ("spark", "postgres", "server", "slow")
SPARK_FIXTURES = frozenset({"spark", "spark_cluster"})
POSTGRES_FIXTURES = frozenset(
    {"pg_conn", "pg_noproc", "postgresql", "postgresql_proc", "postgresql_noproc"}
)
# a parametrised fixture or argument with this value runs on PostgreSQL
POSTGRES_PARAMS = frozenset({"postgresql", "postgres"})

# Paths are relative to tests/; a node id is "path::function" (any parameters).
BY_MODULE: dict[str, tuple[str, ...]] = {
    # `lanthanide serve` and `lanthanide admin` subprocesses on one database
    "registry/test_multiprocess.py": ("server", "slow"),
    # schemathesis against the real server
    "registry/test_schemathesis.py": ("server", "slow"),
}
BY_NODE: dict[str, tuple[str, ...]] = {
    # starts and stops its own standalone Spark cluster
    "screen/test_spark_cluster.py::test_cluster_leaves_no_process_behind": ("spark", "slow"),
    # `lanthanide screen --engine spark` in a subprocess with its own session
    "screen/test_cli_and_inputs.py::test_cli_spark_in_a_subprocess_equals_duckdb": (
        "spark",
        "slow",
    ),
}
# measured with `pytest --durations=40` (each 3 s or more on 2 shared cores)
SLOW: dict[str, str] = {
    "screen/test_equivalence.py::test_resolver_cells_equal_decide_on_every_rulebook_day": (
        "15 s: every tariff line on every rulebook day"
    ),
    "screen/test_equivalence.py::test_parallel_decide_equals_one_process": (
        "3 s: forks a second process"
    ),
    "screen/test_equivalence.py::test_duckdb_batch_equals_decide": (
        "5 s: hypothesis batches through DuckDB; the CLI screening test stays fast"
    ),
    "cli/test_startup.py::test_check_with_defaults_builds_no_option_coercion": (
        "3-6 s: two `check` processes, the first building the rulebook"
    ),
    "cli/test_startup.py::test_cache_warm_fills_what_check_and_classify_read": (
        "5-20 s: `cache warm` builds the classifier in a new process, then two more"
    ),
    "test_cli.py::test_installed_entry_point_exit_code": (
        "2-4 s: imports the package in a new interpreter"
    ),
    "test_client.py::test_imports_stay_cheap": "4-6 s: two new interpreters",
    "test_python_api_docs.py::test_python_api_page_examples_pass": (
        "10 s: the page builds the classifier and screens a file"
    ),
}

TESTS = Path(__file__).parent


def _code_names(obj: Any) -> set[str]:
    """Global and attribute names the code of ``obj`` (and its nested
    functions, lambdas and comprehensions) refers to."""
    code = getattr(obj, "__code__", None)
    out: set[str] = set()
    stack = [code] if isinstance(code, types.CodeType) else []
    while stack:
        c = stack.pop()
        out.update(c.co_names)
        stack.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    return out


def _starts_a_server(func: Any) -> bool:
    return bool(_code_names(func) & SERVER_HELPERS)


def _node_key(item: pytest.Item) -> tuple[str, str]:
    """(module path relative to tests/, function name without parameters)."""
    path = Path(str(item.path)).resolve()
    try:
        rel = path.relative_to(TESTS.resolve()).as_posix()
    except ValueError:
        rel = path.name
    name = getattr(item, "originalname", None) or item.name.split("[", 1)[0]
    return rel, name


def markers_for(item: pytest.Item) -> set[str]:
    """The markers ``item`` gets from what it uses, its module and its id."""
    marks: set[str] = set()
    fixtures = set(getattr(item, "fixturenames", ()))
    if fixtures & SPARK_FIXTURES:
        marks.add("spark")
    if fixtures & POSTGRES_FIXTURES:
        marks.add("postgres")
    callspec = getattr(item, "callspec", None)
    if callspec is not None and any(
        isinstance(v, str) and v in POSTGRES_PARAMS for v in callspec.params.values()
    ):
        marks.add("postgres")
    info = getattr(item, "_fixtureinfo", None)
    defs = info.name2fixturedefs if info is not None else {}
    funcs = [d.func for name in fixtures for d in defs.get(name, ())]
    funcs.append(getattr(item, "function", None))
    if any(_starts_a_server(f) for f in funcs if f is not None):
        marks.add("server")
    module, name = _node_key(item)
    marks.update(BY_MODULE.get(module, ()))
    marks.update(BY_NODE.get(f"{module}::{name}", ()))
    if f"{module}::{name}" in SLOW:
        marks.add("slow")
    return marks


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        have = {m.name for m in item.iter_markers()}
        for name in sorted(markers_for(item) - have):
            item.add_marker(getattr(pytest.mark, name))
