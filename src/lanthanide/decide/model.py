"""Inputs and outputs of the determination engine.

Plain frozen dataclasses: they are built tens of thousands of times a second
in batch use. :func:`make_case` validates raw input and raises
:class:`CaseError` naming the field and what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from dataclasses import field as _field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from lanthanide.decide.trace import TraceEntry as TraceEntry
from lanthanide.errors import FieldError
from lanthanide.rules import params as _params
from lanthanide.rules.book import ItemRef
from lanthanide.rules.window import ALWAYS, Window
from lanthanide.vocab import VOCAB

if TYPE_CHECKING:
    from lanthanide.decide.party_model import PartyReading

Verdict = Literal[
    "prohibited",
    "denial_presumed",
    "licence_required",
    "report_required",
    "registration_required",
    "not_controlled",
    "undetermined",
]

RANK: dict[str, int] = {
    "prohibited": 6,
    "denial_presumed": 5,
    "licence_required": 4,
    "report_required": 3,
    "registration_required": 2,
    "not_controlled": 1,
}
"""Strictness of each verdict (``undetermined`` stands outside the ladder)."""

KINDS: tuple[str, ...] = VOCAB.kind_ids
END_USES: tuple[str, ...] = VOCAB.end_use_ids
END_USE_HELP: dict[str, str] = VOCAB.end_use_help
_ISO2 = re.compile(r"^[A-Z]{2}$")
_HS = re.compile(r"^[0-9]{6,10}$")

MAX_END_USER = 500
"""Longest party name accepted (the registry stores up to 500 characters)."""
MAX_TEXT = 2000  # longest free-text description accepted
MAX_CODE = 64


def _not_blank(field: str, value: str | None, *, lines: bool = False) -> str | None:
    """``value`` stripped (Unicode whitespace, including the ideographic space
    U+3000); a given but blank value is a :class:`CaseError`, never a case."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise CaseError(field, f"must be a string, not {type(value).__name__}")
    stripped = value.strip()
    if not stripped:
        raise CaseError(field, "is blank; give a value or leave the field out")
    if not lines and not stripped.isprintable():
        raise CaseError(field, "contains control characters (e.g. a line break)")
    return stripped


class CaseError(FieldError):
    """Invalid case input. ``field`` names the offending field."""


@dataclass(frozen=True, slots=True)
class Case:
    """What is exported, where, for what, when."""

    on: date
    item: str | None = None
    hs: str | None = None
    text: str | None = None
    kind: str | None = None
    destination: str | None = None
    end_use: str | None = None
    end_user: str | None = None
    params: Mapping[str, float | str] = field(default_factory=dict)
    consignee: str | None = None
    """The party that receives the goods, when not the end user (screened
    against the party lists like the end user)."""


def make_case(
    *,
    on: date | str | None = None,
    item: str | None = None,
    hs: str | None = None,
    text: str | None = None,
    kind: str | None = None,
    destination: str | None = None,
    end_use: str | None = None,
    end_user: str | None = None,
    params: Mapping[str, Any] | None = None,
    countries: frozenset[str] | None = None,
    consignee: str | None = None,
) -> Case:
    """Validate raw input into a :class:`Case`.

    ``params`` values may be numbers or strings with units (``"99.995%"``,
    ``"5N"``, ``"40um"``). ``countries`` is the set of known ISO codes; when
    given, ``destination`` must be one of them.
    """
    item, hs, text = (
        _not_blank("item", item),
        _not_blank("hs", hs),
        _not_blank("text", text, lines=True),
    )
    if not (item or hs or text):
        raise CaseError("item", "give at least one of item, hs or text")
    if text is not None and len(text) > MAX_TEXT:
        raise CaseError("text", f"a description may have at most {MAX_TEXT} characters")
    if item is not None and len(item) > MAX_CODE:
        raise CaseError("item", f"an item code may have at most {MAX_CODE} characters")
    end_user = _party_name("end_user", end_user)
    consignee = _party_name("consignee", consignee)
    if on is None:
        day = date.today()
    elif isinstance(on, date):
        day = on
    else:
        try:
            day = date.fromisoformat(on)
        except ValueError:
            raise CaseError("on", f"'{on}' is not a date; use YYYY-MM-DD") from None
    if hs is not None:
        hs = hs.replace(".", "").replace(" ", "")
        if not _HS.match(hs):
            raise CaseError("hs", f"'{hs}' must be 6 to 10 digits (e.g. 2846901500)")
    if kind is not None and kind not in KINDS:
        raise CaseError("kind", f"'{kind}' is not allowed (allowed: {', '.join(KINDS)})")
    if destination is not None:
        destination = destination.strip().upper()
        if not _ISO2.match(destination) or (countries is not None and destination not in countries):
            raise CaseError(
                "destination",
                f"'{destination}' is not an ISO 3166-1 alpha-2 country code (e.g. US, JP, KR, DE)",
            )
        if destination == "CN":
            raise CaseError(
                "destination",
                "'CN' is the exporting country; give the destination outside China "
                "(ISO 3166-1 alpha-2, e.g. US, JP, KR, DE)",
            )
    if end_use is not None and end_use not in END_USES:
        raise CaseError("end_use", f"'{end_use}' is not allowed (allowed: {', '.join(END_USES)})")
    parsed: dict[str, float | str] = {}
    for name, raw in (params or {}).items():
        try:
            if isinstance(raw, bool):
                raise _params.ParamError(f"'{raw}' is not a value for '{name}'")
            if isinstance(raw, int | float):
                p = _params.PARAMS.get(name)
                if p is None:
                    raise _params.ParamError(
                        f"unknown parameter '{name}' (allowed: {_params.known()})"
                    )
                if p.unit is None:
                    raise _params.ParamError(f"'{name}' takes one of: {', '.join(p.choices)}")
                parsed[name] = float(raw)
            else:
                parsed[name] = _params.parse(name, str(raw))
            value = parsed[name]
            if isinstance(value, float):
                why = _params.PARAMS[name].out_of_range(value)
                if why is not None:
                    raise _params.ParamError(f"'{raw}': {why}")
        except _params.ParamError as exc:
            raise CaseError(f"params.{name}", str(exc)) from None
    return Case(
        on=day,
        item=item,
        hs=hs,
        text=text,
        kind=kind,
        destination=destination,
        end_use=end_use,
        end_user=end_user,
        params=parsed,
        consignee=consignee,
    )


