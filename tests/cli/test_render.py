"""Tables and lines as Rich renders them: the console that looks up no
emoji code (:func:`lanthanide.cli.common.console_for`) is used only for
texts holding none, so the output is the one Rich's usual console gives."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from lanthanide.cli import app, common
from lanthanide.cli import check as check_cli
from lanthanide.cli import classify as classify_cli

runner = CliRunner()


def _classification(matched: dict[str, list[str]], corrected: str | None) -> dict[str, Any]:
    return {
        "corrected": corrected,
        "params": {"purity": 99.5},
        "rulebook_version": "test",
        "results": [
            {
                "rank": 1,
                "code": "Ga-5",
                "kind": "goods",
                "instrument": {"number": "2023 No. 23", "id": "x"},
                "title": {"zh": "砷化镓", "en": "gallium arsenide :gem:"},
                "hs": ["2853909026"],
                "confidence": "high",
                "score": 12.5,
                "status_on": None,
                "matched": matched,
            }
        ],
    }


def _rendered(fn: Any, arg: Any, forced: bool | None, capsys: pytest.CaptureFixture[str]) -> str:
    """What ``fn(arg)`` prints with the console it chooses (``forced`` is
    ``None``) or with the one of ``emoji=forced``."""
    common._CONSOLES.clear()
    with pytest.MonkeyPatch.context() as mp:
        if forced is not None:
            console = common.console("out", emoji=forced)
            for module in (check_cli, classify_cli):
                mp.setattr(module, "console_for", lambda texts, which="out": console)
        fn(arg)
    common._CONSOLES.clear()
    return capsys.readouterr().out


@pytest.mark.parametrize(
    ("matched", "corrected"),
    [
        ({"title": ["gallium", "arsenide"]}, None),
        ({"keywords": ["a:b:c"]}, None),  # looks like a code, is none
        ({"title": ["gallium"]}, "gallium :smile: arsenide"),
    ],
)
def test_classify_table_as_the_usual_console_renders_it(
    matched: dict[str, list[str]], corrected: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _classification(matched, corrected)
    usual = _rendered(classify_cli.render, data, True, capsys)
    assert _rendered(classify_cli.render, data, None, capsys) == usual
    assert "💎" in usual and ":gem:" not in usual  # the title's code, replaced
    if corrected:
        assert "😄" in usual


def test_the_pattern_is_rich_s_own() -> None:
    from rich._emoji_replace import _emoji_replace

    defaults = _emoji_replace.__defaults__ or ()
    (sub,) = [d for d in defaults if callable(d)]
    assert sub.__self__.pattern == common._EMOJI_CODE.pattern


def test_the_lookup_is_off_only_without_a_code() -> None:
    common._CONSOLES.clear()
    try:
        assert common.console_for(["Verdict: x", "a: b", "10:30 – 11 : 00"]) is common.console(
            "out", emoji=False
        )
        assert common.console_for(["plain", "x :gem: y"]) is common.console("out")
        assert common.console_for(["1C902.a:b:"]) is common.console("out")  # a candidate
        assert common.console_for([], "err") is common.console("err", emoji=False)
    finally:
        common._CONSOLES.clear()


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--hs", "2853909026", "--to", "KR", "--on", "2025-06-01"],
        ["check", "--item", "1C902.a", "--to", "US", "--on", "2025-06-01"],
        [
            "check",
            "--hs",
            "2850001901",
            "--to",
            "KR",
            "--on",
            "2024-02-01",
            "--end-user",
            "Lockheed",
        ],
    ],
)
def test_check_table_as_the_usual_console_renders_it(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The table of a determination, rendered with the console chosen and
    with Rich's usual one (emoji codes looked up): the same text."""
    got = runner.invoke(app, [*args, "--format", "json"])
    assert got.exit_code == 0, got.output
    seen: list[Any] = []
    monkeypatch.setattr(check_cli, "render", lambda d, o=(): seen.append(d))
    runner.invoke(app, args)
    monkeypatch.undo()
    (d,) = seen
    usual = _rendered(check_cli.render, d, True, capsys)
    assert usual.startswith("Verdict: ")
    assert _rendered(check_cli.render, d, None, capsys) == usual


def test_an_error_with_a_code_is_printed_as_rich_prints_it() -> None:
    got = runner.invoke(app, ["check", "--hs", "2853909026", "--to", ":smile:"])
    assert got.exit_code == 2
    assert "Error: --to:" in got.output and "😄" in got.output
