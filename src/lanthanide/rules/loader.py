"""Load and validate rulebook YAML files.

Every problem is reported with the file, the path inside it and what is
allowed; nothing is loaded when anything is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lanthanide.rules import catalogue, status
from lanthanide.rules.collect import parse_all
from lanthanide.rules.lists import is_list_file
from lanthanide.rules.model import Condition, Instrument
from lanthanide.rules.params import PARAMS, UNITS, known
from lanthanide.rules.problems import Problem as Problem


class RulebookError(Exception):
    """The rulebook data is invalid. ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the rulebook:\n{lines}")


def error_message(err: Mapping[str, Any]) -> str:
    """A pydantic error's message, with the allowed values when it has them."""
    msg = str(err["msg"])
    ctx = err.get("ctx") or {}
    if "expected" in ctx and str(ctx["expected"]) not in msg:
        msg = f"{msg} (allowed: {ctx['expected']})"
    return msg


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


@cache
def yaml_loader() -> type[Any]:
    """The rulebook's YAML loader class: SafeLoader (libyaml's C parser when
    installed: the same documents, about 10x faster) that keeps dates as
    dates and rejects duplicate keys. Built on first use, so that a process
    reading the rulebook from the on-disk cache never imports PyYAML."""
    import yaml

    class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    _Loader.__qualname__ = "_Loader"  # part of the parsed-YAML cache key

    def construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}'", key_node.start_mark
                )
            seen.add(key)
        return loader.construct_mapping(node, deep=deep)

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return _Loader


def __getattr__(name: str) -> Any:
    if name == "_Loader":  # the loader class, as it was named when built at import
        return yaml_loader()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def read_yaml(text: str) -> Any:
    """``text`` parsed by the rulebook's YAML loader (dates as dates,
    duplicate keys rejected), through the on-disk cache
    (:func:`lanthanide.cache.load_yaml`)."""
    from lanthanide import cache

    return cache.load_yaml(text, yaml_loader())


def parse_file(path: Path) -> tuple[Instrument | None, list[Problem]]:
    """Parse one instrument file; return it or the problems found."""
    import yaml

    name = path.name
    try:
        raw = read_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return None, [Problem(name, "", f"not valid YAML: {exc}")]
    if not isinstance(raw, dict):
        return None, [Problem(name, "", "must be a mapping describing one instrument")]
    try:
        inst = Instrument.model_validate(raw)
    except ValidationError as exc:
        problems = [
            Problem(name, _loc(tuple(err["loc"])), error_message(err)) for err in exc.errors()
        ]
        return None, problems
    if path.stem != inst.id:
        return None, [Problem(name, "id", f"id '{inst.id}' must equal the file name '{path.stem}'")]
    return catalogue.attach(inst, path)


def default_dir() -> Path:
    """The rulebook that ships inside the package."""
    return Path(str(resources.files("lanthanide") / "rulebook"))


def load_instruments(directory: Path | None = None) -> list[Instrument]:
    """Load and validate every ``*.yaml`` under ``directory`` (recursively).

    Raises :class:`RulebookError` listing every problem (per file, per path),
    including cross-references between files.
    """
    root = directory or default_dir()
    files = sorted(f for f in root.rglob("*.yaml") if not is_list_file(f))  # lists: rules/lists.py
    if not files:
        raise RulebookError([Problem(str(root), "", "no *.yaml instrument files found")])
    instruments, problems = parse_all(files, parse_file, check_references)
    if problems:
        raise RulebookError(problems)
    return instruments


def check_references(instruments: list[Instrument]) -> list[Problem]:
    """Cross-file checks: ids unique, references resolve, suspensions aim at
    existing controls, catalogue bases exist."""
    problems: list[Problem] = []
    by_id: dict[str, Instrument] = {}
    for inst in instruments:
        if inst.id in by_id:
            problems.append(Problem(f"{inst.id}.yaml", "id", "duplicate instrument id"))
        by_id[inst.id] = inst
    known = ", ".join(sorted(by_id))
    for inst in instruments:
        f = f"{inst.id}.yaml"
        for ref in (*inst.supersedes, *([inst.superseded_by] if inst.superseded_by else [])):
            if ref not in by_id:
                problems.append(
                    Problem(f, "supersedes", f"unknown instrument '{ref}' (known: {known})")
                )
        for i, ctl in enumerate(inst.controls):
            for j, ref in enumerate(ctl.applies_to.refs):
                target, _, code = ref.partition(":")
                path = f"controls[{i}].applies_to.refs[{j}]"
                if not code:
                    problems.append(Problem(f, path, f"'{ref}' must be 'instrument-id:code'"))
                elif target not in by_id:
                    problems.append(Problem(f, path, f"unknown instrument '{target}'"))
                elif code != "*" and code not in {it.code for it in by_id[target].items}:
                    codes = ", ".join(it.code for it in by_id[target].items) or "none"
                    problems.append(
                        Problem(f, path, f"'{target}' has no item '{code}' (items: {codes})")
                    )
        for i, sus in enumerate(inst.suspends):
            path = f"suspends[{i}]"
            if sus.instrument not in by_id:
                problems.append(Problem(f, path, f"unknown instrument '{sus.instrument}'"))
                continue
            cids = {c.id for c in by_id[sus.instrument].controls}
            for cid in sus.controls or ():
                if cid not in cids:
                    problems.append(
                        Problem(
                            f,
                            path,
                            f"'{sus.instrument}' has no control '{cid}' "
                            f"(controls: {', '.join(sorted(cids)) or 'none'})",
                        )
                    )
        for i, item in enumerate(inst.items):
            if item.condition is not None:
                problems.extend(_check_condition(f, f"items[{i}].condition", item.condition))
        if inst.catalogue and inst.catalogue.base:
            base = by_id.get(inst.catalogue.base)
            if base is None or base.catalogue is None:
                problems.append(
                    Problem(f, "catalogue.base", f"'{inst.catalogue.base}' is no catalogue version")
                )
    problems.extend(status.check(instruments))
    return problems


def _check_condition(file: str, path: str, cond: Condition) -> list[Problem]:
    if cond.param is None:
        out: list[Problem] = []
        key = "all" if cond.all is not None else "any"
        for j, sub in enumerate(cond.all or cond.any or ()):
            out.extend(_check_condition(file, f"{path}.{key}[{j}]", sub))
        return out
    param = PARAMS.get(cond.param)
    if param is None:
        return [
            Problem(file, f"{path}.param", f"unknown parameter '{cond.param}' (allowed: {known()})")
        ]
    if param.unit is None:
        values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
        bad = [str(v) for v in values if v not in param.choices]
        if bad:
            return [
                Problem(
                    file,
                    f"{path}.value",
                    f"{', '.join(bad)} not allowed for "
                    f"'{cond.param}' (allowed: {', '.join(param.choices)})",
                )
            ]
        return []
    if cond.unit is not None:
        canon = UNITS.get(cond.unit.lower().replace(" ", ""), UNITS.get(cond.unit, ("?", 0)))[0]
        if (
            canon != param.unit
            or UNITS.get(cond.unit.lower().replace(" ", ""), ("", 0.0))[1] != 1.0
        ):
            return [
                Problem(
                    file,
                    f"{path}.unit",
                    f"'{cond.unit}' is not the unit of "
                    f"'{cond.param}' (write the value in {param.unit})",
                )
            ]
    return []
