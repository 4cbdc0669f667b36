"""What a CLI process does before its answer: Typer's option coercion built
only for values that need it (same values, same errors), no pydantic
validator built at import, and ``lanthanide cache warm`` filling the cache
that the first ``check`` and ``classify`` then read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from enum import Enum
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lanthanide.cli import _coerce, app, common
from lanthanide.rules.catalogue import NOTHING_DECLARED, CatalogueDeclared
from lanthanide.rules.lists.model import LIST_TITLES
from lanthanide.rules.model import ALL_DESTINATIONS, DestinationScope, Text

runner = CliRunner()
SRC = str(Path(__file__).parents[2] / "src")


def _run(code: str, cache: Path | str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": SRC, "LANTHANIDE_CACHE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )


# The modules are listed by an ``atexit`` function: ``check`` and
# ``classify`` end the process without returning from ``main`` (they run
# the ``atexit`` functions, then leave).
_CLI_THEN_MODULES = (
    "import atexit, sys, runpy\n"
    "sys.argv = ['lanthanide', *{args!r}]\n"
    "atexit.register(lambda: print(sorted(m for m in {names!r} if m in sys.modules),"
    " file=sys.stderr))\n"
    "runpy.run_module('lanthanide', run_name='__main__')\n"
)


def test_check_with_defaults_builds_no_option_coercion(tmp_path: Path) -> None:
    """``check --hs … --to … --on …`` with the rulebook stored: every other
    option keeps its default, so no pydantic adapter is built (Typer's
    ``_adapters`` is not imported), nor any model's validator (pydantic's
    plugin loader is not imported); the answer is the one given in-process."""
    names = ["typer._adapters", "pydantic.plugin._loader"]
    args = ["check", "--hs", "2853909026", "--to", "KR", "--on", "2025-06-01"]
    first = _run(_CLI_THEN_MODULES.format(args=args, names=names), tmp_path)  # builds, stores
    got = _run(_CLI_THEN_MODULES.format(args=args, names=names), tmp_path)  # reads
    assert got.stderr.strip().splitlines()[-1] == "[]", got.stderr
    assert got.stdout == first.stdout
    inproc = runner.invoke(app, [*args, "--format", "json"])
    assert inproc.exit_code == 0
    assert got.stdout.startswith(f"Verdict: {json.loads(inproc.output)['verdict']} ")


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--hs", "2853909026", "--to", "KR", "--on", "2025-06-01", "--format", "json"],
        [
            "check",
            "--hs",
            "2853909026",
            "--kind",
            "goods",
            "--end-use",
            "military",
            "--format",
            "json",
        ],
        ["classify", "gallium arsenide", "--kind", "goods", "--format", "json"],
    ],
    ids=" ".join,
)
def test_choices_given_as_text_build_no_option_coercion(tmp_path: Path, args: list[str]) -> None:
    """``--format json``, ``--kind goods``: a text naming a choice is matched
    without Typer's pydantic adapter (``typer._adapters``), and without Rich
    for a JSON answer; the answer is the one given in-process."""
    names = ["typer._adapters", "rich", "rich.console"]
    _run(_CLI_THEN_MODULES.format(args=args, names=names), tmp_path)  # builds, stores
    got = _run(_CLI_THEN_MODULES.format(args=args, names=names), tmp_path)
    assert got.stderr.strip().splitlines()[-1] == "[]", got.stderr
    assert json.loads(got.stdout) == json.loads(runner.invoke(app, args).output)


_NEVER = (
    "duckdb",
    "sqlalchemy",
    "fastapi",
    "uvicorn",
    "scipy",
    "bm25s",
    "yaml",
    "pkg_resources",
    "lanthanide.screen",
    "lanthanide.registry",
    "lanthanide.supply",
    "typer._adapters",
    "pydantic.plugin._loader",
)
_BY_TEXT = ("numpy", "jieba", "lanthanide.classify")
_JSON = ("rich", "rich.console", "rich.table")
ON = ["--on", "2025-06-01"]
CASES = [
    (
        ["check", "--hs", "2853909026", "--to", "KR", *ON],
        (*_NEVER, *_BY_TEXT, "lanthanide.parties", "rich._emoji_codes"),
    ),
    (
        ["check", "--hs", "2853909026", "--to", "KR", *ON, "--format", "json"],
        (*_NEVER, *_BY_TEXT, *_JSON),
    ),
    (["check", "--text", "氧化镝", "--to", "US", *ON, "--format", "json"], (*_NEVER, *_JSON)),
    (["classify", "氧化镝", "--format", "json"], (*_NEVER, *_JSON, "lanthanide.decide")),
    (["classify", "氧化镝"], (*_NEVER, "lanthanide.decide", "rich._emoji_codes")),
    (
        ["classify", "gallium arsenide wafers"],
        (*_NEVER, "jieba", "lanthanide.decide", "rich._emoji_codes"),
    ),
]


@pytest.mark.parametrize(("args", "never"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_a_command_imports_nothing_it_does_not_need(
    tmp_path: Path, args: list[str], never: tuple[str, ...]
) -> None:
    """With the cache filled, a ``check`` or ``classify`` process imports no
    database, web or index-building library, no option coercion adapter, no
    validator; a JSON answer no Rich, a table without emoji codes not Rich's
    table of them; a case by tariff line no classifier (NumPy, jieba); a
    Chinese text jieba without ``pkg_resources``."""
    _run(_CLI_THEN_MODULES.format(args=args, names=never), tmp_path)  # builds, stores
    got = _run(_CLI_THEN_MODULES.format(args=args, names=never), tmp_path)
    assert got.stderr.strip().splitlines()[-1] == "[]", got.stderr
    assert got.stdout


BAD = [
    ["classify", "gallium", "--top", "x"],
    ["classify", "gallium", "--top", "0"],
    ["classify", "gallium", "--kind", "ore"],
    ["check", "--hs", "2853909026", "--kind", "nonsense"],
    ["check", "--hs", "2853909026", "--format", "yaml"],
    ["check", "--hs", "2853909026", "--format", "JSON"],
    ["check", "--hs", "2853909026", "--format", ""],
    ["check", "--hs", "2853909026", "--kind", "goods", "--end-use", "military"],
    ["check", "--hs", "2853909026", "--end-use", "Military", "--format", "json"],
    ["classify", "gallium", "--kind", "technology", "--format", "json"],
    ["classify", "gallium arsenide", "--top", "2", "--format", "json"],
    ["check", "--hs", "2853909026", "--to", "KR", "--on", "2025-06-01", "--format", "json"],
]


@pytest.mark.parametrize("args", BAD, ids=[" ".join(a) for a in BAD])
def test_same_values_and_errors_as_typer_alone(
    args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value given as text goes through Typer's own coercion: the output
    and exit code are those of Typer without the deferral."""
    common._load.cache_clear()  # commands built anew, their options' coercion not built
    got = runner.invoke(app, args)
    monkeypatch.setattr(_coerce, "defer", lambda params: None)
    common._load.cache_clear()
    try:
        typer_alone = runner.invoke(app, args)
    finally:
        common._load.cache_clear()
    assert (got.exit_code, got.output) == (typer_alone.exit_code, typer_alone.output)


