"""China's party lists as data: announcements, listed entries, measures, status periods.

One YAML file under a ``lists/`` directory of a rulebook (``rulebook/cn/lists/``)
holds one :class:`ListAnnouncement`: the notice that puts entities on one of
MOFCOM's lists — the export-control control list (出口管制管控名单), the watch
list (关注名单), the unreliable entity list (不可靠实体清单) or a countermeasure
order under the Anti-Foreign Sanctions Law (反制清单) — with

- the entries it lists (names in Chinese and English, aliases from the sources,
  country, reliability tag, sources),
- the measures it imposes, as structured effects (:class:`Measure`),
- the periods in which those measures were suspended, stopped or cancelled
  (:class:`StatusPeriod`), each with the instrument or Q&A that did it, and a
  politically announced extension without legal text kept apart
  (:class:`AnnouncedExtension`).

Everything here is validated data; matching names is ``lanthanide.parties``'
job, and applying effects to a determination is ``decide``'s. Dates are
half-open ``[start, end)`` as everywhere in the rulebook.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

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
LIST_TITLES: dict[str, Text] = {
    "control_list": Text(zh="出口管制管控名单", en="export control list (control list)"),
    "watch_list": Text(zh="关注名单", en="watch list"),
    "unreliable_entity_list": Text(zh="不可靠实体清单", en="unreliable entity list"),
    "countermeasure_list": Text(
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
    model_config = ConfigDict(extra="forbid", frozen=True)


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


# ------------------------------------------------------------------ status on a date


@dataclass(frozen=True, slots=True)
class Reading:
    """Another reading of a listing's status on a date (e.g. the political
    extension of a suspension), with its source."""

    status: ListingStatus
    text: Text
    tag: Tag
    sources: tuple[ListSource, ...]


@dataclass(frozen=True, slots=True)
class MeasureStatus:
    """A measure's legal status on a date and the window on which it holds."""

    measure: Measure
    status: ListingStatus | Literal["not_yet"]
    window: Period | None
    """Half-open dates on which this status is the same (None end = open)."""
    by: StatusPeriod | None
    alternatives: tuple[Reading, ...] = ()
    warnings: tuple[Text, ...] = ()

    @property
    def applies(self) -> bool:
        return self.status == "in_force"


def _periods_for(ann: ListAnnouncement, measure_id: str) -> list[StatusPeriod]:
    return sorted(
        (p for p in ann.status if p.measures is None or measure_id in p.measures),
        key=lambda p: p.period.start,
    )


def measure_status(ann: ListAnnouncement, measure: Measure, on: date) -> MeasureStatus:
    """The legal status of one measure of ``ann`` on ``on``.

    The legal reading is what the encoded texts say; a political extension
    without legal text, or a suspension whose start is not dated, becomes an
    alternative reading or a warning — never the answer itself.
    """
    warnings: list[Text] = []
    if on < ann.effective:
        return MeasureStatus(measure, "not_yet", Period(start=date.min, end=ann.effective), None)
    periods = _periods_for(ann, measure.id)
    if on == ann.effective and ann.effective_time:
        warnings.append(
            Text(
                en=f"the listing takes effect at {ann.effective_time} Beijing time on "
                f"{ann.effective.isoformat()}; earlier that day it did not apply",
                zh=f"自{ann.effective.isoformat()} {ann.effective_time}（北京时间）起施行",
            )
        )
    if on > ann.sources_checked_to:
        warnings.append(
            Text(
                en=f"changes to {ann.number} after {ann.sources_checked_to.isoformat()} "
                "(the end of the sources searched) are not encoded",
            )
        )
    for p in periods:
        if p.period.contains(on):
            nxt = [q.period.start for q in periods if q.period.start > p.period.start]
            pend = p.period.end if p.period.end is not None else (min(nxt) if nxt else None)
            return MeasureStatus(
                measure,
                p.status,
                Period(start=p.period.start, end=pend),
                p,
                (),
                tuple(warnings),
            )
    # in force: between the effective date / last period end and the next start
    start = ann.effective
    end: date | None = None
    alternatives: list[Reading] = []
    for p in periods:
        if p.period.end is not None and p.period.end <= on:
            start = max(start, p.period.end)
            ext = p.extension
            if ext is not None and on < ext.until:
                alternatives.append(
                    Reading(
                        status=p.status,
                        text=Text(
                            en=f"{ext.by} stated on {ext.announced.isoformat()} that the "
                            f"arrangement behind this {p.status} period is extended to "
                            f"{ext.until.isoformat()}; no legal text was found up to "
                            f"{ext.checked_to.isoformat()}. Under that reading the measure "
                            f"is still {p.status} on {on.isoformat()}.",
                        ),
                        tag=ext.tag,
                        sources=ext.sources,
                    )
                )
                end = ext.until if end is None else min(end, ext.until)
        elif p.period.start > on:
            end = p.period.start if end is None else min(end, p.period.start)
            if p.start_uncertain:
                warnings.append(
                    Text(
                        en=f"the sources say the {p.status} of these measures was continued "
                        f"from {p.period.start.isoformat()} ({p.by}) without dating its "
                        "beginning: they may already have been suspended on this date",
                    )
                )
                alternatives.append(
                    Reading(status=p.status, text=p.text, tag="U", sources=p.sources)
                )
    return MeasureStatus(
        measure,
        "in_force",
        Period(start=start, end=end),
        None,
        tuple(alternatives),
        tuple(warnings),
    )


