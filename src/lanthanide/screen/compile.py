"""Compile the rulebook into relational tables and the key space of a batch.

Two products:

* :func:`rule_rows` — the rulebook as one flat relation: item × reference
  tariff line × validity interval × destination scope × effect × condition,
  with the suspensions of each control as their own rows. Written out by
  ``lanthanide screen rules`` and shipped to both engines as a table.
* :class:`KeySpace` — what of a declaration line the determination can depend
  on. A tariff line that shares no prefix with any line, prefix or coverage
  marker of the rulebook behaves like every other such line; a destination
  that no destination scope names behaves like every other unnamed one; dates
  between two consecutive dates of the rulebook behave alike (every date the
  rulebook mentions is its own one-day interval, so each ``>=``/``<``/``>``
  comparison the engine makes is constant inside an interval); parameters
  matter only when a condition of an item related to the tariff line reads
  them. A batch therefore has few distinct *keys*, however many lines.

Over-inclusion is always safe (it only adds keys); the property tests check
that each key's determination equals ``decide()`` on every line mapped to it.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from lanthanide.countries import codes
from lanthanide.decide import CaseError, make_case
from lanthanide.decide.notices import rare_earth_prefixes
from lanthanide.rules.book import Rulebook
from lanthanide.rules.params import PARAMS

OTHER = "*"
"""Key of every tariff line or destination the rulebook does not mention."""
ON_TOKEN = "@@ON@@"
"""Stands for the line's own date in texts decided for a multi-day interval."""
_DATE = re.compile(r"\b[0-9]{4}-[0-9]{2}-[0-9]{2}\b")
_FLAGS = {
    "hs": "--hs",
    "destination": "--to",
    "on": "--on",
    "end_use": "--end-use",
    "end_user": "--end-user",
    "consignee": "--consignee",
}
_PROBE_DAY = date(2000, 1, 1)
_PROBE_HS = "0000000000"

RULE_COLUMNS: tuple[str, ...] = (
    "instrument",
    "number",
    "control",
    "effect",
    "item",
    "tariff_line",
    "valid_from",
    "valid_to",
    "scope_mode",
    "scope_countries",
    "end_uses",
    "condition",
    "suspended_by",
    "suspended_from",
    "suspended_to",
)


def rule_rows(book: Rulebook) -> list[tuple[str | None, ...]]:
    """The compiled controls as rows of :data:`RULE_COLUMNS` (one row per
    control × selected item × reference tariff line × suspension; controls
    selecting by tariff-line prefix or anything carry the prefix / no item)."""
    rows: list[tuple[str | None, ...]] = []
    selected: dict[str, set[tuple[str, str]]] = {}
    for key, ccs in book.controls_by_item.items():
        for cc in ccs:
            selected.setdefault(cc.uid, set()).add(key)
    for cc in book.controls:
        ctl = cc.control
        base = (
            cc.instrument.id,
            cc.instrument.number,
            ctl.id,
            ctl.effect,
        )
        scope = (
            ctl.destinations.mode,
            ",".join(ctl.destinations.countries),
            ",".join(ctl.end_uses) if ctl.end_uses is not None else None,
        )
        targets: list[tuple[str | None, str | None, str | None]] = []
        for inst_id, code in sorted(selected.get(cc.uid, ())):
            item = book.by_key[(inst_id, code)].item
            cond = (
                json.dumps(item.condition.model_dump(mode="json", exclude_none=True))
                if item.condition is not None
                else None
            )
            lines: list[str | None] = [*sorted({h.code for h in item.hs})] or [None]
            targets += [(f"{inst_id}:{code}", line, cond) for line in lines]
        targets += [(None, p, None) for p in ctl.applies_to.hs_prefixes]
        if not targets:
            targets.append((None, None, None))
        sus: list[tuple[str | None, str | None, str | None]] = [
            (s.by.id, s.suspension.period.start.isoformat(), _iso(s.suspension.period.end))
            for s in cc.suspensions
        ] or [(None, None, None)]
        for item_key, line, cond in targets:
            for s in sus:
                rows.append(
                    (
                        *base,
                        item_key,
                        line,
                        ctl.valid.start.isoformat(),
                        _iso(ctl.valid.end),
                        *scope[:2],
                        scope[2],
                        cond,
                        *s,
                    )
                )
    return rows


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


