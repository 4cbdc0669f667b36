"""Synthetic customs declarations for tests and benchmarks.

Vectorised in DuckDB (no Python loop per line): ten million lines take
seconds. Every random draw is a hash of (line number, seed, salt), so the
same ``--lines`` and ``--seed`` give the same file on every machine with the
same DuckDB version.

Mix: about 70 % ordinary uncontrolled tariff lines, 25 % reference lines of
encoded rare-earth, gallium, germanium, graphite, antimony and tungsten
items, 5 % short (8-digit) codes and lines under partly encoded lists; dates
2023-01-01 to 2026-12-31; destinations weighted towards the main markets,
some without a destination; an end use on one line in five; technical
parameters on some lines. ``reject_rate`` spoils that share of lines (bad
date, tariff line or destination) to exercise the rejects file.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from lanthanide.decide import RARE_EARTHS
from lanthanide.rules.book import Rulebook, load_rulebook

MINERALS = frozenset({*RARE_EARTHS, "Ga", "Ge", "C", "Sb", "W"})
UNCONTROLLED = (
    "8471300000", "8517130000", "8703239000", "6109100010", "6403990000",
    "9403600090", "8528721100", "8504403000", "3926909090", "7326909000",
    "8708299000", "6204430090", "9503008900", "8418102000", "8516500000",
    "0306171100", "2009110000", "4819100000", "7308900000", "8544422900",
    "2710199100", "3004909099", "8541430000", "8542319000", "2818200000",
    "7601100000", "7403111100", "7210700000", "2905110000", "3901100090",
    "2603000010", "8483109000", "8413709990", "9018909919", "6907210000",
)  # fmt: skip
NEAR = ("2846901990", "2846909990", "2805301990", "2530902000", "28469019", "38180090")
DESTS = (
    ("US", 14), ("JP", 10), ("KR", 10), ("DE", 8), ("NL", 6), ("VN", 6), ("IN", 5),
    ("TW", 4), ("GB", 4), ("FR", 3), ("MY", 3), ("TH", 3), ("MX", 3), ("BR", 2),
    ("AU", 2), ("CA", 2), ("RU", 2), ("IT", 2), ("SG", 2), ("", 2),
)  # fmt: skip
END_USE = (("", 80), ("civil", 14), ("military", 3), ("wmd", 1), ("re-activity-abroad", 2))
PARAMS = (
    ("", 85), ("purity=99.99%", 5), ("purity=5N", 4), ("purity=99.5", 3),
    ("particle_size=40um;purity=99.999%", 2), ("form=powder", 1),
)  # fmt: skip
EXPORTERS = (
    "Baotou Northern Metals Trading Co.", "Ganzhou Heavy RE Export Co.",
    "Yunnan Germanium Materials Ltd.", "Hunan Antimony Holdings",
    "Xiamen Tungsten Trading", "Heilongjiang Graphite Export Co.",
    "Shenzhen Electronics Supply Chain", "Ningbo General Merchandise Ltd.",
    "Guangzhou Textiles Export", "Shanghai Machinery Import & Export",
)  # fmt: skip
DESCRIPTIONS = {
    "u": ("machinery parts", "garments", "consumer electronics", "furniture", "steel articles"),
    "c": ("rare-earth oxide", "gallium compound", "germanium product", "graphite material",
          "antimony product", "tungsten product"),
    "n": ("rare-earth compounds, other", "mixed oxides", "chemical compounds n.e.s."),
}  # fmt: skip


def controlled_lines(book: Rulebook) -> list[str]:
    return sorted(
        {
            h.code
            for r in book.item_refs
            if MINERALS & set(r.item.elements)
            for h in r.item.hs
            if len(h.code) == 10
        }
    )


def _lit(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _weighted(pairs: tuple[tuple[str, int], ...]) -> list[str]:
    return [v for v, w in pairs for _ in range(w)]


def _pick(values: list[str] | tuple[str, ...], salt: int) -> str:
    return (
        f"list_extract({_lit(values)}, 1 + CAST(hash(i, $seed, {salt}) % {len(values)} AS INTEGER))"
    )


def generate(
    out: Path,
    *,
    lines: int,
    seed: int = 1,
    reject_rate: float = 0.001,
    book: Rulebook | None = None,
) -> int:
    """Write ``lines`` declarations to ``out`` (CSV, or Parquet for a
    ``.parquet`` name); return the number written."""
    import duckdb

    if lines < 0:
        raise ValueError("lines must be >= 0")
    book = book or load_rulebook()
    ctrl = controlled_lines(book)
    u = "(hash(i, $seed, 1) % 1000000) / 1000000.0"
    bad = f"(hash(i, $seed, 20) % 1000000) / 1000000.0 < {float(reject_rate)}"
    kind = f"CASE WHEN {u} < 0.70 THEN 'u' WHEN {u} < 0.95 THEN 'c' ELSE 'n' END"
    query = f"""
    SELECT
      'D' || lpad(CAST(i AS VARCHAR), 10, '0') AS line_id,
      CASE WHEN {bad} AND hash(i, $seed, 21) % 3 = 0 THEN '2025-02-30'
           ELSE strftime(DATE '2023-01-01' + CAST(hash(i, $seed, 2) % 1461 AS INTEGER),
                         '%Y-%m-%d') END AS date,
      {_pick(EXPORTERS, 3)} AS exporter,
      CASE WHEN {bad} AND hash(i, $seed, 21) % 3 = 1 THEN '12AB'
           WHEN k = 'u' THEN {_pick(UNCONTROLLED, 4)}
           WHEN k = 'c' THEN {_pick(ctrl, 5)}
           ELSE {_pick(NEAR, 6)} END AS tariff_line,
      CASE WHEN k = 'u' THEN {_pick(DESCRIPTIONS["u"], 7)}
           WHEN k = 'c' THEN {_pick(DESCRIPTIONS["c"], 7)}
           ELSE {_pick(DESCRIPTIONS["n"], 7)} END AS description,
      CASE WHEN {bad} AND hash(i, $seed, 21) % 3 = 2 THEN 'XX'
           ELSE {_pick(_weighted(DESTS), 8)} END AS destination,
      CAST(1 + hash(i, $seed, 9) % 25000 AS VARCHAR) AS quantity,
      'kg' AS unit,
      CAST(round((10 + hash(i, $seed, 10) % 2000000) / 7.0, 2) AS VARCHAR) AS value,
      {_pick(["USD", "USD", "USD", "CNY", "EUR"], 11)} AS currency,
      {_pick(_weighted(END_USE), 12)} AS end_use,
      {_pick(_weighted(PARAMS), 13)} AS params
    FROM (SELECT i, {kind} AS k FROM range({int(lines)}) t(i))
    ORDER BY i
    """
    fmt = (
        "FORMAT parquet" if out.suffix.lower() in (".parquet", ".pq") else "FORMAT csv, HEADER true"
    )
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.tmp")
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET enable_progress_bar = false")
        target = str(tmp).replace("'", "''")
        con.execute(f"COPY ({query}) TO '{target}' ({fmt})", {"seed": seed})
        os.replace(tmp, out)
    finally:
        con.close()
        tmp.unlink(missing_ok=True)
    return lines
