"""How a ``lanthanide`` process ends: after ``check`` and ``classify`` it
leaves without the interpreter's teardown (:func:`lanthanide.cli._leave`),
with the same exit status, the whole output and its ``atexit`` functions
run; with another thread running, or a status ``os._exit`` cannot give, it
exits normally."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lanthanide.cli as cli
from lanthanide.cli import app

SRC = str(Path(__file__).parents[2] / "src")
CHECK = ["check", "--hs", "2853909026", "--to", "KR", "--on", "2025-06-01"]

# ``finally`` runs when ``main`` raises SystemExit (a normal exit), not when
# the process leaves from inside it.
_MAIN = (
    "import atexit, sys\n"
    "sys.argv = ['lanthanide', *sys.argv[1:]]\n"
    "atexit.register(lambda: print('atexit ran', file=sys.stderr))\n"
    "from lanthanide.cli import main\n"
    "try:\n"
    "    main()\n"
    "finally:\n"
    "    print('teardown', file=sys.stderr)\n"
)


def _cli(*args: str, code: str = _MAIN, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": SRC, "LANTHANIDE_CACHE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True
    )


def test_check_leaves_with_its_whole_output_and_status(tmp_path: Path) -> None:
    got = _cli(*CHECK, "--format", "json", cache=tmp_path)
    assert got.returncode == 0, got.stderr
    assert "teardown" not in got.stderr  # left from inside main()
    assert got.stderr.splitlines() == ["atexit ran"]
    inproc = CliRunner().invoke(app, [*CHECK, "--format", "json"])
    assert json.loads(got.stdout) == json.loads(inproc.output)
    table = _cli(*CHECK, cache=tmp_path)
    assert table.returncode == 0, table.stderr
    assert table.stdout == CliRunner().invoke(app, CHECK).output


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["check", "--hs", "28539", "--to", "KR"], 2, "Error: --hs: '28539' must be 6 to 10"),
        (["check", "--hs", "2853909026", "--to", "XX"], 2, "Error: --to:"),
        (["classify", "gallium", "--top", "0"], 2, "Error: --top: 0 is out of range"),
        (["classify", "gallium", "--kind", "ore"], 2, "Invalid value for '--kind'"),
    ],
)
def test_bad_input_leaves_with_status_2_naming_the_flag(
    tmp_path: Path, args: list[str], status: int, message: str
) -> None:
    got = _cli(*args, cache=tmp_path)
    assert got.returncode == status, got.stderr
    assert message in got.stderr
    assert "teardown" not in got.stderr and "atexit ran" in got.stderr


def test_other_commands_exit_normally(tmp_path: Path) -> None:
    got = _cli("version", cache=tmp_path)
    assert got.returncode == 0, got.stderr
    assert "teardown" in got.stderr and "atexit ran" in got.stderr


def test_a_running_thread_is_waited_for(tmp_path: Path) -> None:
    """A thread still running when ``check`` returns (a library's, say)
    finishes its work: the process exits normally."""
    code = (
        "import threading, time, sys\n"
        "import lanthanide.cli as cli\n"
        "leaving, leave = threading.Event(), cli._leave\n"
        "def spy(code):\n"
        "    leaving.set()\n"
        "    return leave(code)\n"
        "cli._leave = spy\n"
        "def late():\n"
        "    leaving.wait()\n"
        "    time.sleep(0.2)\n"
        "    print('thread done', flush=True)\n"
        "threading.Thread(target=late).start()\n" + _MAIN
    )
    got = _cli(*CHECK, "--format", "json", code=code, cache=tmp_path)
    assert got.returncode == 0, got.stderr
    assert got.stdout.rstrip().endswith("thread done")
    assert "teardown" in got.stderr


class _Left(Exception):
    pass


@pytest.mark.parametrize(
    ("code", "status"),
    [(None, 0), (0, 0), (2, 2), (1, 1), (True, 1), (False, 0), (255, 255)],
)
def test_leave_gives_the_status_sys_exit_gives(
    code: object, status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    left: list[int] = []

    def fake_exit(n: int) -> None:
        left.append(n)
        raise _Left

    monkeypatch.setattr(cli.os, "_exit", fake_exit)
    monkeypatch.setattr(cli.atexit, "_run_exitfuncs", lambda: None)
    # threads other tests of the run left (servers, Spark's gateway) are not
    # this process's command: a running thread is tested in a process above
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    with pytest.raises(_Left):
        cli._leave(code)
    assert left == [status]


@pytest.mark.parametrize("code", ["a message", 256, -1])
def test_leave_returns_for_a_status_only_sys_exit_gives(
    code: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli.os, "_exit", lambda n: pytest.fail(f"left with {n}"))
    assert cli._leave(code) is None


def test_the_collector_is_off_only_in_a_check_or_classify_process(tmp_path: Path) -> None:
    code = _MAIN.replace(
        "atexit.register(lambda: print('atexit ran', file=sys.stderr))\n",
        "import gc\natexit.register(lambda: print('gc', gc.isenabled(), file=sys.stderr))\n",
    )
    assert "gc False" in _cli(*CHECK, "--format", "json", code=code, cache=tmp_path).stderr
    assert "gc True" in _cli("version", code=code, cache=tmp_path).stderr
    assert CliRunner().invoke(app, [*CHECK, "--format", "json"]).exit_code == 0
    assert gc.isenabled()  # the app called in-process leaves it alone