# ------------------------------------------------------------------ loading


def error_text(err: object) -> str:
    msg = str(err.get("msg", err)) if isinstance(err, dict) else str(err)
    return msg.removeprefix("Value error, ")


@dataclass(frozen=True, slots=True)
class ListProblem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.message}"


LISTS_DIR = "lists"
"""Files under a directory of this name are list announcements, not instruments."""


def is_list_file(path: Path) -> bool:
    """Whether ``path`` holds a :class:`ListAnnouncement` (it sits in a ``lists/`` folder)."""
    return path.parent.name == LISTS_DIR


def parse_list_file(path: Path) -> tuple[ListAnnouncement | None, list[ListProblem]]:
    """Parse one list announcement file; return it or the problems found."""
    from lanthanide.rules.loader import _Loader, _loc, error_message

    name = f"{LISTS_DIR}/{path.name}"
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as exc:
        return None, [ListProblem(name, "", f"not valid YAML: {exc}")]
    if not isinstance(raw, dict):
        return None, [ListProblem(name, "", "must be a mapping describing one list announcement")]
    try:
        ann = ListAnnouncement.model_validate(raw)
    except ValidationError as exc:
        return None, [
            ListProblem(name, _loc(tuple(err["loc"])), error_message(err)) for err in exc.errors()
        ]
    if path.stem != ann.id:
        return None, [
            ListProblem(name, "id", f"id '{ann.id}' must equal the file name '{path.stem}'")
        ]
    return ann, []


def load_lists(directory: Path | None = None) -> list[ListAnnouncement]:
    """Load and validate every list announcement under ``directory`` (every
    ``*.yaml`` in a ``lists/`` folder, recursively).

    Raises :class:`lanthanide.rules.loader.RulebookError` naming file and field
    of every problem, including duplicate ids and ``amends`` references that
    do not resolve. A directory without ``lists/`` folders gives ``[]``.
    """
    from lanthanide.rules.loader import Problem, RulebookError, default_dir

    root = directory or default_dir()
    files = sorted(f for f in root.rglob("*.yaml") if is_list_file(f))
    problems: list[ListProblem] = []
    out: list[ListAnnouncement] = []
    for f in files:
        ann, probs = parse_list_file(f)
        problems.extend(probs)
        if ann is not None:
            out.append(ann)
    if not problems:
        problems.extend(check_list_references(out))
    if problems:
        raise RulebookError(Problem(p.file, p.path, p.message) for p in problems)
    return out


def apply_adjustments(anns: Iterable[ListAnnouncement]) -> dict[str, ListAnnouncement]:
    """Listing notices by id, with the periods of adjusting acts merged in.
    Raises ``ValueError`` when a target is unknown or the merged periods clash."""
    anns = list(anns)
    out = {a.id: a for a in anns if a.entries}
    extra: dict[str, list[StatusPeriod]] = {}
    for a in anns:
        for adj in a.adjusts:
            if adj.announcement not in out:
                raise ValueError(f"unknown list announcement '{adj.announcement}'")
            extra.setdefault(adj.announcement, []).append(adj.change)
    for target, periods in extra.items():
        out[target] = out[target].with_status(periods)
    return out


def check_list_references(anns: list[ListAnnouncement]) -> list[ListProblem]:
    """Cross-file checks: ids and numbers unique, ``amends`` and ``adjusts``
    resolve, and adjusted announcements stay consistent."""
    problems: list[ListProblem] = []
    by_id: dict[str, ListAnnouncement] = {}
    numbers: dict[tuple[str, str], str] = {}
    for a in anns:
        f = f"{LISTS_DIR}/{a.id}.yaml"
        if a.id in by_id:
            problems.append(ListProblem(f, "id", "duplicate list announcement id"))
        by_id[a.id] = a
        key = (a.list, a.number)
        if key in numbers:
            problems.append(
                ListProblem(f, "number", f"'{a.number}' is already encoded in {numbers[key]}.yaml")
            )
        numbers[key] = a.id
    listing = {i for i, a in by_id.items() if a.entries}
    for a in anns:
        for j, adj in enumerate(a.adjusts):
            if adj.announcement not in listing:
                problems.append(
                    ListProblem(
                        f"{LISTS_DIR}/{a.id}.yaml",
                        f"adjusts[{j}].announcement",
                        f"unknown list announcement '{adj.announcement}' "
                        f"(known: {', '.join(sorted(listing))})",
                    )
                )
    if not problems:
        targets = {adj.announcement: a for a in anns for adj in a.adjusts}
        for target, by in targets.items():
            periods = [adj.change for x in anns for adj in x.adjusts if adj.announcement == target]
            try:
                by_id[target].with_status(periods)
            except ValidationError as exc:
                msg = "; ".join(error_text(e) for e in exc.errors())
                problems.append(
                    ListProblem(
                        f"{LISTS_DIR}/{by.id}.yaml",
                        "adjusts",
                        f"the change to '{target}' does not fit its status periods: {msg}",
                    )
                )
    for a in anns:
        if a.amends is not None and a.amends not in by_id:
            problems.append(
                ListProblem(
                    f"{LISTS_DIR}/{a.id}.yaml",
                    "amends",
                    f"unknown list announcement '{a.amends}' (known: {', '.join(sorted(by_id))})",
                )
            )
    return problems