def case_json(c: Case) -> dict[str, Any]:
    """``c`` as the JSON of a determination shows it."""
    return {
        "on": c.on.isoformat(),
        "item": c.item,
        "hs": c.hs,
        "text": c.text,
        "kind": c.kind,
        "destination": c.destination,
        "end_use": c.end_use,
        "end_user": c.end_user,
        "consignee": c.consignee,
        "params": dict(c.params),
    }


def _party_name(field: str, name: str | None) -> str | None:
    """A party's name, stripped; blank is an error, as is a name too long."""
    name = _not_blank(field, name)
    if name is not None and len(name) > MAX_END_USER:
        who = "an end user's" if field == "end_user" else "a consignee's"
        raise CaseError(field, f"{who} name may have at most {MAX_END_USER} characters")
    return name


@dataclass(frozen=True, slots=True)
class Ref:
    """A citation as shown in answers."""

    url: str
    tag: str
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class InstrumentRef:
    id: str
    number: str | None
    title: str
    short: str | None = None


@dataclass(frozen=True, slots=True)
class ItemInfo:
    code: str
    code_status: str
    control_code: str | None
    kind: str
    title: str
    title_zh: str | None
    instrument: str


@dataclass(frozen=True, slots=True)
class Validity:
    start: date
    end: date | None


@dataclass(frozen=True, slots=True)
class Finding:
    effect: str
    instrument: InstrumentRef
    item: ItemInfo | None
    control: str
    paragraph: str | None
    control_point: str | None
    reason: str
    validity: Validity
    sources: tuple[Ref, ...]
    matched_by: str | None = None


_NO_PARAMS: Mapping[str, Any] = {}


@dataclass(frozen=True, slots=True)
class Question:
    """A fact the answer needs. ``text`` is rendered from the template of
    ``code`` (:class:`lanthanide.decide.warnings.QuestionCode`) with
    ``params``."""

    field: str
    text: str
    options: tuple[str, ...] = ()
    pending_effect: str | None = None
    """The strictest effect the answer could lead to (None if it cannot
    change the verdict)."""
    instrument: str | None = None
    code: str = ""
    params: Mapping[str, Any] = _field(default_factory=lambda: _NO_PARAMS)


@dataclass(frozen=True, slots=True)
class Warning:
    """A warning. ``text`` is rendered from the template of ``code``
    (:class:`lanthanide.decide.warnings.WarningCode`; duties are
    ``duty:<id>``) with ``params``."""

    code: str
    text: str
    instrument: str | None = None
    params: Mapping[str, Any] = field(default_factory=lambda: _NO_PARAMS)


@dataclass(frozen=True, slots=True)
class Conflict:
    text: str
    findings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Candidate:
    """An item a text may name, as :meth:`lanthanide.decide.Engine.decide`
    takes it (built by ``lanthanide._check`` from the classifier's
    identification)."""

    code: str
    ref: ItemRef
    """The version of the item that applies on the case's date."""
    title: str
    kind: str
    elements: frozenset[str]
    """Elements of every version of the item."""
    control_point: str | None = None


@dataclass(frozen=True, slots=True)
class Reading:
    """What a text names, and how sure the reading is: the input of
    ``decide`` for a case given by text alone.

    * ``sure``: the first candidate is the item;
    * otherwise, with candidates: the text may name any of them;
    * no candidates, or ``weak`` ones only: the text names no encoded item
      with confidence (``weak`` lists the best codes found anyway).
    """

    sure: bool
    candidates: tuple[Candidate, ...]
    weak_candidates: tuple[Candidate, ...] = ()
    """When nothing matched with confidence: the closest rulebook items."""
    weak: tuple[str, ...] = ()
    """Codes of the best classification results, for the warning."""
    params: Mapping[str, float] = field(default_factory=dict)
    """Technical parameters stated in the text."""
    window: Window = ALWAYS
    """Days on which the reading is the same (it prefers items in force)."""


