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
  ``_corrupt`` and ``_code`` (why a record could not be parsed and its reject
  code, else NULL; see :mod:`lanthanide.screen.spec`).
* ``dim_date``, ``dim_hs``, ``dim_dest``, ``dim_eu``, ``dim_params``,
  ``dim_user``, ``dim_consignee`` — every distinct raw value of a column,
  validated once, with its normalised value, its integer key and the reject
  reason (:data:`DIMS`).
* ``dup_ids`` — the line ids on more than one record.
* :func:`classify` — a subquery, not a table: each line's input columns as
  given, its integer key and its reject reason (NULL: accepted). The keys,
  the output and the rejects each read ``lines`` through it; no per-line
  table is materialised, so memory holds only the small tables.
* ``results`` — one row per distinct key (:data:`KEY_COLUMNS`, or packed
  into one integer ``k`` by :func:`packing`): verdict, effects, instruments,
  items, question and warning codes, ``determination_id`` (and, for
  ``--detail inline``, the JSON columns with the date as a placeholder);
  ``determinations`` — each distinct determination once, by id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lanthanide.screen import spec
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
    "consignee",
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
LINE_COLUMNS: tuple[str, ...] = ("input_warnings",)
"""Columns of an output line about the line itself, after its input columns
(``input_warnings``: ``duplicate_line_id`` when its id is on another line)."""
INLINE_COLUMNS: tuple[str, ...] = ("findings", "questions", "warnings", "conflicts")
"""The per-line JSON columns of ``--detail inline``, after :data:`OUTPUT_COLUMNS`."""
REJECT_COLUMNS: tuple[str, ...] = ("row", "line_id", "code", "reason", *INPUT_COLUMNS[1:])


@dataclass(frozen=True, slots=True)
class Dim:
    name: str
    column: str
    fields: tuple[tuple[str, str], ...]
    """(name, type) after ``raw``; type is ``string`` or ``int``."""


DIMS: tuple[Dim, ...] = (
    Dim("dim_date", "date", (("iso", "string"), ("bucket", "int"), ("err", "string"))),
    Dim("dim_hs", "tariff_line", (("hs", "string"), ("hk", "int"), ("err", "string"))),
    Dim(
        "dim_dest",
        "destination",
        (("dest", "string"), ("dk", "int"), ("dn", "int"), ("err", "string")),
    ),
    Dim("dim_eu", "end_use", (("eu", "string"), ("ek", "int"), ("err", "string"))),
    Dim("dim_params", "params", (("pk", "int"), ("err", "string"))),
    Dim("dim_user", "end_user", (("name", "string"), ("uk", "int"), ("err", "string"))),
    Dim("dim_consignee", "consignee", (("name", "string"), ("ck", "int"), ("err", "string"))),
)
"""Each dimension's key is a small integer (``hk``, ``dk``, ``ek``, ``pk``,
``uk``, ``ck``; the date's is its ``bucket``) numbering its distinct key
values, so lines group and join on integers; 0 is the empty key (no end
use, no name, no destination). ``dn`` numbers the destination itself (0
when none) in the numbering of ``dk``: the key of a line naming a party."""

KEY_COLUMNS: tuple[str, ...] = ("kh", "kd", "kb", "ke", "kp", "ku", "kc")
"""A line's integer key, in the order of :class:`lanthanide.screen.compile.Key`."""


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
    ("du", "end_user"),
    ("dc", "consignee"),
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


Constants = Mapping[str, Mapping[str, "int | str"]]
"""Dimensions whose every line has the same valid value, by alias (``dd``,
``dh``, ``dt``, ``de``, ``dp``, ``du``, ``dc``): field -> value. The
classification reads them as literals instead of joining (a column the file
lacks, or never varies, costs nothing)."""

_ALIASES: tuple[tuple[str, str, str], ...] = (
    ("dd", "dim_date", "date"),
    ("dh", "dim_hs", "tariff_line"),
    ("dt", "dim_dest", "destination"),
    ("de", "dim_eu", "end_use"),
    ("dp", "dim_params", "params"),
    ("du", "dim_user", "end_user"),
    ("dc", "dim_consignee", "consignee"),
)
_SAFE = re.compile(r"[0-9A-Za-z_.:*-]*")


