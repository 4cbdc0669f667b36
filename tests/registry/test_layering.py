"""The registry's place in the layers: it imports no use-case or interface
module, takes the day from its injected clock, and keeps modules small."""

from __future__ import annotations

import ast
from pathlib import Path

import lanthanide.registry

ROOT = Path(lanthanide.registry.__file__).parent
SOURCES = sorted(p for p in ROOT.rglob("*.py") if "migrations" not in p.parts)
FORBIDDEN = (
    "lanthanide.services",
    "lanthanide.api",
    "lanthanide.cli",
    "lanthanide.web",
    "lanthanide.screen",
    "lanthanide.classify",
    "fastapi",
    "typer",
    "rich",
)


def _imports(path: Path) -> list[str]:
    out: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
            out += [f"{node.module}.{a.name}" for a in node.names]
    return out


def test_sources_found() -> None:
    names = {p.name for p in SOURCES}
    assert {"service.py", "states.py", "applications.py", "licences.py"} <= names


def test_no_upward_imports() -> None:
    bad = [
        f"{p.name}: {m}"
        for p in SOURCES
        for m in _imports(p)
        if any(m == f or m.startswith(f + ".") or m.startswith(f + "_") for f in FORBIDDEN)
    ]
    assert bad == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    p = tmp_path / "x.py"
    p.write_text(
        "def f():\n    from lanthanide import services\n    import lanthanide.cli_common\n"
    )
    assert "lanthanide.services" in _imports(p) and "lanthanide.cli_common" in _imports(p)


def test_no_system_clock_outside_the_edge() -> None:
    """The day comes from the injected clock (``Context.today``), never from
    ``date.today()`` or ``datetime.now()`` in a use case."""
    calls = []
    for p in SOURCES:
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("today", "now", "utcnow")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("date", "datetime")
            ):
                calls.append(f"{p.name}:{node.lineno}")
    # context.system_clock is the edge; audit.now stamps the audit log in real UTC time
    assert sorted(calls) == sorted(
        [
            f"context.py:{_line('context.py', 'datetime.now()')}",
            f"audit.py:{_line('audit.py', 'datetime.now(UTC)')}",
        ]
    )


def _line(name: str, text: str) -> int:
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    return next(i for i, ln in enumerate(lines, start=1) if text in ln)


def test_modules_stay_small() -> None:
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in SOURCES}
    assert {n: s for n, s in sizes.items() if s > 500} == {}
