"""The CSV record grammar of :mod:`lanthanide.screen.spec`: the quoting
state machine that finds where a record ends, and :func:`split_record`,
which cuts one record into trimmed fields or says why it cannot."""

from __future__ import annotations

import csv
import re
from contextlib import suppress

DELIMITER = ","
QUOTE = '"'
PADDING = " \t"
"""What may stand between a comma and an opening quote, or a closing quote
and the next comma."""


# the quoting state machine ----------------------------------------------------
START, UNQUOTED, QUOTED, CLOSED = range(4)
"""Field start; inside an unquoted field; inside a quoted field; just after a
quote inside a quoted field (closing, or the first of a doubled quote). After
a stray quote the record is bad and its line break ends it."""


_FIELD_RE = r'(?:[ \t]*"(?:[^"]|"")*"[ \t]*|[^",]*)'
_WELL_FORMED = re.compile(f"{_FIELD_RE}(?:,{_FIELD_RE})*")
"""A record all of whose quotes are well placed (the fast path: what it
accepts, the state machine accepts and splits the same way)."""
_PADDED_QUOTE = re.compile(r'[ \t]"|"[ \t]')
_TOKEN = re.compile(r'[ \t]*"((?:[^"]|"")*)"[ \t]*(?:,|\Z)|([^",]*)(?:,|\Z)')


def _line_end_state(line: str, state: int) -> int:
    """The state after the characters of one line (no line break), from
    ``START`` (a new record) or ``QUOTED`` (a quoted field continues): the
    record ends at the line break unless the result is ``QUOTED``."""
    if QUOTE not in line or (state == START and _WELL_FORMED.fullmatch(line)):
        return state
    for ch in line:
        if state == QUOTED:
            if ch == QUOTE:
                state = CLOSED
        elif state == START:
            if ch == QUOTE:
                state = QUOTED
            elif ch == DELIMITER or ch in PADDING:
                pass
            else:
                state = UNQUOTED
        elif state == UNQUOTED:
            if ch == DELIMITER:
                state = START
            elif ch == QUOTE:
                return START  # a stray quote: the record ends with its line
        elif state == CLOSED:
            if ch == QUOTE:
                state = QUOTED
            elif ch == DELIMITER:
                state = START
            elif ch not in PADDING:
                return START
            else:
                state = _PADDED
        elif state == _PADDED:
            if ch == DELIMITER:
                state = START
            elif ch not in PADDING:
                return START
    if state == QUOTED:
        return QUOTED
    return START


_PADDED = 5
"""After a closing quote and some padding: only padding or a comma may follow."""


def split_record(text: str) -> tuple[list[str] | None, str | None]:
    """The fields of one record (already decoded, line breaks of quoted
    fields included), unquoted and trimmed; or ``(None, why)`` for a stray or
    unclosed quote."""
    if QUOTE not in text:
        return [f.strip() for f in text.split(DELIMITER)], None
    if _WELL_FORMED.fullmatch(text):
        if _PADDED_QUOTE.search(text) is None:
            # no padding beside a quote: the csv module splits it the same way
            with suppress(csv.Error):  # NUL, or a field over its size limit
                return [f.strip() for f in next(csv.reader((text,)))], None
        out: list[str] = []
        pos = 0
        while True:
            m = _TOKEN.match(text, pos)
            if m is None:  # pragma: no cover - the full match above rules it out
                break
            quoted, plain = m.group(1), m.group(2)
            out.append((plain if quoted is None else quoted.replace('""', QUOTE)).strip())
            if not m.group(0).endswith(DELIMITER):
                return out, None
            pos = m.end()
    fields: list[str] = []
    buf: list[str] = []
    state = START
    for i, ch in enumerate(text):
        if state == QUOTED:
            if ch == QUOTE:
                state = CLOSED
            else:
                buf.append(ch)
        elif state == START:
            if ch == QUOTE:
                state = QUOTED
                buf = []  # padding before an opening quote is dropped
            elif ch == DELIMITER:
                fields.append("".join(buf).strip())
                buf = []
            else:
                buf.append(ch)
                if ch not in PADDING:
                    state = UNQUOTED
        elif state == UNQUOTED:
            if ch == DELIMITER:
                fields.append("".join(buf).strip())
                buf, state = [], START
            elif ch == QUOTE:
                return None, f"stray quote at character {i + 1} (inside an unquoted field)"
            else:
                buf.append(ch)
        elif state in (CLOSED, _PADDED):
            if ch == QUOTE and state == CLOSED:
                buf.append(QUOTE)
                state = QUOTED
            elif ch == DELIMITER:
                fields.append("".join(buf).strip())
                buf, state = [], START
            elif ch in PADDING:
                state = _PADDED
            else:
                return None, f"stray quote at character {i} (text after a closing quote)"
    if state == QUOTED:
        return None, "a quoted field is not closed before the end of the file"
    fields.append("".join(buf).strip())
    return fields, None