def constants(dims: Mapping[str, Sequence[tuple[Any, ...]]]) -> dict[str, dict[str, int | str]]:
    """The :data:`Constants` of registered dimension rows (table name ->
    rows of ``raw`` and :data:`DIMS` fields): each dimension with one row,
    valid, whose values are integers or plain words."""
    fields = {d.name: [f for f, _ in d.fields] for d in DIMS}
    out: dict[str, dict[str, int | str]] = {}
    for alias, name, _ in _ALIASES:
        rows = dims.get(name, ())
        if len(rows) != 1:
            continue
        values = dict(zip(fields[name], rows[0][1:], strict=True))
        if values.pop("err") is not None:
            continue
        if all(
            v is None or isinstance(v, int) or (isinstance(v, str) and _SAFE.fullmatch(v))
            for v in values.values()
        ):
            out[alias] = {k: v for k, v in values.items() if v is not None}
    return out


def classify(strict_ids: bool = False, const: Constants | None = None) -> str:
    """One row per record, in no order: a subquery, never materialised (the
    keys, the output and the rejects each read ``lines`` through it, so no
    per-line table is ever held): ``_row``, the input columns as given
    (``c_<column>``), the integer key (:data:`KEY_COLUMNS`; ``kn``: the
    destination's number), ``on_iso``, ``dup`` (the number of records with
    its line id, NULL when unique) and, when rejected, ``code`` and
    ``reason`` (NULL: accepted). Needs ``dup_ids`` (:data:`DUP_IDS`)."""
    const = const or {}

    def ref(alias: str, name: str) -> str:
        if alias not in const:
            return f"{alias}.{name}"
        v = const[alias][name]
        return str(int(v)) if isinstance(v, int) else f"'{v}'"

    branches = [
        b for b in _branches(strict_ids) if not any(b[0] == f"{a}.err IS NOT NULL" for a in const)
    ]
    code = "\n".join(f"         WHEN {w} THEN {k}" for w, k, _ in branches)
    reason = "\n".join(f"         WHEN {w} THEN {r}" for w, _, r in branches)
    raw = ", ".join(f"l.c_{c} AS c_{c}" for c in INPUT_COLUMNS)
    joined = [a for a, _, _ in _ALIASES if a not in const]
    joins = "\n".join(
        f"JOIN {name} {a} ON {a}.raw = COALESCE(l.c_{col}, '')"
        for a, name, col in _ALIASES
        if a not in const
    )
    uk, ck, dn = ref("du", "uk"), ref("dc", "ck"), ref("dt", "dn")
    return f"""
SELECT /*+ BROADCAST({", ".join([*joined, "d"])}) */ l._row AS _row, {raw},
       {ref("dd", "iso")} AS on_iso, {ref("dd", "bucket")} AS kb, {ref("dh", "hk")} AS kh,
       CASE WHEN {uk} <> 0 OR {ck} <> 0 THEN {dn} ELSE {ref("dt", "dk")} END AS kd,
       {ref("de", "ek")} AS ke, {ref("dp", "pk")} AS kp, {uk} AS ku, {ck} AS kc,
       {dn} AS kn, d.n AS dup,
       CASE
{code}
       END AS code,
       CASE
{reason}
       END AS reason
FROM lines l
{joins}
LEFT JOIN dup_ids d ON d.line_id = l.c_line_id
"""


PACK_LIMIT = 2**62
"""A packed key (:func:`packing`) stays below this (a signed 64-bit integer)."""


def packing(radix: Sequence[int]) -> tuple[int, ...] | None:
    """The multipliers that pack a line's integer key (:data:`KEY_COLUMNS`,
    each ``0 <= value < radix``) into one integer ``k = sum(value *
    multiplier)``, so lines group and join on one column; None when the
    product of the radices reaches :data:`PACK_LIMIT` (the keys are then
    grouped and joined column by column)."""
    if len(radix) != len(KEY_COLUMNS) or any(r < 1 for r in radix):
        raise ValueError(f"one radix of at least 1 per key column, got {list(radix)}")
    out: list[int] = []
    m = 1
    for r in reversed(radix):
        out.append(m)
        m *= r
    return tuple(reversed(out)) if m < PACK_LIMIT else None


def unpack(k: int, multipliers: Sequence[int]) -> tuple[int, ...]:
    """The key columns of a packed key (inverse of :func:`packing`)."""
    out: list[int] = []
    for m in multipliers:
        v, k = divmod(k, m)
        out.append(v)
    return tuple(out)


def _packed(alias: str, multipliers: Sequence[int]) -> str:
    return " + ".join(
        f"{alias}.{c}" if m == 1 else f"{alias}.{c} * {m}"
        for c, m in zip(KEY_COLUMNS, multipliers, strict=True)
    )