class _Colour(Enum):
    red = "red"


@pytest.mark.parametrize(
    ("annotation", "value", "kept"),
    [
        (str, "KR", True),
        (str, b"KR", False),  # bytes are decoded by Typer
        (int, 5, True),
        (int, "5", False),
        (int, True, False),  # a bool is no int here
        (_Colour, _Colour.red, True),
        (_Colour, "red", False),
        (float, 1.0, False),  # not a shortcut: Typer's adapter
    ],
)
def test_values_kept_as_they_are(annotation: object, value: object, kept: bool) -> None:
    from typer._coercion import resolve_type_descriptor
    from typer.models import OptionInfo

    descriptor = resolve_type_descriptor(annotation, OptionInfo())  # type: ignore[arg-type]
    assert _coerce.as_is(descriptor, value) is kept
    bounded = resolve_type_descriptor(int, OptionInfo(min=1))  # type: ignore[arg-type]
    assert not _coerce.as_is(bounded, 5)  # bounds are Typer's to check


def test_defaults_built_without_validation_equal_validated_ones() -> None:
    assert DestinationScope() == ALL_DESTINATIONS
    assert ALL_DESTINATIONS.model_fields_set == DestinationScope().model_fields_set
    assert CatalogueDeclared() == NOTHING_DECLARED
    assert NOTHING_DECLARED.model_fields_set == CatalogueDeclared().model_fields_set
    for title in LIST_TITLES.values():
        again = Text(zh=title.zh, en=title.en)
        assert again == title and again.model_fields_set == title.model_fields_set


def test_cache_warm_fills_what_check_and_classify_read(tmp_path: Path) -> None:
    """``cache warm`` in a new process stores the rulebook and the
    classifier; a second run and a ``classify`` after it read them and
    write nothing."""
    code = "import sys; sys.argv[0] = 'lanthanide'; from lanthanide.cli import main; main()"
    env = {**os.environ, "PYTHONPATH": SRC, "LANTHANIDE_CACHE_DIR": str(tmp_path)}

    def cli(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            env={**env, "PYTHONWARNINGS": "error"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    report = json.loads(cli("cache", "warm", "--json"))
    assert report["cache"] == str(tmp_path)
    assert report["rulebook_stored"] and report["classifier_stored"]
    stored = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.pickle")}
    assert {p.parent.name for p in stored} == {"rulebook", "classifier"}
    again = json.loads(cli("cache", "warm", "--json"))
    assert again["rulebook_version"] == report["rulebook_version"]
    answer = json.loads(cli("classify", "gallium arsenide wafers", "--format", "json"))
    assert answer["results"][0]["code"] == "Ga-5"
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.pickle")} == stored


def test_cache_warm_with_the_cache_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANTHANIDE_CACHE_DIR", "off")
    got = runner.invoke(app, ["cache", "warm"])
    assert got.exit_code == 0 and "The cache is off" in got.output


def test_cache_warm_that_cannot_write_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache "directory" that is a file: nothing can be stored; exit 1
    saying so (``make install`` goes on), never "ready"."""
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("LANTHANIDE_CACHE_DIR", str(blocked))
    got = runner.invoke(app, ["cache", "warm"])
    assert got.exit_code == 1, got.output
    assert "NOT stored" in got.output and "ready" not in got.output
    assert "could not be written" in got.output


def test_cache_warm_stores_a_rulebook_this_process_loaded_with_the_cache_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loaded earlier in the same process without storing (the cache was
    off), the rulebook is still stored by ``cache warm`` into a cache that
    can be written: "ready", exit 0."""
    monkeypatch.setenv("LANTHANIDE_CACHE_DIR", "off")
    assert runner.invoke(app, ["cache", "warm"]).exit_code == 0
    fresh = tmp_path / "cache"
    fresh.mkdir(mode=0o700)
    monkeypatch.setenv("LANTHANIDE_CACHE_DIR", str(fresh))
    got = runner.invoke(app, ["cache", "warm", "--json"])
    assert got.exit_code == 0, got.output
    assert json.loads(got.output)["rulebook_stored"] is True
