"""The input specification of a declaration file, one for every engine.

Both engines read a CSV declaration file with this module and nothing else:
DuckDB in its own process (:func:`parse_file`), Spark on its executors, one
byte range of the file per task (:func:`chunk_summary`, then
:func:`parse_chunk`). The same bytes therefore give the same records, row
numbers, values and reject codes on both; ``docs/screening.md`` ("Input
format") states the rules in prose and ``tests/screen/test_input_spec.py``
checks them. The record grammar (quoting, fields) is in
:mod:`lanthanide.screen.records`.

The rules, in the order they apply:

1. **Encoding.** UTF-8; a byte order mark at the start of the file is
   dropped. The header must be valid UTF-8 (else :class:`SpecError`, which the
   engines turn into an ``InputError`` naming the file). A data record with a
   byte that is not UTF-8 is rejected (code ``encoding``).
2. **Lines.** A line ends at LF, CRLF or a lone CR, mixed freely. Line 1 is
   the first line of the file. A line break inside a quoted field belongs to
   the field (it is kept as written).
3. **Records.** A record is one line, or several when a quoted field spans
   line breaks. Its **row number** is the physical line number on which it
   starts (1-based; the header is on line 1). Every record after the header
   ends in the output or in the rejects file under that number.
4. **Quoting** (RFC 4180). A field that starts (after optional spaces or
   tabs) with ``"`` is quoted: it ends at the next lone ``"``, a doubled
   ``""`` stands for one quote, and only spaces or tabs may follow the closing
   quote before the next comma. A quote anywhere else (inside an unquoted
   field, or text after a closing quote) is a *stray quote*: the record is
   rejected (code ``quoting``) and ends at the end of its line. A quoted field
   still open at the end of the file rejects its record (code ``quoting``).
5. **Blank lines.** A record that is empty or holds only whitespace is
   rejected (code ``blank_line``), never dropped.
6. **Fields.** Separated by ``,``; a record must have exactly as many fields
   as the header (else code ``field_count``). Each value is trimmed of
   leading and trailing whitespace (:meth:`str.strip`, so ideographic spaces
   too), quoted or not; an empty value is a missing value.
7. **Numbers** (``quantity``, ``value``, checked by the shared SQL):
   :data:`NUMBER_PATTERN` — an optional sign, digits with an optional
   fraction (or a fraction alone), an optional exponent — and finite as an
   IEEE double. Not numbers: ``1_000``, ``1,000``, ``0x1p3``, ``1d``,
   ``1.0f``, ``inf``, ``nan``, ``1e400``.
8. **Line ids** must be present (code ``missing_line_id``); an id on more
   than one record is reported on each output line (``input_warnings`` holds
   ``duplicate_line_id``), or every such record is rejected (code
   ``duplicate_line_id``) under ``--strict-ids``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from lanthanide.screen.records import CLOSED as CLOSED
from lanthanide.screen.records import DELIMITER as DELIMITER
from lanthanide.screen.records import PADDING as PADDING
from lanthanide.screen.records import QUOTE as QUOTE
from lanthanide.screen.records import QUOTED as QUOTED
from lanthanide.screen.records import START as START
from lanthanide.screen.records import UNQUOTED as UNQUOTED
from lanthanide.screen.records import _line_end_state, split_record

BOM = b"\xef\xbb\xbf"

NUMBER_PATTERN = "[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?"
"""The grammar of a number: written without backslashes so that it reads the
same inside a DuckDB and a Spark SQL string literal (RE2 and Java regex)."""
MAX_DOUBLE = 1.7976931348623157e308
"""A number must also be finite: ``abs(value) <= MAX_DOUBLE``."""

CHUNK_BYTES = 32 << 20
"""Bytes of input per Spark task."""
SNIPPET = 80
"""Characters of a rejected record quoted in its reason."""

# reject codes -----------------------------------------------------------------
ENCODING = "encoding"
QUOTING = "quoting"
BLANK_LINE = "blank_line"
FIELD_COUNT = "field_count"
MISSING_LINE_ID = "missing_line_id"
DUPLICATE_LINE_ID = "duplicate_line_id"
INVALID = "invalid_"
"""Prefix of a value's code: ``invalid_date``, ``invalid_quantity`` …"""
RECORD_CODES: tuple[str, ...] = (ENCODING, QUOTING, BLANK_LINE, FIELD_COUNT)
"""Codes given by the parser (the rest come from the validation SQL)."""