def keys_sql(
    strict_ids: bool = False,
    const: Constants | None = None,
    multipliers: Sequence[int] | None = None,
) -> str:
    """Each distinct key of the accepted lines (:data:`KEY_COLUMNS`; with
    ``multipliers``, one column ``k``, the key packed by :func:`packing`),
    its destination's number ``kn`` and its number of lines ``n``; all
    rejected lines in one row with NULL keys and ``kn`` -1 (so the counts
    need no other pass over the lines)."""
    names = ["k"] if multipliers else list(KEY_COLUMNS)
    if multipliers:
        accepted = f"CASE WHEN reason IS NULL THEN {_packed('c', multipliers)} END AS k"
    else:
        accepted = ", ".join(f"CASE WHEN reason IS NULL THEN {k} END AS {k}" for k in KEY_COLUMNS)
    keys = ", ".join(names)
    return f"""
SELECT {keys}, kn, COUNT(*) AS n
FROM (
SELECT {accepted}, CASE WHEN reason IS NULL THEN kn ELSE -1 END AS kn
FROM ({classify(strict_ids, const)}) c
) k
GROUP BY {keys}, kn
"""


_KEY_JOIN = "\n AND ".join(f"c.{k} = r.{k}" for k in KEY_COLUMNS)


def output_sql(
    columns: Sequence[str],
    inline: bool = False,
    strict_ids: bool = False,
    const: Constants | None = None,
    multipliers: Sequence[int] | None = None,
) -> str:
    """One row per accepted line, in input order: the input ``columns`` as
    given, then :data:`LINE_COLUMNS`, :data:`OUTPUT_COLUMNS` (and :data:`INLINE_COLUMNS`, each
    line's date put into the texts that quote it, with ``inline``). Needs
    ``results`` keyed by :data:`KEY_COLUMNS` (with ``multipliers``: by the
    packed key ``k``, as :func:`keys_sql` gave it)."""
    join = f"{_packed('c', multipliers)} = r.k" if multipliers else _KEY_JOIN
    cols = [f"c.c_{c} AS {c}" for c in columns]
    cols.append("CASE WHEN c.dup IS NOT NULL THEN 'duplicate_line_id' END AS input_warnings")
    cols += [f"r.{c} AS {c}" for c in OUTPUT_COLUMNS]
    if inline:
        cols += [f"replace(r.{c}, '{ON_TOKEN}', c.on_iso) AS {c}" for c in INLINE_COLUMNS]
    return f"""
SELECT /*+ BROADCAST(r) */ {", ".join(cols)}
FROM ({classify(strict_ids, const)}) c
JOIN results r
  ON {join}
WHERE c.reason IS NULL
ORDER BY c._row
"""


DETERMINATIONS = """
SELECT determination_id, rulebook_version, verdict, determination
FROM determinations
ORDER BY determination_id
"""
"""The determinations file: each distinct determination of the output once."""


def rejects_sql(strict_ids: bool = False, const: Constants | None = None) -> str:
    """The rejected records, in input order, as given, with code and reason.
    Reads each dimension's invalid values only (a few rows), left-joined:
    a value not among them is valid, as in :func:`classify`."""
    const = const or {}
    branches = [
        b for b in _branches(strict_ids) if not any(b[0] == f"{a}.err IS NOT NULL" for a in const)
    ]
    code = "\n".join(f"         WHEN {w} THEN {k}" for w, k, _ in branches)
    reason = "\n".join(f"         WHEN {w} THEN {r}" for w, _, r in branches)
    joins = "\n".join(
        f"LEFT JOIN (SELECT raw, err FROM {name} WHERE err IS NOT NULL) {a}"
        f" ON {a}.raw = COALESCE(l.c_{col}, '')"
        for a, name, col in _ALIASES
        if a not in const
    )
    joined = [a for a, _, _ in _ALIASES if a not in const]
    cols = ", ".join(f"l.c_{c} AS {c}" for c in INPUT_COLUMNS[1:])
    return f"""
SELECT _row AS row, line_id, code, reason, {", ".join(INPUT_COLUMNS[1:])}
FROM (
SELECT /*+ BROADCAST({", ".join([*joined, "d"])}) */ l._row AS _row, l.c_line_id AS line_id,
       CASE
{code}
       END AS code,
       CASE
{reason}
       END AS reason,
       {cols}
FROM lines l
{joins}
LEFT JOIN dup_ids d ON d.line_id = l.c_line_id
) c
WHERE reason IS NOT NULL
ORDER BY _row
"""
