"""Every ``lanthanide …`` command in a code block of README.md and
docs/guide.md runs, and prints what its comment claims.

The claim convention, kept readable in the docs: a command line may end with
a comment ``# → CLAIM``, or be followed by a line holding only that comment::

    lanthanide check --hs 2825800010 --to DE --on 2025-01-10  # → undetermined, asks "purity (%)"
    lanthanide classify "GaAs wafers" --top 3   # → Ga-5 gallium arsenide, confidence "high"
    lanthanide supply shares --commodity rare_earth --stage mining --year 2022
    # → China "CN 70%" ("USGS MCS 2023")

- For ``check`` the first word of the claim is the verdict, and for
  ``classify`` the code ranked first; the test runs the command with
  ``--format json`` and compares it to ``verdict`` / ``results[0].code``.
- Every ``"quoted"`` string must appear in the output: in that JSON answer
  when there is a first-word claim, otherwise in what the command prints as
  written (whitespace runs count as one space). Unquoted words are prose for
  the reader and are not checked.
- A command without a claim must still exit 0, and so must every command
  with one; ``VAR=$(lanthanide …)`` must print exactly one line on stdout
  (what the shell variable receives).
- A plain comment (``#`` without ``→``) that begins with a verdict is an
  error: it reads like a claim nobody checks.

Commands run in-process through the CLI's Typer app, in a temporary working
directory, with ``HOME`` and ``LANTHANIDE_DATABASE_URL`` pointing at a fresh
SQLite registry there. ``lanthanide serve`` commands start a real server
(marked ``server``) on a free port instead of the documented one, and the
``curl`` lines of the same code block are sent to it.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer.main
from typer.testing import CliRunner

from lanthanide.cli import app

from .support import cli_serving, free_port

ROOT = Path(__file__).parents[1]
DOCS = ("README.md", "docs/guide.md")
ARROW = "→"
FENCE = re.compile(r"^\s*(```|~~~)")
CAPTURE = re.compile(r"^(?P<var>[A-Za-z_]\w*)=\$\((?P<cmd>.*)\)$")

runner = CliRunner()


def _verdicts() -> frozenset[str]:
    """The verdicts of the public contract (a Literal or an Enum)."""
    import enum
    from typing import get_args

    try:
        from lanthanide import Verdict  # type: ignore[attr-defined]
    except ImportError:
        from lanthanide.decide.model import Verdict
    if isinstance(Verdict, type) and issubclass(Verdict, enum.Enum):
        return frozenset(str(v.value) for v in Verdict)
    return frozenset(get_args(Verdict))


VERDICTS = _verdicts()


@dataclass(frozen=True)
class Command:
    """One documented command line."""

    doc: str
    line: int
    block: int  # index of its code block in the document
    text: str  # the logical line as written (continuations joined)
    kind: str  # "lanthanide" or "curl"
    args: tuple[str, ...]  # after ``lanthanide`` / ``curl``
    capture: str | None = None  # VAR of ``VAR=$(lanthanide …)``
    claim: str | None = None  # text after ``# →``
    comment: str | None = None  # a plain comment

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"

    @property
    def name(self) -> str:
        return self.args[0] if self.args else ""


def _split_comment(line: str) -> tuple[str, str | None]:
    """The command part and the comment (after an unquoted ``#``)."""
    quote: str | None = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1 :].strip()
    return line.rstrip(), None


