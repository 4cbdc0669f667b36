"""Screen a declaration file: validate, classify, decide each distinct key
once, join back, write the output lines, the determinations and the
rejects, and summarise."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from lanthanide.rules.book import Rulebook
from lanthanide.screen import sql
from lanthanide.screen.compile import KeySpace
from lanthanide.screen.determinations import DETERMINATION_COLUMNS
from lanthanide.screen.engines import Format, InputError, SqlEngine, input_format, read_header
from lanthanide.screen.resolve import INLINE_COLUMNS, RESULT_COLUMNS, Resolver
from lanthanide.screen.sql import INPUT_COLUMNS

Progress = Callable[[str, int, int], None]
"""(stage, done, total) callback."""


Detail = Literal["normalised", "inline"]
DETAILS: tuple[str, ...] = ("normalised", "inline")


@dataclass(slots=True)
class Summary:
    lines: int = 0
    screened: int = 0
    rejected: int = 0
    keys: int = 0
    """Distinct keys resolved (parameters reduced to those the tariff line reads)."""
    decided: int = 0
    determinations: int = 0
    """Distinct determinations (rows of the determinations file)."""
    seconds: float = 0.0
    by_verdict: Counter[str] = field(default_factory=Counter)
    by_instrument: Counter[str] = field(default_factory=Counter)
    by_destination: dict[str, Counter[str]] = field(default_factory=dict)
    output: str = ""
    determinations_file: str | None = None
    rejects: str | None = None
    workers: int = 1
    """Processes that decided (1: this one; else the worker processes started)."""
    peak_rss_mb: float = 0.0
    """Peak resident memory of this process plus its worker processes
    (and, on Linux, any other child still running, e.g. Spark's JVM)."""
    stages: dict[str, float] = field(default_factory=dict)
    """Seconds spent in each stage (read, validate, classify, decide, write)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "screened": self.screened,
            "rejected": self.rejected,
            "keys": self.keys,
            "decided": self.decided,
            "determinations": self.determinations,
            "seconds": round(self.seconds, 3),
            "by_verdict": dict(self.by_verdict.most_common()),
            "by_instrument": dict(self.by_instrument.most_common()),
            "by_destination": {
                d: dict(c.most_common())
                for d, c in sorted(self.by_destination.items(), key=lambda kv: -kv[1].total())
            },
            "output": self.output,
            "determinations_file": self.determinations_file,
            "rejects": self.rejects,
            "workers": self.workers,
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "stages": {k: round(v, 3) for k, v in self.stages.items()},
        }


def rejects_path(out: Path, fmt: Format) -> Path:
    return out.with_name(f"{out.stem}.rejects.{'parquet' if fmt == 'parquet' else 'csv'}")


def determinations_path(out: Path, fmt: Format) -> Path:
    """``OUT.determinations.parquet`` (``.csv`` when the output is CSV)."""
    return out.with_name(f"{out.stem}.determinations.{'parquet' if fmt == 'parquet' else 'csv'}")


def input_columns(src: Path, fmt: Format) -> list[str]:
    """The declaration columns the input has, in its order."""
    if fmt == "csv":
        names = read_header(src)
    else:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        part = src
        if src.is_dir():
            part = next(iter(sorted(src.glob("**/*.parquet"))), src)
        try:
            names = list(pq.read_schema(part).names)
        except Exception:  # unreadable: the engine's load names the problem
            names = list(INPUT_COLUMNS)
    return [c for c in names if c in INPUT_COLUMNS]


def _check_columns(wanted: Sequence[str], present: Sequence[str]) -> list[str]:
    if not wanted:
        raise InputError("--columns", "name at least one input column")
    for c in wanted:
        if c not in present:
            raise InputError(
                "--columns",
                f"'{c}' is not a column of the input (its columns: {', '.join(present)})",
            )
    return list(dict.fromkeys(wanted))


def _remove(path: Path) -> None:
    """Remove an output: a file, or a directory of part files (Spark)."""
    if path.is_dir():
        import shutil

        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def peak_rss_mb(workers_kb: Mapping[int, int] | None = None) -> float:
    """Peak resident memory of this process, plus the peaks the finished
    workers reported, plus (Linux) every descendant still running."""
    from lanthanide.screen.resolve import own_peak_kb

    kb = own_peak_kb() + sum((workers_kb or {}).values())
    return kb / 1024 + _live_children_mb()


def _live_children_mb() -> float:
    proc = Path("/proc")
    if not proc.is_dir():
        return 0.0
    parents: dict[int, int] = {}
    for d in proc.iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
                parents[int(d.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found: set[int] = set()
    frontier = {os.getpid()}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - found
        found |= frontier
    total = 0.0
    for pid in found:
        try:
            for line in (proc / str(pid) / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except (OSError, ValueError):
            pass
    return total


class _Numbering:
    """Dense integer ids of a dimension's key values ('' is 0)."""

    def __init__(self) -> None:
        self.values: list[str] = [""]
        self._ids: dict[str, int] = {"": 0}

    def __call__(self, value: str | None) -> int | None:
        if value is None:
            return None
        got = self._ids.get(value)
        if got is None:
            got = self._ids[value] = len(self.values)
            self.values.append(value)
        return got


def _dim_row(name: str, space: KeySpace, num: _Numbering, raw: str) -> tuple[Any, ...]:
    """The fields of one dimension row (:data:`lanthanide.screen.sql.DIMS`)
    for ``raw``: normalised value, integer key(s), reject reason."""
    if name == "dim_date":
        return space.date_value(raw)
    if name == "dim_params":
        pkey, err = space.params_value(raw)
        return num(pkey), err
    if name == "dim_dest":
        dest, dkey, err = space.destination_value(raw)
        return dest, num(dkey), None if err is not None else num(dest or ""), err
    value, key, err = {
        "dim_hs": space.hs_value,
        "dim_eu": space.end_use_value,
        "dim_user": space.end_user_value,
        "dim_consignee": space.consignee_value,
    }[name](raw)
    return value, num(key), err


_RESULTS: tuple[tuple[str, str], ...] = (
    *((k, "int") for k in sql.KEY_COLUMNS),
    *RESULT_COLUMNS[7:],
)
"""Columns of the ``results`` table: the integer key, then the outcome."""


def screen(
    engine: SqlEngine,
    book: Rulebook,
    src: Path,
    out: Path,
    *,
    fmt: Format | None = None,
    rejects: Path | None = None,
    progress: Progress | None = None,
    space: KeySpace | None = None,
    workers: int | None = None,
    columns: Sequence[str] | None = None,
    detail: Detail = "normalised",
    determinations: Path | None = None,
    strict_ids: bool = False,
) -> Summary:
    """Screen ``src`` into ``out``: one line per accepted input line with its
    input ``columns`` (default: all the input has), the verdict, effects,
    instruments, items, question and warning codes and ``determination_id``;
    each distinct determination once in ``determinations`` (default
    ``<out>.determinations.<ext>``); the rejected lines in ``rejects``
    (default ``<out>.rejects.<ext>``, written only when there are any).
    ``detail="inline"``: the per-line JSON columns (findings, questions,
    warnings, conflicts) instead of a determinations file. ``workers``:
    processes deciding keys (default: the machine's cores; spawned only
    for many keys). ``strict_ids``: reject every record whose line id is on
    another record (else each is screened and flagged ``duplicate_line_id``)."""
    t0 = time.perf_counter()
    if not src.exists():
        raise InputError("INPUT", f"'{src}' does not exist")
    if src.is_dir():
        raise InputError("INPUT", f"'{src}' is a directory; give a CSV or Parquet file")
    if detail not in DETAILS:
        raise InputError("--detail", f"'{detail}' is not allowed (allowed: {', '.join(DETAILS)})")
    if workers is not None and workers < 1:
        raise InputError("--workers", f"{workers} must be 1 or more")
    out_fmt: Format = fmt or ("parquet" if out.suffix.lower() in (".parquet", ".pq") else "csv")
    if not out.parent.exists():
        raise InputError("--out", f"directory '{out.parent}' does not exist")
    rej = rejects or rejects_path(out, out_fmt)
    inline = detail == "inline"
    dets = None if inline else (determinations or determinations_path(out, out_fmt))
    in_fmt = input_format(src)
    present = input_columns(src, in_fmt) if src.stat().st_size else []
    carry = present if columns is None else _check_columns(columns, present)

    stages: dict[str, float] = {}
    started = [time.perf_counter()]

    def tick(stage: str, done: int, total: int) -> None:
        if done == total:  # a stage ends: charge the time since the last one ended
            now = time.perf_counter()
            stages[stage] = stages.get(stage, 0.0) + now - started[0]
            started[0] = now
        if progress is not None:
            progress(stage, done, total)

    tick("read", 0, 1)
    engine.load(src, in_fmt)
    tick("read", 1, 1)

    space = space or KeySpace(book)
    nums = {d.name: _Numbering() for d in sql.DIMS}
    dim_rows: dict[str, list[tuple[Any, ...]]] = {}
    for i, dim in enumerate(sql.DIMS):
        tick("validate", i, len(sql.DIMS))
        raws = [r[0] for r in engine.query(sql.distinct_sql(dim.column))]
        rows = [(raw, *_dim_row(dim.name, space, nums[dim.name], raw)) for raw in raws]
        engine.register(dim.name, (("raw", "string"), *dim.fields), rows)
        dim_rows[dim.name] = rows
    tick("validate", len(sql.DIMS), len(sql.DIMS))
    const = sql.constants(dim_rows)

    tick("classify", 0, 1)
    engine.materialise("dup_ids", sql.DUP_IDS)
    # the integer key packed into one column when it fits (one-column
    # GROUP BY and join); the radix of each key column is its numbering
    radix = [
        len(nums["dim_hs"].values),
        len(nums["dim_dest"].values),
        len(space.bounds) + 1,
        *(len(nums[d].values) for d in ("dim_eu", "dim_params", "dim_user", "dim_consignee")),
    ]
    mult = sql.packing(radix)
    key_rows = engine.query(sql.keys_sql(strict_ids, const, mult))
    if mult is not None:  # back to the columns (the rejected row: NULL keys)
        key_rows = [
            (*(sql.unpack(int(k), mult) if k is not None else (None,) * 7), kn, cnt)
            for k, kn, cnt in key_rows
        ]
    tick("classify", 1, 1)

    from lanthanide.screen.compile import Key

    hs_n, dest_n = nums["dim_hs"].values, nums["dim_dest"].values
    eu_n, par_n = nums["dim_eu"].values, nums["dim_params"].values
    user_n, cons_n = nums["dim_user"].values, nums["dim_consignee"].values
    # the key the resolver sees: the parameters reduced to those the tariff
    # line can read (all it ever reads of them: Resolver.case_for), so keys
    # that differ only in parameters no rule of the line reads are one key
    keys: dict[tuple[int, ...], int] = {}
    distinct: dict[Key, int] = {}
    reduced: dict[tuple[int, int], str] = {}
    n = rejected = 0
    for kh, kd, kb, ke, kp, ku, kc, kn, cnt in key_rows:
        n += int(cnt)
        if kn == -1:
            rejected += int(cnt)
            continue
        ik = (kh, kd, kb, ke, kp, ku, kc)
        if ik not in keys:
            pj = reduced.get((kh, kp))
            if pj is None:
                pj = reduced[(kh, kp)] = json.dumps(space.decision_params(hs_n[kh], par_n[kp]))
            key = Key(hs_n[kh], dest_n[kd], int(kb), eu_n[ke], pj, user_n[ku], cons_n[kc])
            keys[ik] = distinct.setdefault(key, len(distinct))
    resolver = Resolver(book, space, inline=inline)
    total = len(distinct)
    done = 0

    def decided(count: int) -> None:
        nonlocal done
        done += count
        tick("decide", min(done, total), total)

    n_workers = workers or os.cpu_count() or 1
    tick("decide", 0, total)
    outcomes = resolver.decide_all(list(distinct), decided, n_workers)
    tick("decide", total, total)
    by_key = {ik: outcomes[i] for ik, i in keys.items()}

    def packed(ik: tuple[int, ...]) -> tuple[int, ...]:
        return ik if mult is None else (sum(v * m for v, m in zip(ik, mult, strict=True)),)

    result_rows = [
        (*packed(ik), *o.columns(), *(o.inline or ())) if inline else (*packed(ik), *o.columns())
        for ik, o in by_key.items()
    ]
    fields = (_RESULTS if mult is None else (("k", "int"), *_RESULTS[len(sql.KEY_COLUMNS) :])) + (
        INLINE_COLUMNS if inline else ()
    )
    engine.register("results", fields, result_rows)

    tick("write", 0, 1)
    written: list[Path] = []
    try:
        det_rows = resolver.determinations()
        if dets is not None:
            engine.register("determinations", DETERMINATION_COLUMNS, det_rows)
            engine.write(sql.DETERMINATIONS, dets, out_fmt)
            written.append(dets)
        engine.write(sql.output_sql(carry, inline, strict_ids, const, mult), out, out_fmt)
        written.append(out)
        if rejected:
            engine.write(sql.rejects_sql(strict_ids, const), rej, out_fmt)
        elif rej.exists():  # an earlier run's rejects: not this output's
            _remove(rej)
    except BaseException:
        for p in written:  # nothing half-written
            _remove(p)
        raise
    tick("write", 1, 1)

    summary = Summary(
        lines=n,
        screened=n - rejected,
        rejected=rejected,
        keys=total,
        decided=resolver.decided,
        determinations=len(det_rows),
        output=str(out),
        determinations_file=str(dets) if dets is not None else None,
        rejects=str(rej) if rejected else None,
        workers=resolver.processes,
        stages=stages,
    )
    # the lines per (outcome, destination) first: far fewer than the key rows
    per: Counter[tuple[int, int]] = Counter()
    made: dict[int, Any] = {}
    for kh, kd, kb, ke, kp, ku, kc, kn, cnt in key_rows:
        if kn == -1:
            continue
        o = by_key[(kh, kd, kb, ke, kp, ku, kc)]
        made[id(o)] = o
        per[(id(o), kn)] += int(cnt)
    for (oid, kn), cnt in per.items():
        o = made[oid]
        summary.by_verdict[o.verdict] += cnt
        for inst in {i for i in o.instruments.split(";") if i}:
            summary.by_instrument[inst] += cnt
        dest = dest_n[kn] or "(none)"
        if dest not in summary.by_destination:
            summary.by_destination[dest] = Counter()
        summary.by_destination[dest][o.verdict] += cnt
    summary.peak_rss_mb = peak_rss_mb(resolver.workers_rss_kb)
    summary.seconds = time.perf_counter() - t0
    return summary
