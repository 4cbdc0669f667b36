"""The batch query, written once and run unchanged by every engine.

The statements use a subset of SQL that DuckDB and Spark SQL both accept
(equi-joins, CASE, COALESCE, TRY_CAST, concat, replace, GROUP BY, a window
row_number). ``/*+ BROADCAST(...) */`` hints tell Spark which relations are
small; DuckDB reads them as comments. Engines
differ only in how they load the input into the ``lines`` relation, register
small tables, materialise a query and write a result.

Relations:

* ``lines`` — the input, one row per record of the file
  (:mod:`lanthanide.screen.spec`): ``_row`` (its row number: the physical
  line on which it starts, or the 1-based row of a Parquet file),
  ``c_<column>`` for every column of :data:`INPUT_COLUMNS` as trimmed text
  (NULL when empty), ``_code`` and ``_corrupt`` (the reject code and reason
  when the record could not be parsed, else NULL).
* ``dup_ids`` — every line id on more than one record, with its count.
* ``dim_date``, ``dim_hs``, ``dim_dest``, ``dim_eu``, ``dim_params`` — every
  distinct raw value of a column, validated once, with its normalised value,
  its key and the reject reason.
* ``results`` — one row per distinct key with the determination's columns;
  ``templates`` — the questions and warnings texts (those quoting the date
  hold a placeholder); ``dated_texts`` — each such text with each date that
  occurs, so no per-line string work is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

from lanthanide.screen import spec

INPUT_COLUMNS: tuple[str, ...] = (
    "line_id",
    "date",
    "exporter",
    "tariff_line",
    "description",
    "destination",
    "quantity",
    "unit",
    "value",
    "currency",
    "end_use",
    "params",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("line_id", "date", "tariff_line", "destination")

OUTPUT_COLUMNS: tuple[str, ...] = (
    "line_id",
    "date",
    "tariff_line",
    "destination",
    "end_use",
    "input_warnings",
    "verdict",
    "effects",
    "instruments",
    "items",
    "findings",
    "questions",
    "warnings",
    "conflicts",
)
REJECT_COLUMNS: tuple[str, ...] = ("row", "line_id", "code", "reason", *INPUT_COLUMNS[1:])


@dataclass(frozen=True, slots=True)
class Dim:
    name: str
    column: str
    fields: tuple[tuple[str, str], ...]
    """(name, type) after ``raw``; type is ``string`` or ``int``."""


DIMS: tuple[Dim, ...] = (
    Dim("dim_date", "date", (("iso", "string"), ("bucket", "int"), ("err", "string"))),
    Dim("dim_hs", "tariff_line", (("hs", "string"), ("hkey", "string"), ("err", "string"))),
    Dim("dim_dest", "destination", (("dest", "string"), ("dkey", "string"), ("err", "string"))),
    Dim("dim_eu", "end_use", (("eu", "string"), ("ekey", "string"), ("err", "string"))),
    Dim("dim_params", "params", (("pkey", "string"), ("err", "string"))),
)


def distinct_sql(column: str) -> str:
    return f"SELECT DISTINCT COALESCE(c_{column}, '') AS raw FROM lines"


DUP_IDS = """
SELECT c_line_id AS line_id, COUNT(*) AS n
FROM lines
WHERE _corrupt IS NULL AND c_line_id IS NOT NULL
GROUP BY c_line_id
HAVING COUNT(*) > 1
"""
"""Line ids on more than one record (materialised as ``dup_ids``)."""

_VALUES = (
    ("dd", "date"),
    ("dh", "tariff_line"),
    ("dt", "destination"),
    ("de", "end_use"),
    ("dp", "params"),
)


def _branches(strict_ids: bool) -> list[tuple[str, str, str]]:
    """(condition, code, reason) in order; the first that holds rejects."""
    out = [
        ("l._corrupt IS NOT NULL", "l._code", "l._corrupt"),
        (
            "l.c_line_id IS NULL",
            f"'{spec.MISSING_LINE_ID}'",
            "'line_id: missing; every line needs an id'",
        ),
    ]
    if strict_ids:
        out.append(
            (
                "d.n IS NOT NULL",
                f"'{spec.DUPLICATE_LINE_ID}'",
                "concat('line_id: ''', l.c_line_id, ''' is on ', CAST(d.n AS STRING), "
                "' records (--strict-ids)')",
            )
        )
    for alias, col in _VALUES:
        out.append((f"{alias}.err IS NOT NULL", f"'{spec.INVALID}{col}'", f"{alias}.err"))
    for col in ("quantity", "value"):
        v = f"l.c_{col}"
        # regexp_extract reads the same in DuckDB (RE2) and Spark (Java regex)
        out.append(
            (
                f"{v} IS NOT NULL AND (regexp_extract({v}, '^(?:{spec.NUMBER_PATTERN})$', 0) = ''"
                f" OR NOT abs(TRY_CAST({v} AS DOUBLE)) <= {spec.MAX_DOUBLE!r})",
                f"'{spec.INVALID}{col}'",
                f"concat('{col}: ''', {v}, ''' is not a number')",
            )
        )
    return out


def classify(strict_ids: bool = False) -> str:
    """One row per record: its keys, or its reject ``code`` and ``reason``;
    ``dup`` is the number of records with its line id (NULL when unique).
    Needs ``dup_ids`` (:data:`DUP_IDS`)."""
    branches = _branches(strict_ids)
    code = "\n".join(f"         WHEN {w} THEN {k}" for w, k, _ in branches)
    reason = "\n".join(f"         WHEN {w} THEN {r}" for w, _, r in branches)
    return f"""
