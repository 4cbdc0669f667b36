"""The typed model of China's party lists: announcements, entries, measures, status periods."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lanthanide.countries import codes as country_codes
from lanthanide.rules.model import EndUse, Period, Tag, Text

ListKind = Literal["control_list", "watch_list", "unreliable_entity_list", "countermeasure_list"]
"""The four lists: 出口管制管控名单, 关注名单, 不可靠实体清单, 反制清单."""

LIST_KINDS: tuple[ListKind, ...] = (
    "control_list",
    "watch_list",
    "unreliable_entity_list",
    "countermeasure_list",
)
# built without validation (``Text(...)`` would build the model's validator at
# import, deferred everywhere else; each has both texts), equal to ``Text(...)``
LIST_TITLES: dict[str, Text] = {
    "control_list": Text.model_construct(
        zh="出口管制管控名单", en="export control list (control list)"
    ),
    "watch_list": Text.model_construct(zh="关注名单", en="watch list"),
    "unreliable_entity_list": Text.model_construct(
        zh="不可靠实体清单", en="unreliable entity list"
    ),
    "countermeasure_list": Text.model_construct(
        zh="反制清单", en="countermeasure list (Anti-Foreign Sanctions Law)"
    ),
}

MeasureKind = Literal[
    # control list
    "dual_use_export_ban",
    "foreign_transfer_ban",
    "stop_ongoing",
    "special_application",
    # watch list
    "no_general_licence",
    "single_licence",
    "risk_assessment",
    "written_undertaking",
    "review_deadline_suspended",
    "stricter_review",
    "military_refused",
    # unreliable entity list
    "import_export_ban",
    "new_investment_ban",
    "entry_ban_managers",
    "work_permit_refused",
    "dealings_ban",
    "named_import_ban",
    "listing_only",
    # countermeasures
    "transactions_ban",
    "unknown_measures",
]
"""What one measure of a listing notice does (see ``docs/parties.md``)."""

Activity = Literal[
    "export",
    "foreign_transfer",
    "import",
    "investment",
    "entry",
    "dealings",
    "procedure",
    "none",
]
"""Which activity a measure bears on. ``export``: an export from China to the
listed party (what a determination asks about); ``foreign_transfer``: foreign
parties passing China-origin items on to the listed party; ``import``: the
listed party selling into China; ``dealings``: any transaction or cooperation
by parties in China with it; ``procedure``: how a licence application is
handled; ``none``: a listing that states no measure."""

EXPORT_ACTIVITIES: tuple[str, ...] = ("export", "dealings", "foreign_transfer")
"""Activities whose measures can change the verdict on a shipment to the party."""

ItemScope = Literal["dual_use", "all", "named"]
"""Which items a measure covers: dual-use items only, anything, or the goods
named in ``Measure.goods``."""

PartyEffect = Literal[
    "prohibited", "denial_presumed", "licence_required", "duty", "unknown", "none"
]
"""What a measure means for an export determination. ``duty``: an obligation
reported as a finding without changing the verdict; ``unknown``: the content of
the measure is not encoded (the answer can never be ``not_controlled``);
``none``: the measure does not bear on an export from China (investment, entry,
imports into China, a bare listing) and is reported for information."""

ListingStatus = Literal["in_force", "suspended", "stopped", "cancelled"]
"""A period's status. ``suspended`` measures come back when the period ends;
``stopped`` (停止实施) and ``cancelled`` (取消) ones do not."""

EFFECT_RANK: dict[str, int] = {
    "prohibited": 0,
    "denial_presumed": 1,
    "unknown": 2,
    "licence_required": 3,
    "duty": 4,
    "none": 5,
}
"""Strictest first; ``unknown`` sits above ``licence_required`` because an
unencoded countermeasure may forbid the export outright."""


class _Strict(BaseModel):
    # defer_build: the validators are built on first validation, not at
    # import, so a process that reads the compiled rulebook from the on-disk
    # cache (rules/stored.py) never builds them.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class ListSource(_Strict):
    """An entry of an announcement's source register."""

    ref: str = Field(min_length=1)
    """Id in the project's source register (``N31``, ``N1``, ``R1`` …)."""
    url: str = Field(min_length=4)
    """A web address, or ``repo:owner/name@commit:path`` for a repository file."""
    tag: Tag
    note: str | None = None


