"""User rulebooks: directories of instrument YAML loaded on top of the bundled one.

An overlay directory holds instrument files exactly like ``rulebook/cn/``
(and may name catalogue CSV tables beside them). Each instrument is validated
like a bundled one; an id the rulebook already has **replaces** that
instrument, a new id is **added**. Overlays apply in order (a later one wins),
then every cross-reference is checked over the merged rulebook, so an overlay
that suspends a bundled control is checked against it.

Where overlays come from: ``load_rulebook(overlays=[dir, ...])``; when
``overlays`` is None, the environment variable
``LANTHANIDE_RULEBOOK_OVERLAYS`` (``os.pathsep``-separated directories;
``LANTHANIDE_RULEBOOK_PATH`` is read too, after it). ``overlays=[]`` means
none, whatever the environment says.

The rulebook version is the hash of all instruments, so it changes with any
overlay; :attr:`Rulebook.overlays` says which were loaded (path, instruments
added and replaced, content digest).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lanthanide.rules.lists import is_list_file
from lanthanide.rules.loader import (
    Problem,
    RulebookError,
    check_references,
    parse_file,
)
from lanthanide.rules.model import Instrument

ENV = "LANTHANIDE_RULEBOOK_OVERLAYS"
ENV_ALIASES = (ENV, "LANTHANIDE_RULEBOOK_PATH")


@dataclass(frozen=True, slots=True)
class Overlay:
    """One loaded overlay directory."""

    path: str
    added: tuple[str, ...]
    replaced: tuple[str, ...]
    digest: str
    """sha256 (12 hex) of the overlay's files, in path order."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "added": list(self.added),
            "replaced": list(self.replaced),
            "digest": self.digest,
        }


def from_env(environ: dict[str, str] | None = None) -> list[Path]:
    """Overlay directories named by the environment (empty entries skipped)."""
    env = os.environ if environ is None else environ
    out: list[Path] = []
    for var in ENV_ALIASES:
        for part in (env.get(var) or "").split(os.pathsep):
            if part.strip():
                out.append(Path(part.strip()).expanduser())
    return out


def _files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix in (".yaml", ".csv"))


def fingerprint(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """Cheap identity of an overlay's files (for caching)."""
    out = []
    for p in _files(directory):
        st = p.stat()
        out.append((str(p), st.st_mtime_ns, st.st_size))
    return tuple(out)


def _digest(directory: Path) -> str:
    h = hashlib.sha256()
    for p in _files(directory):
        h.update(str(p.relative_to(directory)).encode("utf-8"))
        h.update(b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def _shown(path: Path, problem_file: str) -> str:
    """A problem's file as a full path (parse_file names the file only)."""
    if problem_file.startswith(path.name):
        return str(path) + problem_file[len(path.name) :]
    return problem_file


def read_overlay(directory: Path) -> tuple[list[tuple[Path, Instrument]], list[Problem]]:
    """Parse one overlay directory: its instruments or the problems found."""
    if not directory.is_dir():
        return [], [Problem(str(directory), "", "overlay is not a directory")]
    every = sorted(directory.rglob("*.yaml"))
    files = [f for f in every if not is_list_file(f)]  # lists/: rules/lists.py
    if not every:
        return [], [Problem(str(directory), "", "overlay holds no *.yaml instrument files")]
    found: list[tuple[Path, Instrument]] = []
    problems: list[Problem] = []
    seen: dict[str, Path] = {}
    for f in files:
        inst, probs = parse_file(f)
        problems.extend(Problem(_shown(f, p.file), p.path, p.message) for p in probs)
        if inst is None:
            continue
        if inst.id in seen:
            problems.append(
                Problem(str(f), "id", f"instrument '{inst.id}' is also defined in {seen[inst.id]}")
            )
            continue
        seen[inst.id] = f
        found.append((f, inst))
    return found, problems


def merge(
    base: Iterable[Instrument], overlays: Sequence[Path]
) -> tuple[list[Instrument], tuple[Overlay, ...]]:
    """The base instruments with the overlays applied in order; raises
    :class:`RulebookError` naming file and field for every problem."""
    merged: dict[str, Instrument] = {i.id: i for i in base}
    where: dict[str, str] = {}
    problems: list[Problem] = []
    loaded: list[Overlay] = []
    for directory in overlays:
        found, probs = read_overlay(directory)
        problems.extend(probs)
        added: list[str] = []
        replaced: list[str] = []
        for f, inst in found:
            (replaced if inst.id in merged else added).append(inst.id)
            merged[inst.id] = inst
            where[inst.id] = str(f)
        if not probs:
            loaded.append(
                Overlay(str(directory), tuple(added), tuple(replaced), _digest(directory))
            )
    if not problems:
        for p in check_references(list(merged.values())):
            inst_id = p.file.removesuffix(".yaml")
            shown = where.get(inst_id)
            problems.append(
                Problem(shown, p.path, p.message)
                if shown
                else Problem(f"{p.file} (bundled)", p.path, f"{p.message} - after the overlays")
            )
    if problems:
        raise RulebookError(problems)
    return list(merged.values()), tuple(loaded)


def validate(overlays: Sequence[Path], base: Path | None = None) -> list[Problem]:
    """Every problem of the overlays on top of the rulebook in ``base``
    (bundled by default); empty when they load (for ``rules validate DIR``)."""
    from lanthanide.rules.book import load_rulebook

    try:
        load_rulebook(base, overlays=list(overlays))
    except RulebookError as err:
        return err.problems
    return []