@dataclass(frozen=True, slots=True)
class Alternative:
    """The answer under another reading of an uncertain legal status
    (:mod:`lanthanide.decide.alternatives`): ``findings`` are the instrument
    numbers (or ids) it cites."""

    status: str
    kind: str
    question: str
    reading: str
    text: str
    tag: str
    verdict: str
    findings: tuple[str, ...]
    explanation: str
    sources: tuple[Ref, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "kind": self.kind,
            "question": self.question,
            "reading": self.reading,
            "text": self.text,
            "tag": self.tag,
            "verdict": self.verdict,
            "findings": list(self.findings),
            "explanation": self.explanation,
            "sources": [{"url": r.url, "tag": r.tag, "ref": r.ref} for r in self.sources],
        }


@dataclass(frozen=True, slots=True)
class Determination:
    """The answer. ``window``: the days ``[start, end)`` on which every date
    comparison made for it comes out the same, so the same case on any of
    them gets the same answer (texts quoting the case's date aside);
    ``facts``: the case facts it read (``item``, ``hs``, ``text``, ``kind``,
    ``destination``, ``end_use``, ``end_user``, ``params.<name>``) — a case
    that differs only in facts it did not read gets the same answer."""

    verdict: str
    case: Case
    findings: tuple[Finding, ...]
    questions: tuple[Question, ...]
    warnings: tuple[Warning, ...]
    conflicts: tuple[Conflict, ...]
    matched: tuple[ItemInfo, ...]
    checked: tuple[str, ...]
    trace: tuple[TraceEntry, ...]
    rulebook_version: str
    data_as_of: date
    window: Window
    facts: frozenset[str]
    alternatives: tuple[Alternative, ...] = ()
    """The answer under other readings of an uncertain status bearing on the
    case (the verdict follows the default reading)."""
    parties: PartyReading | None = None
    """The end user's screening against the party lists (when given)."""
    consignee: PartyReading | None = None
    """The consignee's screening (when given)."""

    def to_dict(self, *, trace: bool = True) -> dict[str, Any]:
        """JSON-ready dict (dates as ISO strings). Written out by hand: it is
        on the hot path of the API and of batch output, and
        ``dataclasses.asdict`` is several times slower."""
        out: dict[str, Any] = {
            "verdict": self.verdict,
            "case": case_json(self.case),
            "findings": [_finding(f) for f in self.findings],
            "questions": [
                {
                    "field": q.field,
                    "text": q.text,
                    "options": list(q.options),
                    "pending_effect": q.pending_effect,
                    "instrument": q.instrument,
                    "code": q.code,
                    "params": dict(q.params),
                }
                for q in self.questions
            ],
            "warnings": [
                {
                    "code": w.code,
                    "text": w.text,
                    "instrument": w.instrument,
                    "params": dict(w.params),
                }
                for w in self.warnings
            ],
            "conflicts": [{"text": x.text, "findings": list(x.findings)} for x in self.conflicts],
            "matched": [_item(i) for i in self.matched],
            "checked": list(self.checked),
            "rulebook_version": self.rulebook_version,
            "data_as_of": self.data_as_of.isoformat(),
            "window": self.window.to_dict(),
            "facts": sorted(self.facts),
            "alternatives": [a.to_dict() for a in self.alternatives],
            "parties": self.parties.to_dict() if self.parties is not None else None,
            "consignee": self.consignee.to_dict() if self.consignee is not None else None,
        }
        if trace:
            out["trace"] = [
                {
                    "instrument": t.instrument,
                    "control": t.control,
                    "item": t.item,
                    "outcome": t.outcome,
                }
                for t in self.trace
            ]
        return out


def _item(i: ItemInfo) -> dict[str, Any]:
    return {
        "code": i.code,
        "code_status": i.code_status,
        "control_code": i.control_code,
        "kind": i.kind,
        "title": i.title,
        "title_zh": i.title_zh,
        "instrument": i.instrument,
    }


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "effect": f.effect,
        "instrument": {
            "id": f.instrument.id,
            "number": f.instrument.number,
            "title": f.instrument.title,
            "short": f.instrument.short,
        },
        "item": _item(f.item) if f.item else None,
        "control": f.control,
        "paragraph": f.paragraph,
        "control_point": f.control_point,
        "reason": f.reason,
        "validity": {
            "start": f.validity.start.isoformat(),
            "end": f.validity.end.isoformat() if f.validity.end else None,
        },
        "sources": [{"url": r.url, "tag": r.tag, "ref": r.ref} for r in f.sources],
        "matched_by": f.matched_by,
    }