@dataclass(frozen=True, slots=True)
class Key:
    """The rule-relevant part of a declaration line."""

    hs: str
    destination: str
    bucket: int
    end_use: str
    params: str
    """Canonical JSON of the parsed parameters (all of them)."""
    end_user: str = ""
    """The end user's name ('' when none); with a name, ``destination`` is
    the line's own (the name is screened for that country)."""
    consignee: str = ""
    """The consignee's name ('' when none), screened like the end user."""


class KeySpace:
    """Maps raw column values to normalised values and keys, validating them
    exactly as ``lanthanide check`` does."""

    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self.countries = codes()
        prefixes: set[str] = set(book.hs_prefix)
        for cc in book.hs_controls:
            prefixes |= set(cc.control.applies_to.hs_prefixes)
        for _, cov in book.coverage:
            prefixes |= set(cov.hs_prefixes)
        prefixes |= set(rare_earth_prefixes(book))
        self._prefixes = frozenset(prefixes)
        self._heads = frozenset(p[:k] for p in prefixes for k in range(1, len(p) + 1))
        self._item_lines: list[tuple[str, frozenset[str]]] = [
            (h.code, frozenset(r.item.condition.params()))
            for r in book.item_refs
            if r.item.condition is not None
            for h in r.item.hs
        ]
        named: set[str] = set()
        for cc in book.controls:
            named |= set(cc.control.destinations.countries)
        self.named_countries = frozenset(named)
        self.other_country = min(c for c in self.countries if c not in named and c != "CN")
        if self.relevant_hs(_PROBE_HS):
            raise RuntimeError(f"{_PROBE_HS} is a tariff line of the rulebook; pick another probe")
        # interval boundaries: every date the rulebook mentions, and the day after
        dump = json.dumps(
            [i.model_dump(mode="json") for i in book.instruments.values()], ensure_ascii=False
        )
        # the party lists' dates too: an end user's screening changes on them
        lists = book.lists.canonical_json()
        self.rule_dates = frozenset(
            {date.fromisoformat(d) for d in _DATE.findall(dump + lists)} | {book.data_as_of}
        )
        bounds = sorted(self.rule_dates | {d + timedelta(days=1) for d in self.rule_dates})
        self.bounds: list[date] = bounds
        if ON_TOKEN in dump:
            raise RuntimeError(f"the rulebook text contains the token {ON_TOKEN}")

    # ------------------------------------------------------------ tariff lines
    def relevant_hs(self, hs: str) -> bool:
        """Whether ``hs`` shares a prefix relation with any tariff line,
        heading, control prefix or coverage prefix of the rulebook (either
        starts with the other)."""
        if hs in self._heads:
            return True
        return any(hs[:k] in self._prefixes for k in range(1, len(hs)))

    def params_for(self, hs: str) -> frozenset[str]:
        """Parameters that a condition of an item related to ``hs`` reads."""
        out: set[str] = set()
        for line, names in self._item_lines:
            if line.startswith(hs) or hs.startswith(line):
                out |= names
        return frozenset(out)

    def hs_value(self, raw: str) -> tuple[str | None, str | None, str | None]:
        """raw -> (normalised line, key, reject reason)."""
        if not raw.strip():
            return None, None, "tariff_line (--hs): missing; every line needs a tariff line"
        try:
            case = make_case(hs=raw, on=_PROBE_DAY)
        except CaseError as exc:
            return None, None, _reason("tariff_line", exc)
        hs = case.hs
        assert hs is not None
        return hs, hs if self.relevant_hs(hs) else OTHER, None

    # ------------------------------------------------------------ destinations
    def destination_value(self, raw: str) -> tuple[str | None, str | None, str | None]:
        if raw == "":
            return None, "", None
        try:
            case = make_case(hs=_PROBE_HS, on=_PROBE_DAY, destination=raw, countries=self.countries)
        except CaseError as exc:
            return None, None, _reason("destination", exc)
        dest = case.destination
        assert dest is not None
        return dest, dest if dest in self.named_countries else OTHER, None

    def representative_destination(self, key: str) -> str | None:
        if key == "":
            return None
        return self.other_country if key == OTHER else key

    # ------------------------------------------------------------ dates
    def date_value(self, raw: str) -> tuple[str | None, int | None, str | None]:
        if not raw.strip():
            return None, None, "date (--on): missing; every line needs its export date"
        try:
            case = make_case(hs=_PROBE_HS, on=raw)
        except CaseError as exc:
            return None, None, _reason("date", exc)
        return case.on.isoformat(), bisect.bisect_right(self.bounds, case.on), None

    def representative_date(self, bucket: int) -> tuple[date, bool]:
        """The day a bucket is decided on, and whether texts must have that
        day replaced by each line's own date (multi-day intervals only)."""
        if bucket == 0:
            return self.bounds[0] - timedelta(days=1), True
        start = self.bounds[bucket - 1]
        single = bucket < len(self.bounds) and self.bounds[bucket] == start + timedelta(days=1)
        return start, not single

    def bucket_span(self, bucket: int) -> tuple[date | None, date | None]:
        """First and last day of a bucket (``None``: unbounded)."""
        lo = self.bounds[bucket - 1] if bucket > 0 else None
        hi = self.bounds[bucket] - timedelta(days=1) if bucket < len(self.bounds) else None
        return lo, hi

    def buckets_within(self, lo: date | None, hi: date | None) -> range:
        """The buckets that lie wholly inside the days ``lo`` to ``hi``
        (inclusive; ``None``: unbounded)."""
        first = 0 if lo is None else bisect.bisect_left(self.bounds, lo) + 1
        last = (
            len(self.bounds)
            if hi is None
            else bisect.bisect_right(self.bounds, hi + timedelta(days=1)) - 1
        )
        return range(first, last + 1)

    # ------------------------------------------------------------ end use, params
    def end_use_value(self, raw: str) -> tuple[str | None, str | None, str | None]:
        if raw == "":
            return None, "", None
        try:
            make_case(hs=_PROBE_HS, on=_PROBE_DAY, end_use=raw)
        except CaseError as exc:
            return None, None, _reason("end_use", exc)
        return raw, raw, None

    def end_user_value(self, raw: str) -> tuple[str | None, str | None, str | None]:
        """raw -> (name, key, reject reason); the key is the name as ``check``
        takes it (trimmed), '' when none."""
        return self._party_value("end_user", raw)

    def consignee_value(self, raw: str) -> tuple[str | None, str | None, str | None]:
        """The same as :meth:`end_user_value` for the ``consignee`` column."""
        return self._party_value("consignee", raw)

    def _party_value(self, field: str, raw: str) -> tuple[str | None, str | None, str | None]:
        if raw == "":
            return None, "", None
        try:
            if field == "consignee":
                case = make_case(hs=_PROBE_HS, on=_PROBE_DAY, consignee=raw)
            else:
                case = make_case(hs=_PROBE_HS, on=_PROBE_DAY, end_user=raw)
        except CaseError as exc:
            return None, None, _reason(field, exc)
        name: str | None = getattr(case, field)
        return name, name, None

    def params_value(self, raw: str) -> tuple[str | None, str | None]:
        """raw ``name=value;name=value`` -> (canonical JSON, reject reason)."""
        given: dict[str, str] = {}
        for part in (p for p in raw.split(";") if p.strip()):
            name, sep, value = part.partition("=")
            if not sep or not name.strip() or not value.strip():
                return None, (
                    f"params (--param): '{part.strip()}' must look like name=value "
                    "(e.g. purity=99.995%); separate several with ';'"
                )
            given[name.strip()] = value.strip()
        try:
            case = make_case(hs=_PROBE_HS, on=_PROBE_DAY, params=given)
        except CaseError as exc:
            return None, _reason("params", exc)
        return json.dumps(dict(sorted(case.params.items()))), None

    def decision_params(self, hs_key: str, params_json: str) -> dict[str, float | str]:
        if hs_key == OTHER:
            return {}
        wanted = self.params_for(hs_key)
        parsed: Mapping[str, Any] = json.loads(params_json)
        return {k: v for k, v in parsed.items() if k in wanted}


def _reason(column: str, exc: CaseError) -> str:
    flag = _FLAGS.get(exc.field)
    if flag is None and exc.field.startswith("params."):
        flag = "--param " + exc.field.split(".", 1)[1]
    return f"{column} ({flag or exc.field}): {exc.message}"


def param_names() -> tuple[str, ...]:
    return tuple(sorted(PARAMS))
