"""The rulebook model: instruments, items, controls, periods, suspensions, citations.

Everything here is validated data. One YAML file in ``rulebook/cn/`` holds one
:class:`Instrument`. Dates are half-open periods ``[start, end)``; ``end`` of
``None`` means open-ended.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lanthanide.rules import periods

if TYPE_CHECKING:  # defined on top of this module; registered by rules/status.py
    from lanthanide.rules.catalogue import LicenceCatalogue
    from lanthanide.rules.status import UncertainStatus

Tag = Literal["P", "S", "U"]
"""Reliability: P official text, S secondary reporting, U uncertain."""

Effect = Literal[
    "prohibited",
    "denial_presumed",
    "licence_required",
    "report_required",
    "registration_required",
    "exempt",
]
"""What a control does. ``exempt`` is an explicit exemption (reported as a
conflict when another instrument controls the same thing)."""

Kind = Literal["goods", "technology", "service"]
EndUse = Literal["civil", "military", "wmd", "re-activity-abroad"]
Regime = Literal[
    "dual_use",
    "technology_catalogue",
    "goods_licence",
    "reporting",
    "framework",
    "suspension",
    "statement",
]
InstrumentKind = Literal[
    "law",
    "regulation",
    "announcement",
    "decree",
    "catalogue",
    "reporting_system",
    "list",
    "statement",
]
Status = Literal["in_force", "suspended", "repealed", "expired", "superseded", "unknown"]
Stage = Literal[
    "mining",
    "separation",
    "metal_alloy",
    "magnet",
    "material",
    "product",
    "equipment",
    "technology",
    "other",
]
Op = Literal[">=", ">", "<=", "<", "==", "!=", "in", "between"]

EFFECTS: tuple[str, ...] = (
    "prohibited",
    "denial_presumed",
    "licence_required",
    "report_required",
    "registration_required",
    "exempt",
)
ISO2 = re.compile(r"^[A-Z]{2}$")
HS_RE = re.compile(r"^[0-9]{4,10}$")


class _Strict(BaseModel):
    # defer_build: the validators are built on first validation, not at
    # import, so a process that reads the compiled rulebook from the on-disk
    # cache (rules/stored.py) never builds them.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Source(_Strict):
    """A citation: where a fact comes from and how far to trust it."""

    url: str = Field(min_length=4)
    tag: Tag
    ref: str | None = None
    """Id in the project's source register (e.g. ``W10``, ``L2``, ``R1-F``)."""
    note: str | None = None


class Text(_Strict):
    zh: str | None = None
    en: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Text:
        if not self.zh and not self.en:
            raise ValueError("a text needs at least one of 'zh' or 'en'")
        return self

    def best(self) -> str:
        return self.en or self.zh or ""


class Period(_Strict):
    """Half-open interval of dates ``[start, end)``; ``end`` None = open."""

    start: date
    end: date | None = None
    end_inclusive: date | None = None
    """The last day covered as the source writes it (至 includes the end day);
    ``end`` is then that day + 1 (see :mod:`lanthanide.rules.periods`)."""
    end_uncertain: bool = False
    """True when the end date is as announced but what happened at it is not
    known (e.g. a suspension 'until' a date past ``data_as_of``), or when no
    renewal was found."""
    tag: Tag = "P"
    sources: tuple[Source, ...] = ()

    _inclusive = model_validator(mode="before")(periods.inclusive_end)

    @model_validator(mode="after")
    def _order(self) -> Period:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


class Condition(_Strict):
    """A technical condition on an item: a leaf (``param op value unit``) or a
    combination (``all`` / ``any`` of conditions)."""

    param: str | None = None
    op: Op | None = None
    value: float | str | tuple[float, float] | tuple[str, ...] | None = None
    unit: str | None = None
    all: tuple[Condition, ...] | None = None
    any: tuple[Condition, ...] | None = None
    text: Text | None = None
    """How the source words the condition."""

    @model_validator(mode="after")
    def _shape(self) -> Condition:
        leaf = self.param is not None
        combos = (self.all is not None) + (self.any is not None)
        if leaf and combos:
            raise ValueError("a condition is either a leaf (param/op/value) or all/any, not both")
        if not leaf and combos != 1:
            raise ValueError("a condition needs 'param' with 'op' and 'value', or one of all/any")
        if leaf and (self.op is None or self.value is None):
            raise ValueError(f"condition on '{self.param}' needs both 'op' and 'value'")
        if (
            leaf
            and self.op == "between"
            and not (isinstance(self.value, tuple) and len(self.value) == 2)
        ):
            raise ValueError("'between' needs value: [low, high]")
        return self

    def params(self) -> set[str]:
        if self.param is not None:
            return {self.param}
        out: set[str] = set()
        for c in self.all or self.any or ():
            out |= c.params()
        return out