class SpecError(ValueError):
    """The file itself cannot be read (a header that is not UTF-8, no header)."""


# reading lines ----------------------------------------------------------------
_BLOCK = 4 << 20


def _first_line_start(fh: IO[bytes], start: int) -> int:
    """The first position ``>= start`` at which a line starts."""
    if start == 0:
        return 0
    pos = start - 1
    fh.seek(pos)
    while True:
        buf = fh.read(_BLOCK)
        if not buf:
            return pos
        hits = [j for j in (buf.find(b"\n"), buf.find(b"\r")) if j >= 0]
        if hits:
            j = min(hits)
            if buf[j] == 0x0D and (buf[j + 1 : j + 2] or fh.read(1)) == b"\n":
                return pos + j + 2
            return pos + j + 1
        pos += len(buf)


def _iter_lines(fh: IO[bytes], pos: int) -> Iterator[tuple[int, bytes]]:
    """``(position, line)`` from the line starting at ``pos`` to the end of
    the file; a line keeps its break (LF, CRLF or CR)."""
    fh.seek(pos)
    carry = b""
    while True:
        buf = fh.read(_BLOCK)
        data = carry + buf
        if not data:
            return
        lines = data.splitlines(keepends=True)
        carry = b""
        if buf:
            last = lines[-1]
            # incomplete, or a CR whose LF may start the next block
            if not last.endswith((b"\n", b"\r")) or last.endswith(b"\r"):
                carry = lines.pop()
        for ln in lines:
            yield pos, ln
            pos += len(ln)
        if not buf:
            return


def _strip_break(line: bytes) -> bytes:
    if line.endswith(b"\r\n"):
        return line[:-2]
    if line.endswith((b"\n", b"\r")):
        return line[:-1]
    return line


# the two passes over a byte range ------------------------------------------------
@dataclass(frozen=True, slots=True)
class Chunk:
    """The lines that start in ``[start, end)`` of the file."""

    index: int
    start: int
    end: int


