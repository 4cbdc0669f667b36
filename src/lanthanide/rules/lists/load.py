"""Reading and validating list files (one announcement per YAML file under ``lists/``)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from lanthanide.rules.lists.model import ListAnnouncement
from lanthanide.rules.problems import Problem


def error_text(err: object) -> str:
    msg = str(err.get("msg", err)) if isinstance(err, dict) else str(err)
    return msg.removeprefix("Value error, ")


ListProblem = Problem
"""A problem in a list file (the same shape as an instrument file's)."""


LISTS_DIR = "lists"
"""Files under a directory of this name are list announcements, not instruments."""


def is_list_file(path: Path) -> bool:
    """Whether ``path`` holds a :class:`ListAnnouncement` (it sits in a ``lists/`` folder)."""
    return path.parent.name == LISTS_DIR


def parse_list_file(path: Path) -> tuple[ListAnnouncement | None, list[ListProblem]]:
    """Parse one list announcement file; return it or the problems found."""
    import yaml

    from lanthanide.rules.loader import _loc, error_message, read_yaml

    name = f"{LISTS_DIR}/{path.name}"
    try:
        raw = read_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return None, [ListProblem(name, "", f"not valid YAML: {exc}")]
    if not isinstance(raw, dict):
        return None, [ListProblem(name, "", "must be a mapping describing one list announcement")]
    try:
        ann = ListAnnouncement.model_validate(raw)
    except ValidationError as exc:
        return None, [
            ListProblem(name, _loc(tuple(err["loc"])), error_message(err)) for err in exc.errors()
        ]
    if path.stem != ann.id:
        return None, [
            ListProblem(name, "id", f"id '{ann.id}' must equal the file name '{path.stem}'")
        ]
    return ann, []


def load_lists(directory: Path | None = None) -> list[ListAnnouncement]:
    """Load and validate every list announcement under ``directory`` (every
    ``*.yaml`` in a ``lists/`` folder, recursively).

    Raises :class:`lanthanide.rules.loader.RulebookError` naming file and field
    of every problem, including duplicate ids and ``amends`` references that
    do not resolve. A directory without ``lists/`` folders gives ``[]``.
    """
    from lanthanide.rules.collect import parse_all
    from lanthanide.rules.loader import RulebookError, default_dir

    root = directory or default_dir()
    files = sorted(f for f in root.rglob("*.yaml") if is_list_file(f))
    out, problems = parse_all(files, parse_list_file, check_list_references)
    if problems:
        raise RulebookError(problems)
    return out


def check_list_references(anns: list[ListAnnouncement]) -> list[ListProblem]:
    """Cross-file checks: ids and numbers unique, ``amends`` and ``adjusts``
    resolve, and adjusted announcements stay consistent."""
    problems: list[ListProblem] = []
    by_id: dict[str, ListAnnouncement] = {}
    numbers: dict[tuple[str, str], str] = {}
    for a in anns:
        f = f"{LISTS_DIR}/{a.id}.yaml"
        if a.id in by_id:
            problems.append(ListProblem(f, "id", "duplicate list announcement id"))
        by_id[a.id] = a
        key = (a.list, a.number)
        if key in numbers:
            problems.append(
                ListProblem(f, "number", f"'{a.number}' is already encoded in {numbers[key]}.yaml")
            )
        numbers[key] = a.id
    listing = {i for i, a in by_id.items() if a.entries}
    for a in anns:
        for j, adj in enumerate(a.adjusts):
            if adj.announcement not in listing:
                problems.append(
                    ListProblem(
                        f"{LISTS_DIR}/{a.id}.yaml",
                        f"adjusts[{j}].announcement",
                        f"unknown list announcement '{adj.announcement}' "
                        f"(known: {', '.join(sorted(listing))})",
                    )
                )
    if not problems:
        targets = {adj.announcement: a for a in anns for adj in a.adjusts}
        for target, by in targets.items():
            periods = [adj.change for x in anns for adj in x.adjusts if adj.announcement == target]
            try:
                by_id[target].with_status(periods)
            except ValidationError as exc:
                msg = "; ".join(error_text(e) for e in exc.errors())
                problems.append(
                    ListProblem(
                        f"{LISTS_DIR}/{by.id}.yaml",
                        "adjusts",
                        f"the change to '{target}' does not fit its status periods: {msg}",
                    )
                )
    for a in anns:
        if a.amends is not None and a.amends not in by_id:
            problems.append(
                ListProblem(
                    f"{LISTS_DIR}/{a.id}.yaml",
                    "amends",
                    f"unknown list announcement '{a.amends}' (known: {', '.join(sorted(by_id))})",
                )
            )
    return problems


# ------------------------------------------------------------------ compiled view


def load_lists_with_overlays(root: Path, overlays: Iterable[Path] = ()) -> list[ListAnnouncement]:
    """The list announcements of ``root`` with those of each overlay directory
    on top (an overlay file with the id of a bundled one replaces it), checked
    together. Problems name the overlay file by its full path."""
    from lanthanide.rules.loader import RulebookError

    merged: dict[str, ListAnnouncement] = {a.id: a for a in load_lists(root)}
    where: dict[str, str] = {}
    problems: list[Problem] = []
    for d in overlays:
        if not d.is_dir():
            continue  # the instrument overlay reports it
        for f in sorted(f for f in d.rglob("*.yaml") if is_list_file(f)):
            ann, probs = parse_list_file(f)
            problems.extend(Problem(str(f), p.path, p.message) for p in probs)
            if ann is not None:
                merged[ann.id] = ann
                where[ann.id] = str(f)
    if not problems:
        for p in check_list_references(list(merged.values())):
            ident = p.file.removeprefix(f"{LISTS_DIR}/").removesuffix(".yaml")
            problems.append(Problem(where.get(ident, p.file), p.path, p.message))
    if problems:
        raise RulebookError(problems)
    return list(merged.values())