class Measure(_Strict):
    """One measure a listing notice imposes, as a structured effect."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    kind: MeasureKind
    activity: Activity
    items: ItemScope = "all"
    goods: Text | None = None
    """The goods a ``named`` measure covers (e.g. gene sequencers)."""
    effect: PartyEffect
    end_uses: tuple[EndUse, ...] | None = None
    """If set, the measure bears only on these end uses (e.g. military)."""
    text: Text
    """What the measure does, in the project's own words."""
    assumed: bool = False
    """True when the notice's wording was not retrieved and the measure is
    assumed from a sister notice (the tag says how far to trust it)."""
    tag: Tag
    sources: tuple[str, ...] = Field(min_length=1)
    """Refs into the announcement's ``sources``."""

    @model_validator(mode="after")
    def _shape(self) -> Measure:
        if self.items == "named" and self.goods is None:
            raise ValueError("a measure on 'named' items needs 'goods'")
        if self.effect in ("prohibited", "denial_presumed", "licence_required") and (
            self.activity not in EXPORT_ACTIVITIES
        ):
            raise ValueError(
                f"effect '{self.effect}' bears on an export; activity must be one of "
                f"{', '.join(EXPORT_ACTIVITIES)}, not '{self.activity}'"
            )
        return self


class AnnouncedExtension(_Strict):
    """An extension stated politically but with no legal text found (e.g. the
    Kuala Lumpur arrangement extended to 2027-01-10)."""

    until: date
    announced: date
    by: str
    """Who said it (e.g. 商务部美大司负责人)."""
    legal_text_found: bool = False
    checked_to: date
    """Date to which the sources were searched for a legal text."""
    text: Text
    tag: Tag
    sources: tuple[ListSource, ...] = Field(min_length=1)


