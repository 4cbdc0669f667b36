"""Screen a declaration file: validate, classify, decide each distinct key
once, join back, write the output and the rejects, and summarise."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lanthanide.rules.book import Rulebook
from lanthanide.screen import sql
from lanthanide.screen.compile import KeySpace
from lanthanide.screen.engines import Format, InputError, SqlEngine, input_format
from lanthanide.screen.resolve import RESULT_COLUMNS, TEMPLATE_COLUMNS, Resolver

Progress = Callable[[str, int, int], None]
"""(stage, done, total) callback."""


@dataclass(slots=True)
class Summary:
    lines: int = 0
    screened: int = 0
    rejected: int = 0
    keys: int = 0
    decided: int = 0
    seconds: float = 0.0
    by_verdict: Counter[str] = field(default_factory=Counter)
    by_instrument: Counter[str] = field(default_factory=Counter)
    by_destination: dict[str, Counter[str]] = field(default_factory=dict)
    output: str = ""
    rejects: str | None = None
    stages: dict[str, float] = field(default_factory=dict)
    """Seconds spent in each stage (read, validate, classify, decide, write)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "screened": self.screened,
            "rejected": self.rejected,
            "keys": self.keys,
            "decided": self.decided,
            "seconds": round(self.seconds, 3),
            "by_verdict": dict(self.by_verdict.most_common()),
            "by_instrument": dict(self.by_instrument.most_common()),
            "by_destination": {
                d: dict(c.most_common())
                for d, c in sorted(self.by_destination.items(), key=lambda kv: -kv[1].total())
            },
            "output": self.output,
            "rejects": self.rejects,
            "stages": {k: round(v, 3) for k, v in self.stages.items()},
        }


def rejects_path(out: Path, fmt: Format) -> Path:
    return out.with_name(f"{out.stem}.rejects.{'parquet' if fmt == 'parquet' else 'csv'}")


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
    strict_ids: bool = False,
) -> Summary:
    """Screen ``src`` into ``out`` (and the rejected lines into ``rejects``,
    default ``<out>.rejects.<ext>``, written only when there are any).
    ``workers``: processes deciding keys (default: 2 when the machine has
    2 cores or more; a second one is forked only for many keys).
    ``strict_ids``: reject every record whose line id is on another record
    (else each is screened and flagged ``duplicate_line_id``)."""
    t0 = time.perf_counter()
    if not src.exists():
        raise InputError("INPUT", f"'{src}' does not exist")
    if src.is_dir():
        raise InputError("INPUT", f"'{src}' is a directory; give a CSV or Parquet file")
    out_fmt: Format = fmt or ("parquet" if out.suffix.lower() in (".parquet", ".pq") else "csv")
    if not out.parent.exists():
        raise InputError("--out", f"directory '{out.parent}' does not exist")
    rej = rejects or rejects_path(out, out_fmt)

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
    engine.load(src, input_format(src))
    tick("read", 1, 1)

    space = space or KeySpace(book)
    handlers: dict[str, Callable[[str], tuple[Any, ...]]] = {
        "dim_date": space.date_value,
        "dim_hs": space.hs_value,
        "dim_dest": space.destination_value,
        "dim_eu": space.end_use_value,
        "dim_params": space.params_value,
    }
    for i, dim in enumerate(sql.DIMS):
        tick("validate", i, len(sql.DIMS))
        raws = [r[0] for r in engine.query(sql.distinct_sql(dim.column))]
        fn = handlers[dim.name]
        rows = [(raw, *fn(raw)) for raw in raws]
        engine.register(dim.name, (("raw", "string"), *dim.fields), rows)
    tick("validate", len(sql.DIMS), len(sql.DIMS))

    tick("classify", 0, 1)
    engine.materialise("dup_ids", sql.DUP_IDS)
    engine.materialise("classified", sql.classify(strict_ids))
    key_rows = engine.query(sql.KEYS)
    tick("classify", 1, 1)

    from lanthanide.screen.compile import Key

    keys: dict[Key, None] = {}
    for hs_key, dest_key, bucket, eu_key, pkey, _dest, _n in key_rows:
        keys.setdefault(Key(hs_key, dest_key, int(bucket), eu_key, pkey), None)
    resolver = Resolver(book, space)
    total = len(keys)
    done = 0

    def decided(n: int) -> None:
        nonlocal done
        done += n
        tick("decide", min(done, total), total)

    tick("decide", 0, total)
    result_rows = resolver.rows(keys, decided, workers or min(2, os.cpu_count() or 1))
    tick("decide", total, total)
    engine.register("results", RESULT_COLUMNS, result_rows)
    templates = resolver.templates()
    engine.register("templates", TEMPLATE_COLUMNS, templates)
    engine.materialise("dated_texts", sql.DATED.replace("{offset}", str(len(templates))))
    engine.materialise("texts", sql.TEXTS)

    tick("write", 0, 1)
    engine.write_output(out, out_fmt)
    n, rejected = engine.query(sql.COUNTS)[0]
    rejected = int(rejected or 0)
    if rejected:
        engine.write(sql.REJECTS, rej, out_fmt)
    tick("write", 1, 1)

    summary = Summary(
        lines=int(n),
        screened=int(n) - rejected,
        rejected=rejected,
        keys=total,
        decided=resolver.decided,
        output=str(out),
        rejects=str(rej) if rejected else None,
        stages=stages,
    )
    by_key = {
        (r[0], r[1], r[2], r[3], r[4]): (r[5], r[7]) for r in result_rows
    }  # key -> (verdict, instruments)
    for hs_key, dest_key, bucket, eu_key, pkey, dest, cnt in key_rows:
        verdict, instruments = by_key[(hs_key, dest_key, int(bucket), eu_key, pkey)]
        cnt = int(cnt)
        summary.by_verdict[verdict] += cnt
        for inst in {i for i in instruments.split(";") if i}:
            summary.by_instrument[inst] += cnt
        summary.by_destination.setdefault(dest or "(none)", Counter())[verdict] += cnt
    summary.seconds = time.perf_counter() - t0
    return summary