SELECT /*+ BROADCAST(dd, dh, dt, de, dp) */ l._row AS _row, l.c_line_id AS line_id,
       dd.iso AS on_iso, dd.bucket AS bucket,
       dh.hs AS hs, dh.hkey AS hs_key,
       dt.dest AS dest, dt.dkey AS dest_key,
       de.eu AS end_use, de.ekey AS eu_key,
       dp.pkey AS pkey, d.n AS dup,
       CASE
{code}
       END AS code,
       CASE
{reason}
       END AS reason
FROM lines l
JOIN dim_date dd ON dd.raw = COALESCE(l.c_date, '')
JOIN dim_hs dh ON dh.raw = COALESCE(l.c_tariff_line, '')
JOIN dim_dest dt ON dt.raw = COALESCE(l.c_destination, '')
JOIN dim_eu de ON de.raw = COALESCE(l.c_end_use, '')
JOIN dim_params dp ON dp.raw = COALESCE(l.c_params, '')
LEFT JOIN dup_ids d ON d.line_id = l.c_line_id
"""


CLASSIFY = classify()
"""Without ``--strict-ids``: a duplicated id is a warning on each line."""

KEYS = """
SELECT hs_key, dest_key, bucket, eu_key, pkey, COALESCE(dest, '') AS dest, COUNT(*) AS n
FROM classified
WHERE reason IS NULL
GROUP BY hs_key, dest_key, bucket, eu_key, pkey, COALESCE(dest, '')
"""

_KEY_JOIN = """
  ON c.hs_key = r.hs_key AND c.dest_key = r.dest_key AND c.bucket = r.bucket
 AND c.eu_key = r.eu_key AND c.pkey = r.pkey"""

DATED = f"""
SELECT t.id AS id, k.on_iso AS on_iso, replace(t.text, '@@ON@@', k.on_iso) AS text,
       {{offset}} + row_number() OVER (ORDER BY t.id, k.on_iso) - 1 AS tid
FROM (
  SELECT /*+ BROADCAST(r) */ DISTINCT r.qid AS id, c.on_iso AS on_iso
  FROM classified c JOIN results r {_KEY_JOIN}
  WHERE c.reason IS NULL
  UNION
  SELECT /*+ BROADCAST(r) */ DISTINCT r.wid AS id, c.on_iso AS on_iso
  FROM classified c JOIN results r {_KEY_JOIN}
  WHERE c.reason IS NULL
) k
JOIN templates t ON t.id = k.id
WHERE t.dated = 1
"""
"""Texts that quote the line's date, once per (text, date) that occurs, with
ids ``tid`` following the templates' (``{offset}`` = number of templates)."""

TEXTS = """
SELECT id, text FROM templates
UNION ALL
SELECT tid AS id, text FROM dated_texts
"""
"""Every output text by id (ids are dense from 0)."""

OUTPUT_IDS = f"""
SELECT /*+ BROADCAST(r, dq, dw) */
       c._row AS _row, c.line_id AS line_id, c.on_iso AS date, c.hs AS tariff_line,
       c.dest AS destination, c.end_use AS end_use,
       CASE WHEN c.dup IS NOT NULL THEN 'duplicate_line_id' END AS input_warnings,
       r.verdict AS verdict, r.effects AS effects, r.instruments AS instruments,
       r.items AS items, r.fid AS findings,
       COALESCE(dq.tid, r.qid) AS questions,
       COALESCE(dw.tid, r.wid) AS warnings,
       r.cid AS conflicts
FROM classified c
JOIN results r {_KEY_JOIN}
LEFT JOIN dated_texts dq ON dq.id = r.qid AND dq.on_iso = c.on_iso
LEFT JOIN dated_texts dw ON dw.id = r.wid AND dw.on_iso = c.on_iso
WHERE c.reason IS NULL
"""
"""The output with its four JSON columns as ids into ``texts`` (``_row``
first, unordered)."""

ID_COLUMNS: tuple[str, ...] = ("findings", "questions", "warnings", "conflicts")

OUTPUT = f"""
SELECT /*+ BROADCAST(f, q, w, x) */
       o.line_id AS line_id, o.date AS date, o.tariff_line AS tariff_line,
       o.destination AS destination, o.end_use AS end_use,
       o.input_warnings AS input_warnings, o.verdict AS verdict, o.effects AS effects,
       o.instruments AS instruments,
       o.items AS items, f.text AS findings, q.text AS questions,
       w.text AS warnings, x.text AS conflicts
FROM ({OUTPUT_IDS}) o
JOIN texts f ON f.id = o.findings
JOIN texts q ON q.id = o.questions
JOIN texts w ON w.id = o.warnings
JOIN texts x ON x.id = o.conflicts
ORDER BY o._row
"""
"""One row per accepted line, in input order, columns :data:`OUTPUT_COLUMNS`."""

REJECTS = """
SELECT l._row AS row, l.c_line_id AS line_id, c.code AS code, c.reason AS reason,
       l.c_date AS date, l.c_exporter AS exporter, l.c_tariff_line AS tariff_line,
       l.c_description AS description, l.c_destination AS destination,
       l.c_quantity AS quantity, l.c_unit AS unit, l.c_value AS value,
       l.c_currency AS currency, l.c_end_use AS end_use, l.c_params AS params
FROM lines l
JOIN classified c ON l._row = c._row
WHERE c.reason IS NOT NULL
ORDER BY l._row
"""

COUNTS = """
SELECT COUNT(*) AS n, SUM(CASE WHEN reason IS NULL THEN 0 ELSE 1 END) AS rejected
FROM classified
"""