class StatusPeriod(_Strict):
    """A period in which the announcement's measures are not in force."""

    status: Literal["suspended", "stopped", "cancelled"]
    period: Period
    start_uncertain: bool = False
    """True when the sources say a suspension was *continued* from ``start``
    without dating its beginning: the measures may already have been
    suspended before ``start``."""
    by: str
    """The act that did it (notice number, Q&A, arrangement)."""
    measures: tuple[str, ...] | None = None
    """Ids of the measures concerned; None = all of them."""
    extension: AnnouncedExtension | None = None
    text: Text
    tag: Tag
    sources: tuple[ListSource, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _open(self) -> StatusPeriod:
        if self.status in ("stopped", "cancelled") and self.period.end is not None:
            raise ValueError(f"a '{self.status}' period has no end (stops are final)")
        if self.status == "suspended" and self.period.end is None:
            raise ValueError("a 'suspended' period needs an end date")
        if (
            self.extension is not None
            and self.period.end is not None
            and self.extension.until <= self.period.end
        ):
            raise ValueError(
                f"extension.until {self.extension.until} must be after the period end "
                f"{self.period.end}"
            )
        return self


class Adjustment(_Strict):
    """A later act that suspends, stops or cancels the measures of another list
    announcement (e.g. a MOFCOM notice extending a suspension). It adds a
    status period to ``announcement`` without editing that file."""

    announcement: str
    """Id of the list announcement whose measures change."""
    change: StatusPeriod


class Name(_Strict):
    zh: str | None = None
    en: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Name:
        if not (self.zh or "").strip() and not (self.en or "").strip():
            raise ValueError("a name needs at least one of 'zh' or 'en'")
        return self

    def best(self) -> str:
        return self.en or self.zh or ""


class Entry(_Strict):
    """One listed party of an announcement."""

    id: str = Field(pattern=r"^[0-9]{1,3}$")
    """Position in the announcement's annex (as a string: ``"1"``, ``"2"`` …)."""
    name: Name
    aliases: tuple[str, ...] = ()
    country: str | None = None
    """ISO 3166-1 alpha-2; None when the sources give none (e.g. 'EU')."""
    type: Literal["company", "institution", "person", "other"] = "company"
    parent: str | None = None
    """A parent group the sources name (e.g. 韩华海洋株式会社 for its subsidiaries)."""
    tag: Tag
    sources: tuple[str, ...] = Field(min_length=1)
    """Refs into the announcement's ``sources``."""
    notes: str | None = None

    @field_validator("country")
    @classmethod
    def _iso(cls, v: str | None) -> str | None:
        if v is not None and v not in country_codes():
            raise ValueError(f"country '{v}' is not an ISO 3166-1 alpha-2 code (e.g. 'US', 'JP')")
        return v

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for a in v:
            if not a.strip():
                raise ValueError("an alias may not be empty")
        return v


class ListAnnouncement(_Strict):
    """One notice that lists parties, with its measures and status periods."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    list: ListKind
    number: str = Field(min_length=1)
    """Official number, exactly (e.g. 商务部公告2026年第23号)."""
    number_tag: Tag = "P"
    title: Text | None = None
    issuer: tuple[str, ...] = Field(min_length=1)
    legal_basis: tuple[str, ...] = ()
    announced: date
    effective: date
    effective_time: str | None = Field(default=None, pattern=r"^[0-2][0-9]:[0-5][0-9]$")
    """Beijing time of day the listing takes effect, when the text gives one."""
    amends: str | None = None
    """Id of the announcement whose listed entities this notice adds measures to."""
    verified_on: date
    """When this encoding was last checked against its sources."""
    sources_checked_to: date
    """The sources were searched for changes (suspensions, stops) up to this
    date; later changes are not encoded."""
    tag: Tag
    sources: tuple[ListSource, ...] = Field(min_length=1)
    measures: tuple[Measure, ...] = ()
    status: tuple[StatusPeriod, ...] = ()
    entries: tuple[Entry, ...] = ()
    adjusts: tuple[Adjustment, ...] = ()
    """Status changes this act makes to other announcements (a file may hold
    only these: an adjusting notice lists no entries of its own)."""
    declared_entries: int | None = None
    """How many entities the notice names, when the sources say so and not all
    are encoded (coverage)."""
    complete: bool = True
    """False when the notice names more parties than are encoded (its full list
    was not retrieved): a name that matches nothing is not cleared by it."""
    notes: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> ListAnnouncement:
        if not self.adjusts and (not self.entries or not self.measures):
            raise ValueError(
                "a list announcement needs 'entries' and 'measures' (or, for an act that "
                "only changes other announcements, 'adjusts')"
            )
        if bool(self.entries) != bool(self.measures):
            raise ValueError("'entries' and 'measures' go together: give both or neither")
        if self.effective < self.announced:
            raise ValueError(f"effective {self.effective} is before announced {self.announced}")
        refs = [s.ref for s in self.sources]
        if len(refs) != len(set(refs)):
            raise ValueError("source refs must be unique within an announcement")
        known = set(refs)

        def check(where: str, used: Iterable[str]) -> None:
            for r in used:
                if r not in known:
                    raise ValueError(
                        f"{where} cites source '{r}', which 'sources' does not define "
                        f"(defined: {', '.join(sorted(known))})"
                    )

        mids = [m.id for m in self.measures]
        if len(mids) != len(set(mids)):
            raise ValueError("measure ids must be unique within an announcement")
        for m in self.measures:
            check(f"measure '{m.id}'", m.sources)
        ids = [e.id for e in self.entries]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"entry id(s) {', '.join(dup)} appear twice")
        for e in self.entries:
            check(f"entry '{e.id}'", e.sources)
        for p in self.status:
            if p.period.start < self.effective:
                raise ValueError(
                    f"status period starting {p.period.start} is before the listing takes "
                    f"effect ({self.effective})"
                )
            for mid in p.measures or ():
                if mid not in mids:
                    raise ValueError(
                        f"status period names measure '{mid}', not defined here "
                        f"(measures: {', '.join(mids)})"
                    )
        ordered = sorted(self.status, key=lambda p: p.period.start)
        for a, b in pairwise(ordered):
            overlap = a.period.end is None or a.period.end > b.period.start
            if overlap and not (
                a.measures and b.measures and set(a.measures).isdisjoint(b.measures)
            ):
                raise ValueError(
                    f"status periods overlap: {a.status} from {a.period.start} and "
                    f"{b.status} from {b.period.start}"
                )
        if self.declared_entries is not None and self.declared_entries < len(self.entries):
            raise ValueError(
                f"declared_entries {self.declared_entries} is less than the "
                f"{len(self.entries)} entries encoded"
            )
        return self

    def with_status(self, extra: Iterable[StatusPeriod]) -> ListAnnouncement:
        """A copy with more status periods (validated like the file itself)."""
        data = self.model_dump()
        data["status"] = [*data["status"], *(p.model_dump() for p in extra)]
        return ListAnnouncement.model_validate(data)

    def source(self, ref: str) -> ListSource:
        for s in self.sources:
            if s.ref == ref:
                return s
        raise KeyError(ref)