class HSRef(_Strict):
    """A reference tariff line (参考海关商品编号): 10 digits for a Chinese line,
    fewer when the source gives only a heading."""

    code: str
    tag: Tag = "P"
    note: str | None = None

    @field_validator("code")
    @classmethod
    def _digits(cls, v: str) -> str:
        if not HS_RE.match(v):
            raise ValueError(f"HS code '{v}' must be 4 to 10 digits")
        return v


class Item(_Strict):
    """One controlled thing inside an instrument."""

    code: str = Field(min_length=1)
    code_status: Literal["official", "draft", "local"] = "official"
    """``official``: number or control code as published; ``draft``: from a
    draft, final number unconfirmed; ``local``: an id made by this project
    because the source gives none."""
    control_code: str | None = None
    kind: Kind
    part: Literal["J", "X"] | None = None
    """Technology catalogue part: J prohibited (禁止), X restricted (限制)."""
    title: Text
    control_points: tuple[Text, ...] = ()
    hs: tuple[HSRef, ...] = ()
    elements: tuple[str, ...] = ()
    commodity: str | None = None
    stage: Stage | None = None
    condition: Condition | None = None
    keywords: tuple[str, ...] = ()
    change: Literal["added", "modified", "retained", "unchanged"] | None = None
    sources: tuple[Source, ...] = Field(min_length=1)
    notes: str | None = None


class DeletedItem(_Strict):
    """An item a catalogue version explicitly removes."""

    code: str | None = None
    title: Text
    part: Literal["J", "X"] | None = None
    tag: Tag = "P"
    """U: the deletion is doubtful; the item's status in the version is unknown."""
    sources: tuple[Source, ...] = Field(min_length=1)


class Declared(_Strict):
    """Figures an instrument declares about itself, kept beside what is encoded."""

    total: int | None = None
    prohibited: int | None = None
    restricted: int | None = None
    added: int | None = None
    deleted: int | None = None
    modified: int | None = None
    tag: Tag = "S"
    note: str | None = None
    sources: tuple[Source, ...] = ()


class CatalogueVersion(_Strict):
    """Membership of an instrument in a versioned catalogue."""

    catalogue: str
    version: str
    base: str | None = None
    """Instrument id of the previous version."""
    basis: Literal["full", "adjustment"]
    """``adjustment``: base items not deleted or modified carry over;
    ``full``: a re-issue, base items it does not list have unknown status."""
    valid: Period
    declared: Declared
    deleted: tuple[DeletedItem, ...] = ()


class Coverage(_Strict):
    """A part of an instrument that is only partly encoded."""

    scope: Text
    declared: int | None = None
    encoded: int
    unit: str = "items"
    hs_prefixes: tuple[str, ...] = ()
    """A tariff line under one of these prefixes that matches no encoded item
    is ``undetermined``, not ``not_controlled``."""
    kinds: tuple[Kind, ...] = ("goods",)
    tag: Tag = "S"