def plan_chunks(size: int, parts: int, chunk_bytes: int = CHUNK_BYTES) -> list[Chunk]:
    """At least ``parts`` byte ranges of at most ``chunk_bytes`` (none empty)."""
    n = max(1, parts, -(-size // max(1, chunk_bytes)))
    n = min(n, max(1, size))
    step = -(-size // n) if size else 0
    out: list[Chunk] = []
    for i in range(n):
        s, e = i * step, min(size, (i + 1) * step)
        if s < e or (size == 0 and i == 0):
            out.append(Chunk(len(out), s, e))
    return out


@dataclass(frozen=True, slots=True)
class ChunkSummary:
    """What a chunk contributes to the ones after it: how many lines start in
    it, and the state at its end for each state at its start
    (``START`` or ``QUOTED``)."""

    index: int
    lines: int
    after_start: int
    after_quoted: int


def chunk_summary(path: str, chunk: Chunk) -> ChunkSummary:
    """First pass over one byte range (an executor task)."""
    with open(path, "rb") as fh:
        pos = _first_line_start(fh, chunk.start)
        lines = 0
        a, b = START, QUOTED  # the state, had the chunk begun in START / QUOTED
        if pos < chunk.end:
            for at, raw in _iter_lines(fh, pos):
                if at >= chunk.end:
                    break
                lines += 1
                if b'"' in raw:
                    text = _strip_break(raw).decode("latin-1")
                    a, b = (
                        (_line_end_state(text, a),) * 2
                        if a == b
                        else (_line_end_state(text, a), _line_end_state(text, b))
                    )
    return ChunkSummary(chunk.index, lines, a, b)


def entry_states(summaries: Sequence[ChunkSummary]) -> list[tuple[int, int]]:
    """``(state, lines before)`` at the start of each chunk, in chunk order."""
    out: list[tuple[int, int]] = []
    state, lines = START, 0
    for s in sorted(summaries, key=lambda s: s.index):
        out.append((state, lines))
        state = s.after_start if state == START else s.after_quoted
        lines += s.lines
    return out


@dataclass(slots=True)
class Parsed:
    """Parsed records: ``row`` (the record's first physical line),
    ``fields`` (a good record's fields in header order, else ``None``),
    ``code`` and ``reason`` (``None`` for a good record); :meth:`values`
    gives them as columns."""

    columns: tuple[str, ...]
    where: tuple[int, ...]
    """For each of ``columns``, its index in the header (-1: not in it)."""
    row: list[int] = field(default_factory=list)
    fields: list[list[str] | None] = field(default_factory=list)
    code: list[str | None] = field(default_factory=list)
    reason: list[str | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.row)

    def values(self) -> list[list[str | None]]:
        """One list per column of ``columns`` (an empty value is ``None``)."""
        recs = self.fields
        return [
            [(r[i] or None) if r is not None else None for r in recs]
            if i >= 0
            else [None] * len(recs)
            for i in self.where
        ]


def _snippet(data: bytes) -> str:
    text = data.decode("utf-8", "backslashreplace")
    return repr(text if len(text) <= SNIPPET else text[:SNIPPET] + "…")


def parse_chunk(
    path: str,
    chunk: Chunk,
    state: int,
    lines_before: int,
    header: Sequence[str],
    columns: Sequence[str],
) -> Iterator[Parsed]:
    """Second pass over one byte range: the records that start in it, in
    batches. ``header`` is the file's column names; ``columns`` the columns
    wanted, in order (a column missing from the header gives ``None``)."""
    cols = tuple(columns)
    where = tuple(list(header).index(c) if c in header else -1 for c in cols)
    width = len(header)
    batch = Parsed(cols, where)
    with open(path, "rb") as fh:
        pos = _first_line_start(fh, chunk.start)
        if pos >= chunk.end and not (chunk.start == 0 and chunk.end == 0):
            return
        line_no = lines_before
        header_pending = pos == 0
        rec: list[bytes] = []
        rec_row = 0
        for at, raw in _iter_lines(fh, pos):
            if not rec and at >= chunk.end:
                break
            line_no += 1
            if at == 0 and raw.startswith(BOM):
                raw = raw[len(BOM) :]
            if not rec:
                rec_row = line_no
                if state != START:  # a record of the previous chunk continues
                    state = _line_end_state(_strip_break(raw).decode("latin-1"), state)
                    continue
            rec.append(raw)
            if b'"' in raw:
                state = _line_end_state(_strip_break(raw).decode("latin-1"), state)
            if state == QUOTED:
                continue
            state = START
            data = _strip_break(b"".join(rec))
            rec = []
            if header_pending:
                header_pending = False
                continue
            _add(batch, rec_row, data, width)
            if len(batch) >= 65_536:
                yield batch
                batch = Parsed(cols, where)
        if rec and not header_pending:  # a quoted field open at the end of the file
            _reject(batch, rec_row, QUOTING, _why(rec_row, line_no, _unclosed(rec), rec))
    if len(batch):
        yield batch


def _unclosed(rec: list[bytes]) -> str:
    return "a quoted field is not closed before the end of the file"


def _why(first: int, last: int, what: str, rec: list[bytes]) -> str:
    span = f"row {first}" if first == last else f"row {first} (lines {first}–{last})"
    span = f"malformed CSV {span}"
    return f"{span}: {what}: {_snippet(b''.join(rec))}"


def _reject(batch: Parsed, row: int, code: str, reason: str) -> None:
    batch.row.append(row)
    batch.fields.append(None)
    batch.code.append(code)
    batch.reason.append(reason)


def _add(batch: Parsed, row: int, data: bytes, width: int) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        what = f"byte 0x{bad} at byte {exc.start + 1} is not UTF-8"
        _reject(batch, row, ENCODING, _why(row, _last(row, data), what, [data]))
        return
    fields, err = split_record(text)
    if fields is None:
        _reject(batch, row, QUOTING, _why(row, _last(row, data), err or "", [data]))
        return
    if len(fields) != width:
        if not text.strip():
            _reject(batch, row, BLANK_LINE, f"blank line (row {row}): a record needs its fields")
            return
        what = f"{len(fields)} fields, the header has {width}"
        _reject(batch, row, FIELD_COUNT, _why(row, _last(row, data), what, [data]))
        return
    batch.row.append(row)
    batch.fields.append(fields)
    batch.code.append(None)
    batch.reason.append(None)


def _last(row: int, data: bytes) -> int:
    """The physical line on which a record starting on ``row`` ends."""
    return row + data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def read_header(path: str) -> list[str]:
    """The header's column names (trimmed), by the rules above."""
    with open(path, "rb") as fh:
        rec: list[bytes] = []
        state = START
        for at, raw in _iter_lines(fh, 0):
            if at == 0 and raw.startswith(BOM):
                raw = raw[len(BOM) :]
            rec.append(raw)
            if b'"' in raw:
                state = _line_end_state(_strip_break(raw).decode("latin-1"), state)
            if state != QUOTED:
                break
            if sum(map(len, rec)) > 1 << 20:
                break
    data = _strip_break(b"".join(rec))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(
            f"the header row is not UTF-8 (byte 0x{data[exc.start : exc.start + 1].hex()} "
            f"at byte {exc.start + 1}); save the file as UTF-8"
        ) from None
    if not text.strip():
        raise SpecError("has no header row naming its columns")
    fields, err = split_record(text)
    if fields is None:
        raise SpecError(f"the header row cannot be read: {err}")
    return fields


def parse_file(
    path: str, columns: Sequence[str], header: Sequence[str] | None = None, parts: int = 1
) -> Iterator[Parsed]:
    """Every record of the file, in order, read as ``parts`` byte ranges one
    after the other: exactly what the Spark tasks produce between them."""
    import os

    head = list(header) if header is not None else read_header(path)
    chunks = plan_chunks(os.path.getsize(path), parts, chunk_bytes=1 << 62)
    states = entry_states([chunk_summary(path, c) for c in chunks])
    for c, (state, before) in zip(chunks, states, strict=True):
        yield from parse_chunk(path, c, state, before, head, columns)


def arrow_schema(columns: Sequence[str]) -> Any:
    """The schema of :func:`arrow_batch`."""
    import pyarrow as pa  # type: ignore[import-untyped]

    return pa.schema(
        [("_row", pa.int64())]
        + [(f"c_{c}", pa.string()) for c in columns]
        + [("_code", pa.string()), ("_corrupt", pa.string())]
    )


def arrow_batch(parsed: Parsed) -> Any:
    """A ``pyarrow.RecordBatch``: ``_row``, ``c_<column>``…, ``_code``, ``_corrupt``."""
    import pyarrow as pa

    arrays = [pa.array(parsed.row, pa.int64())]
    arrays += [pa.array(v, pa.string()) for v in parsed.values()]
    arrays += [pa.array(parsed.code, pa.string()), pa.array(parsed.reason, pa.string())]
    return pa.RecordBatch.from_arrays(arrays, schema=arrow_schema(parsed.columns))