# ------------------------------------------------------------------ compiled view


@dataclass(frozen=True, slots=True)
class ListedEntry:
    """One entry with the announcement that lists it."""

    announcement: ListAnnouncement
    entry: Entry

    @property
    def uid(self) -> str:
        """Stable id: ``announcement-id#entry-id``."""
        return f"{self.announcement.id}#{self.entry.id}"

    @property
    def list(self) -> ListKind:
        return self.announcement.list

    def sources(self) -> tuple[ListSource, ...]:
        return tuple(self.announcement.source(r) for r in self.entry.sources)

    def measure_statuses(self, on: date) -> tuple[MeasureStatus, ...]:
        """Every measure of the listing notice (and of notices that amend it
        with measures for this entry) with its status on ``on``."""
        return tuple(measure_status(self.announcement, m, on) for m in self.announcement.measures)


class PartyLists:
    """All list announcements of a rulebook, validated and indexed (read-only)."""

    def __init__(self, announcements: Iterable[ListAnnouncement] = ()) -> None:
        given = sorted(announcements, key=lambda a: (a.effective, a.id))
        self.acts: dict[str, ListAnnouncement] = {a.id: a for a in given}
        """Every file as loaded (listing notices and adjusting acts)."""
        self.announcements: dict[str, ListAnnouncement] = apply_adjustments(given)
        """Listing notices, with the status periods of later acts merged in."""
        self.entries: tuple[ListedEntry, ...] = tuple(
            ListedEntry(a, e) for a in self.announcements.values() for e in a.entries
        )
        self.by_uid: dict[str, ListedEntry] = {le.uid: le for le in self.entries}

    def __len__(self) -> int:
        return len(self.entries)

    def __bool__(self) -> bool:
        return bool(self.announcements)

    @property
    def data_as_of(self) -> date | None:
        """The earliest date to which every announcement's sources were
        searched for changes (a later query date gets a warning)."""
        if not self.announcements:
            return None
        return min(a.sources_checked_to for a in self.announcements.values())

    def of(self, kinds: Iterable[str] | None = None) -> tuple[ListedEntry, ...]:
        if kinds is None:
            return self.entries
        wanted = set(kinds)
        return tuple(le for le in self.entries if le.list in wanted)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {k: 0 for k in LIST_KINDS}
        for le in self.entries:
            out[le.list] += 1
        return out

    def canonical_json(self) -> str:
        """Canonical JSON for the rulebook version hash ('' when there are no lists,
        so a book without lists keeps the hash it had)."""
        if not self.announcements:
            return ""
        import json

        data = [a.model_dump(mode="json") for a in self.acts.values()]
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def load_lists_with_overlays(
    root: Path, overlays: Iterable[Path] = ()
) -> list[ListAnnouncement]:
    """The list announcements of ``root`` with those of each overlay directory
    on top (an overlay file with the id of a bundled one replaces it), checked
    together. Problems name the overlay file by its full path."""
    from lanthanide.rules.loader import Problem, RulebookError

    merged: dict[str, ListAnnouncement] = {a.id: a for a in load_lists(root)}
    where: dict[str, str] = {}
    problems: list[Problem] = []
    for d in overlays:
        if not d.is_dir():
            continue  # the instrument overlay reports it
        for f in sorted(f for f in d.rglob("*.yaml") if is_list_file(f)):
            ann, probs = parse_list_file(f)
            problems.extend(Problem(str(f), p.path, p.message) for p in probs)
            if ann is not None:
                merged[ann.id] = ann
                where[ann.id] = str(f)
    if not problems:
        for p in check_list_references(list(merged.values())):
            ident = p.file.removeprefix(f"{LISTS_DIR}/").removesuffix(".yaml")
            problems.append(Problem(where.get(ident, p.file), p.path, p.message))
    if problems:
        raise RulebookError(problems)
    return list(merged.values())