class DestinationScope(_Strict):
    mode: Literal["all", "only", "except"] = "all"
    countries: tuple[str, ...] = ()

    @field_validator("countries")
    @classmethod
    def _iso(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for c in v:
            if not ISO2.match(c):
                raise ValueError(f"country '{c}' must be an ISO 3166-1 alpha-2 code like 'US'")
        return v

    @model_validator(mode="after")
    def _need(self) -> DestinationScope:
        if self.mode != "all" and not self.countries:
            raise ValueError(f"destination mode '{self.mode}' needs a list of countries")
        return self

    def covers(self, country: str) -> bool:
        if self.mode == "all":
            return True
        if self.mode == "only":
            return country in self.countries
        return country not in self.countries


# The default of the ``destinations`` fields: built without validation
# (``DestinationScope()`` would build the model's validator at import,
# deferred everywhere else; the defaults need none), equal to it.
ALL_DESTINATIONS = DestinationScope.model_construct()


class Selector(_Strict):
    """What a control applies to. Several keys widen the selection (union)."""

    items: Literal["all"] | tuple[str, ...] | None = None
    """Codes of this instrument's own items, or ``all``."""
    refs: tuple[str, ...] = ()
    """Items of other instruments: ``instrument-id:code`` or ``instrument-id:*``."""
    regimes: tuple[Regime, ...] = ()
    """Every item of any instrument of these regimes (e.g. all dual-use items)."""
    hs_prefixes: tuple[str, ...] = ()
    """Any case whose tariff line falls under these prefixes."""
    elements: tuple[str, ...] = ()
    """Items carrying any of these elements."""
    stages: tuple[Stage, ...] = ()
    """Narrow ``elements`` / ``regimes`` selections to items at these stages."""
    kinds: tuple[Kind, ...] = ()
    """Restrict the selection to these kinds (applied after the union)."""
    anything: bool = False
    """Applies to any case, even when no item matched (catch-all rules)."""
    residual: bool = False
    """With ``anything``: applies only when the case is known not to be in the
    technology catalogue in force (contract registration of free technology)."""


class Control(_Strict):
    """What an instrument does to items, where, for which end uses, when."""

    id: str
    effect: Effect
    applies_to: Selector
    destinations: DestinationScope = ALL_DESTINATIONS
    end_uses: tuple[EndUse, ...] | None = None
    """If set, the control applies only to these end uses (or end users of
    that kind); an unstated end use raises a question."""
    valid: Period
    paragraph: str | None = None
    reason: Text
    sources: tuple[Source, ...] = Field(min_length=1)


class Suspension(_Strict):
    """This instrument suspends controls of another for a period."""

    instrument: str
    controls: tuple[str, ...] | None = None
    """Control ids of the target; None = all its controls."""
    period: Period
    sources: tuple[Source, ...] = Field(min_length=1)


class Duty(_Strict):
    """A horizontal duty that the determination reports as a warning (catch-all
    licensing, declaration remarks, record keeping)."""

    id: str
    text: Text
    valid: Period
    kinds: tuple[Kind, ...] = ("goods", "technology", "service")
    when: Literal["always", "controlled", "rare_earth"] = "always"
    """``always``; ``controlled``: when a finding comes from this instrument, or
    from an instrument of one of ``regimes`` if given; ``rare_earth``: when the
    case concerns a rare-earth item or tariff line."""
    regimes: tuple[Regime, ...] = ()
    destinations: DestinationScope = ALL_DESTINATIONS
    """Report the duty only for cases to these destinations (unstated: report it)."""
    sources: tuple[Source, ...] = Field(min_length=1)


LicenceType = Literal["single", "general", "technology"]
"""Export licence types: 单项许可 ``single``, 通用许可 ``general`` (Dual-Use Items
Export Control Regulations Art. 15) and the technology export licence
(技术出口许可证) ``technology``."""


class Procedure(_Strict):
    """A procedural value of the law, cited: the time limit for deciding a
    licence application or the longest validity of a licence of some types.
    The registry reads these instead of constants."""

    id: str
    kind: Literal["decision_deadline", "max_validity"]
    value: int = Field(gt=0)
    unit: Literal["working_days", "years"]
    licence_types: tuple[LicenceType, ...] = Field(min_length=1)
    valid: Period
    paragraph: str = Field(min_length=1)
    """Where in the instrument, e.g. ``Art. 17(1)``."""
    quote: Text
    """The words of the source that state the value."""
    tag: Tag = "P"
    note: str | None = None
    sources: tuple[Source, ...] = Field(min_length=1)


class Instrument(_Strict):
    """One legal act (law, regulation, announcement, catalogue version)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    number: str | None = None
    number_tag: Tag = "P"
    title: Text
    short: str | None = None
    issuer: tuple[str, ...] = Field(min_length=1)
    kind: InstrumentKind
    regime: Regime
    published: date | None = None
    effective: date | None = None
    ended: date | None = None
    status: Status
    supersedes: tuple[str, ...] = ()
    superseded_by: str | None = None
    verified_on: date
    sources: tuple[Source, ...] = Field(min_length=1)
    catalogue: CatalogueVersion | None = None
    coverage: tuple[Coverage, ...] = ()
    items: tuple[Item, ...] = ()
    controls: tuple[Control, ...] = ()
    suspends: tuple[Suspension, ...] = ()
    duties: tuple[Duty, ...] = ()
    licence_catalogue: LicenceCatalogue | None = None
    """A dual-use licence catalogue table: control codes ↔ tariff lines (rules/catalogue.py)."""
    uncertain: tuple[UncertainStatus, ...] = ()
    """Dated facts of uncertain legal effect and their readings (rules/status.py)."""
    procedures: tuple[Procedure, ...] = ()
    notes: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> Instrument:
        seen: set[str] = set()
        for it in self.items:
            if it.code in seen:
                raise ValueError(f"item code '{it.code}' appears twice")
            seen.add(it.code)
        cids = [c.id for c in self.controls]
        if len(cids) != len(set(cids)):
            raise ValueError("control ids must be unique within an instrument")
        for c in self.controls:
            sel = c.applies_to.items
            if isinstance(sel, tuple):
                for code in sel:
                    if code not in seen:
                        raise ValueError(
                            f"control '{c.id}' names item '{code}', which this instrument "
                            f"does not define (defined: {', '.join(sorted(seen)) or 'none'})"
                        )
        return self