def _logical_lines(block: list[tuple[int, str]]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    start, buf = 0, ""
    for no, raw in block:
        if not buf:
            start = no
        if raw.rstrip().endswith("\\"):
            buf += raw.rstrip()[:-1] + " "
            continue
        out.append((start, buf + raw))
        buf = ""
    if buf:
        out.append((start, buf))
    return out


def parse(doc: str, text: str) -> list[Command]:
    """The ``lanthanide`` and ``curl`` command lines of ``text``'s code blocks."""
    found: list[Command] = []
    block: list[tuple[int, str]] | None = None
    index = -1
    for no, raw in enumerate(text.splitlines(), start=1):
        if FENCE.match(raw):
            if block is None:
                block, index = [], index + 1
                continue
            lines, block = block, None
            for start, line in _logical_lines(lines):
                alone = line.strip()
                if alone.startswith("#") and alone[1:].strip().startswith(ARROW):
                    # a claim on its own line belongs to the command above it
                    prev = found[-1] if found and found[-1].block == index else None
                    if prev is None or prev.claim is not None:
                        raise ValueError(f"{doc}:{start}: a claim line follows no command")
                    claim = alone[1:].strip()[len(ARROW) :].strip()
                    found[-1] = replace(prev, claim=claim)
                    continue
                cmd = _command(doc, start, index, line)
                if cmd is not None:
                    found.append(cmd)
            continue
        if block is not None:
            block.append((no, raw))
    return found


def _command(doc: str, no: int, index: int, line: str) -> Command | None:
    code, comment = _split_comment(line.strip())
    code = code.removesuffix("&").strip()
    capture = None
    m = CAPTURE.match(code)
    if m:
        capture, code = m["var"], m["cmd"].strip()
    if not code:
        return None
    words = shlex.split(code)
    if words[0] not in ("lanthanide", "curl"):
        return None
    claim = None
    if comment is not None and comment.startswith(ARROW):
        claim, comment = comment[len(ARROW) :].strip(), None
    return Command(
        doc, no, index, line.strip(), words[0], tuple(words[1:]), capture, claim, comment
    )


def commands() -> list[Command]:
    out: list[Command] = []
    for doc in DOCS:
        out += parse(doc, (ROOT / doc).read_text(encoding="utf-8"))
    return out


ALL = commands()
CLI = [c for c in ALL if c.kind == "lanthanide"]
RUN = [c for c in CLI if c.name != "serve"]
SERVE = [c for c in CLI if c.name == "serve"]


# --------------------------------------------------------------- claims
@dataclass
class Claim:
    headline: str | None = None  # verdict (check) or first-ranked code (classify)
    literals: list[str] = field(default_factory=list)


HEADLINED = {"check": "verdict", "classify": "code ranked first"}


def read_claim(cmd: Command) -> Claim:
    if cmd.claim is None:
        return Claim()
    literals = re.findall(r'"([^"]+)"', cmd.claim)
    headline = None
    if cmd.name in HEADLINED:
        first = cmd.claim.split()[0].rstrip(",;:.") if cmd.claim.split() else ""
        if not first or first.startswith('"'):
            pytest.fail(f"{cmd.id}: the claim must begin with the {HEADLINED[cmd.name]}")
        if cmd.name == "check" and first not in VERDICTS:
            pytest.fail(f"{cmd.id}: {first!r} is not a verdict ({', '.join(sorted(VERDICTS))})")
        headline = first
    if headline is None and not literals:
        pytest.fail(f'{cmd.id}: the claim {cmd.claim!r} has nothing checkable (quote it: "…")')
    return Claim(headline, literals)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _with_json(args: tuple[str, ...]) -> list[str]:
    out = list(args)
    if "--format" in out:
        out[out.index("--format") + 1] = "json"
    else:
        out += ["--format", "json"]
    return out


# --------------------------------------------------------------- running
@pytest.fixture()
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A working directory with the repository's example files, a home and
    a fresh registry database; returns the environment to run with."""
    work = tmp_path / "work"
    work.mkdir()
    for top in ("examples",):
        if (ROOT / top).exists():
            (work / top).symlink_to(ROOT / top)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.chdir(work)
    env = {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "LANTHANIDE_DATABASE_URL": f"sqlite:///{tmp_path / 'registry.db'}",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


def invoke(cmd: Command, args: list[str] | tuple[str, ...], env: dict[str, str]) -> Any:
    result = runner.invoke(app, list(args), env=env)
    detail = f"{cmd.id}: `lanthanide {' '.join(args)}`"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{detail} raised") from result.exception
    assert result.exit_code == 0, f"{detail} exited {result.exit_code}:\n{result.output[-2000:]}"
    return result


@pytest.mark.parametrize("cmd", RUN, ids=[c.id for c in RUN])
def test_documented_command_does_what_it_claims(cmd: Command, sandbox: dict[str, str]) -> None:
    claim = read_claim(cmd)
    if list(cmd.args[:2]) == ["audit", "verify"]:
        # Documented after the commands of its block that write the registry;
        # on a database that does not exist it refuses (issue 11).
        invoke(cmd, ["admin", "create-user", "--name", "docs", "--role", "analyst"], sandbox)
    result = invoke(cmd, cmd.args, sandbox)
    if cmd.capture:
        lines = result.stdout.splitlines()
        assert len(lines) == 1 and lines[0].strip(), (
            f"{cmd.id}: ${cmd.capture} would receive {result.stdout!r}"
        )
    haystack = _flat(result.stdout)
    if claim.headline is not None:
        as_json = _with_json(cmd.args)
        data = json.loads(
            (invoke(cmd, as_json, sandbox) if as_json != list(cmd.args) else result).stdout
        )
        got = data["verdict"] if cmd.name == "check" else (data["results"] or [{}])[0].get("code")
        assert got == claim.headline, f"{cmd.id}: claims {claim.headline}, the answer is {got}"
        haystack = _flat(json.dumps(data, ensure_ascii=False))
    missing = [s for s in claim.literals if _flat(s) not in haystack]
    assert not missing, f"{cmd.id}: claimed {missing} not in the output of `{cmd.text}`"


def test_claims_are_written_with_the_arrow() -> None:
    """A comment beginning with a verdict is a claim and needs ``# →``."""
    loose = [c.id for c in CLI if c.comment and c.comment.split()[0].strip(",;:") in VERDICTS]
    assert not loose, f"comments that read as claims but are not checked: {loose}"


def test_the_docs_have_examples_and_claims() -> None:
    """The extraction finds the documented commands (a broken fence or
    convention would silently leave them out)."""
    for doc in DOCS:
        mine = [c for c in CLI if c.doc == doc]
        assert mine, f"no lanthanide command found in {doc}"
    assert sum(c.claim is not None for c in CLI if c.doc == "README.md") >= 10
    known = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    unknown = [c.id for c in CLI if c.name not in known]
    assert not unknown, f"documented commands that do not exist: {unknown}"


# --------------------------------------------------------------- servers
def _serve_args(cmd: Command, port: int) -> list[str]:
    args = list(cmd.args)
    if "--port" in args:
        args[args.index("--port") + 1] = str(port)
    else:
        args += ["--port", str(port)]
    if "--host" not in args:
        args += ["--host", "127.0.0.1"]
    return args


def _curl(cmd: Command, base: str, variables: dict[str, str]) -> httpx.Response:
    words = [re.sub(r"\$\{?(\w+)\}?", lambda m: variables.get(m[1], m[0]), w) for w in cmd.args]
    headers: dict[str, str] = {}
    data: str | None = None
    method: str | None = None
    url: str | None = None
    it = iter(words)
    for w in it:
        if w == "-H":
            k, _, v = next(it).partition(":")
            headers[k.strip()] = v.strip()
        elif w in ("-d", "--data"):
            data = next(it)
        elif w == "-X":
            method = next(it)
        elif not w.startswith("-"):
            url = w
    assert url is not None, f"{cmd.id}: no URL in {cmd.text}"
    path = re.sub(r"^(https?://)?(localhost|127\.0\.0\.1)(:\d+)?", "", url)
    return httpx.request(
        method or ("POST" if data is not None else "GET"),
        base + path,
        headers=headers,
        content=data,
        timeout=60,
    )


@pytest.mark.parametrize("cmd", SERVE, ids=[c.id for c in SERVE])
def test_documented_server_answers(cmd: Command, sandbox: dict[str, str], tmp_path: Path) -> None:
    """``lanthanide serve`` as documented (on a free port): the server comes
    up on the temporary registry, and every ``curl`` line of the same code
    block gets a 2xx JSON answer. ``VAR=$(lanthanide …)`` lines before it in
    the block run first, so ``$VAR`` works in the curl lines."""
    variables: dict[str, str] = {}
    block = [c for c in ALL if c.doc == cmd.doc and c.block == cmd.block]
    for before in block:
        if before.line < cmd.line and before.capture:
            variables[before.capture] = invoke(before, before.args, sandbox).stdout.strip()
    with cli_serving(_serve_args(cmd, free_port()), sandbox, tmp_path / "serve.log") as base:
        health = httpx.get(base + "/api/v1/health", timeout=10)
        assert health.status_code == 200 and health.headers.get("x-rulebook-version")
        for c in (c for c in block if c.kind == "curl"):
            r = _curl(c, base, variables)
            assert r.status_code < 300, f"{c.id}: {c.text} -> {r.status_code} {r.text[:300]}"
            r.json()
