"""The batch query, written once and run unchanged by every engine.

The statements use a subset of SQL that DuckDB and Spark SQL both accept
(equi-joins, CASE, COALESCE, TRY_CAST, concat, replace, GROUP BY, a window
row_number). ``/*+ BROADCAST(...) */`` hints tell Spark which relations are
small; DuckDB reads them as comments. Engines
differ only in how they load the input into the ``lines`` relation, register
small tables, materialise a query and write a result.

Relations:

* ``lines`` — the input, one row per declaration line: ``_row`` (ordering),
  ``c_<column>`` for every column of :data:`INPUT_COLUMNS` as text, and
  ``_corrupt`` (why a row could not be parsed, else NULL).
* ``dim_date``, ``dim_hs``, ``dim_dest``, ``dim_eu``, ``dim_params`` — every
  distinct raw value of a column, validated once, with its normalised value,
  its key and the reject reason.
* ``classified`` — each line's input columns as given, its normalised
  values, its key and the reject reason (NULL: accepted).
* ``results`` — one row per distinct key: verdict, effects, instruments,
  items, question and warning codes, ``determination_id`` (and, for
  ``--detail inline``, the JSON columns with the date as a placeholder);
  ``determinations`` — each distinct determination once, by id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lanthanide.screen.compile import ON_TOKEN

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
    "end_user",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("line_id", "date", "tariff_line", "destination")

OUTPUT_COLUMNS: tuple[str, ...] = (
    "verdict",
    "effects",
    "instruments",
    "items",
    "question_codes",
    "warning_codes",
    "determination_id",
)
"""Columns of an output line after its input columns."""
INLINE_COLUMNS: tuple[str, ...] = ("findings", "questions", "warnings", "conflicts")
"""The per-line JSON columns of ``--detail inline``, after :data:`OUTPUT_COLUMNS`."""
REJECT_COLUMNS: tuple[str, ...] = ("line_id", "reason", *INPUT_COLUMNS[1:])


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
    Dim("dim_user", "end_user", (("name", "string"), ("ukey", "string"), ("err", "string"))),
)


def distinct_sql(column: str) -> str:
    return f"SELECT DISTINCT COALESCE(c_{column}, '') AS raw FROM lines"


def _number_check(column: str) -> str:
    c = f"l.c_{column}"
    return (
        f"WHEN {c} IS NOT NULL AND trim({c}) <> '' AND TRY_CAST({c} AS DOUBLE) IS NULL "
        f"THEN concat('{column}: ''', {c}, ''' is not a number')"
    )


_RAW = ", ".join(f"l.c_{c} AS c_{c}" for c in INPUT_COLUMNS)
"""The input columns as given, carried for the output lines."""

CLASSIFY = f"""
SELECT /*+ BROADCAST(dd, dh, dt, de, dp, du) */ l._row AS _row, {_RAW}, l.c_line_id AS line_id,
       dd.iso AS on_iso, dd.bucket AS bucket,
       dh.hs AS hs, dh.hkey AS hs_key,
       dt.dest AS dest,
       CASE WHEN du.ukey <> '' THEN COALESCE(dt.dest, '') ELSE dt.dkey END AS dest_key,
       de.eu AS end_use, de.ekey AS eu_key,
       dp.pkey AS pkey, du.ukey AS user_key,
       CASE
         WHEN l._corrupt IS NOT NULL THEN l._corrupt
         WHEN l.c_line_id IS NULL OR trim(l.c_line_id) = ''
           THEN 'line_id: missing; every line needs an id'
         WHEN dd.err IS NOT NULL THEN dd.err
         WHEN dh.err IS NOT NULL THEN dh.err
         WHEN dt.err IS NOT NULL THEN dt.err
         WHEN de.err IS NOT NULL THEN de.err
         WHEN dp.err IS NOT NULL THEN dp.err
         WHEN du.err IS NOT NULL THEN du.err
         {_number_check("quantity")}
         {_number_check("value")}
       END AS reason
FROM lines l
JOIN dim_date dd ON dd.raw = COALESCE(l.c_date, '')
JOIN dim_hs dh ON dh.raw = COALESCE(l.c_tariff_line, '')
JOIN dim_dest dt ON dt.raw = COALESCE(l.c_destination, '')
JOIN dim_eu de ON de.raw = COALESCE(l.c_end_use, '')
JOIN dim_params dp ON dp.raw = COALESCE(l.c_params, '')
JOIN dim_user du ON du.raw = COALESCE(l.c_end_user, '')
"""

KEYS = """
SELECT hs_key, dest_key, bucket, eu_key, pkey, user_key, COALESCE(dest, '') AS dest,
       COUNT(*) AS n
FROM classified
WHERE reason IS NULL
GROUP BY hs_key, dest_key, bucket, eu_key, pkey, user_key, COALESCE(dest, '')
"""

_KEY_JOIN = """
  ON c.hs_key = r.hs_key AND c.dest_key = r.dest_key AND c.bucket = r.bucket
 AND c.eu_key = r.eu_key AND c.pkey = r.pkey AND c.user_key = r.user_key"""


def output_sql(columns: Sequence[str], inline: bool = False) -> str:
    """One row per accepted line, in input order: the input ``columns`` as
    given, then :data:`OUTPUT_COLUMNS` (and :data:`INLINE_COLUMNS`, each
    line's date put into the texts that quote it, with ``inline``)."""
    cols = [f"c.c_{c} AS {c}" for c in columns]
    cols += [f"r.{c} AS {c}" for c in OUTPUT_COLUMNS]
    if inline:
        cols += [f"replace(r.{c}, '{ON_TOKEN}', c.on_iso) AS {c}" for c in INLINE_COLUMNS]
    return f"""
SELECT /*+ BROADCAST(r) */ {", ".join(cols)}
FROM classified c
JOIN results r {_KEY_JOIN}
WHERE c.reason IS NULL
ORDER BY c._row
"""


DETERMINATIONS = """
SELECT determination_id, rulebook_version, verdict, determination
FROM determinations
ORDER BY determination_id
"""
"""The determinations file: each distinct determination of the output once."""

REJECTS = """
SELECT l.c_line_id AS line_id, c.reason AS reason,
       l.c_date AS date, l.c_exporter AS exporter, l.c_tariff_line AS tariff_line,
       l.c_description AS description, l.c_destination AS destination,
       l.c_quantity AS quantity, l.c_unit AS unit, l.c_value AS value,
       l.c_currency AS currency, l.c_end_use AS end_use, l.c_params AS params,
       l.c_end_user AS end_user
FROM lines l
JOIN classified c ON l._row = c._row
WHERE c.reason IS NOT NULL
ORDER BY l._row
"""

COUNTS = """
SELECT COUNT(*) AS n, SUM(CASE WHEN reason IS NULL THEN 0 ELSE 1 END) AS rejected
FROM classified
"""
