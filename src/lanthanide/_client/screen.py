"""Batch screening: :meth:`screen` and :meth:`generate_declarations`
(``lanthanide screen ...``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from lanthanide._client.core import _Core

if TYPE_CHECKING:
    from lanthanide.screen import Summary
    from lanthanide.screen.run import Progress


class Screening(_Core):
    """Files of declarations screened with the semantics of ``check``."""

    def screen(
        self,
        src: str | os.PathLike[str],
        out: str | os.PathLike[str],
        *,
        engine: str = "duckdb",
        fmt: Literal["csv", "parquet"] | None = None,
        rejects: str | os.PathLike[str] | None = None,
        spark_master: str | None = None,
        progress: Progress | None = None,
        columns: list[str] | None = None,
        detail: Literal["normalised", "inline"] = "normalised",
        workers: int | None = None,
        memory_limit: str | None = None,
        strict_ids: bool = False,
    ) -> Summary:
        """Screen a file of declarations (CSV or Parquet) with the semantics
        of :meth:`check`: one output line per input line (its input
        ``columns``, verdict, effects, instruments, items, question and
        warning codes, ``determination_id``), each distinct determination
        once in ``OUT.determinations.*`` (``detail="inline"``: per-line JSON
        columns instead), rejected lines with the reason in ``rejects``;
        ``workers`` processes decide (default: the cores); ``memory_limit``
        (DuckDB, e.g. ``"2GB"``) spills to a directory beside ``out``.
        ``strict_ids``: reject the lines whose line id is on another line
        (default: flag them, ``input_warnings``). Returns the summary."""
        from lanthanide.screen import InputError, make_engine, screen

        if spark_master is not None and engine != "spark":
            raise InputError("--spark-master", "only with --engine spark")
        dest = Path(out)
        temp = dest.with_name(f".{dest.name}.spill") if memory_limit is not None else None
        with make_engine(
            engine, spark_master, memory_limit=memory_limit, temp_directory=temp
        ) as eng:
            return screen(
                eng,
                self.rulebook,
                Path(src),
                dest,
                fmt=fmt,
                rejects=None if rejects is None else Path(rejects),
                progress=progress,
                columns=columns,
                detail=detail,
                workers=workers,
                strict_ids=strict_ids,
            )

    def generate_declarations(
        self,
        out: str | os.PathLike[str],
        *,
        lines: int,
        seed: int = 1,
        reject_rate: float = 0.001,
    ) -> int:
        """Write realistic synthetic declarations to ``out`` (same seed, same
        file); returns the number of lines written."""
        from lanthanide.decide.model import CaseError
        from lanthanide.screen.generate import generate

        path = Path(out)
        if lines < 0:
            raise CaseError("lines", f"{lines} must be 0 or more")
        if not 0.0 <= reject_rate <= 1.0:
            raise CaseError("reject_rate", f"{reject_rate} must be between 0 and 1")
        if not path.parent.exists():
            raise CaseError("out", f"directory '{path.parent}' does not exist")
        return generate(path, lines=lines, seed=seed, reject_rate=reject_rate, book=self.rulebook)
