"""The project's vocabularies as typed, immutable values, read once from the
YAML files in ``vocab/data/``.

Frozen dataclasses rather than pydantic models: the vocabulary is loaded when
``lanthanide.vocab`` is first imported, on the path of every command, and a
few hundred small records do not need a validation framework. The loader is
strict all the same: an unknown or missing key, a wrong type or a reference
to an undefined group or unit raises :class:`VocabularyError` naming the file
and the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction


class VocabularyError(ValueError):
    """A vocabulary data file is malformed. The message names file and field."""


@dataclass(frozen=True, slots=True)
class Label:
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Source:
    url: str
    tag: str
    """Reliability: P official text, S secondary, U uncertain."""
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Term:
    """One value of a closed vocabulary (kind, end use, role, ...)."""

    id: str
    label: Label
    help: str


@dataclass(frozen=True, slots=True)
class Kind(Term):
    classify: bool = True
    """The classifier ranks catalogue items of this kind."""


@dataclass(frozen=True, slots=True)
class EndUse(Term):
    basis: tuple[str, ...] = ()
    """Ids of the instruments whose controls are conditioned on this end use."""


@dataclass(frozen=True, slots=True)
class ElementGroup(Term):
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True, slots=True)
class Element:
    symbol: str
    name: Label
    aliases_en: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    glossary: bool = True
    """The classifier's glossary matches this element's names and symbol."""

    @property
    def id(self) -> str:
        """The classifier's concept id: the symbol in lower case."""
        return self.symbol.lower()

    @property
    def names_en(self) -> tuple[str, ...]:
        return (self.name.en, *self.aliases_en)


@dataclass(frozen=True, slots=True)
class SupplySpec:
    stages: tuple[str, ...]
    """Production stages, upstream first; final demand follows the last."""
    unit: str
    network: bool = True
    """False when the data gives shares only (no network can be built)."""


@dataclass(frozen=True, slots=True)
class Commodity(Term):
    aliases: tuple[str, ...] = ()
    supply: SupplySpec | None = None
    """Set for the commodities the supply model has data for."""


@dataclass(frozen=True, slots=True)
class Unit:
    spelling: str
    unit: str
    """Canonical unit."""
    factor: Fraction = Fraction(1)
    """Exact factor from this spelling to the canonical unit."""


@dataclass(frozen=True, slots=True)
class TextForm:
    """How a parameter is read from free text."""

    units: tuple[str, ...]
    not_followed_by: str | None = None
    """``letter`` or ``alnum``: what may not follow the unit."""
    cues: tuple[str, ...] = ()
    min_without_cue: float | None = None


@dataclass(frozen=True, slots=True)
class Param:
    """A technical parameter of item conditions."""

    id: str
    unit: str | None
    """Canonical unit; None for categorical parameters."""
    label: Label
    help: str
    choices: tuple[str, ...] = ()
    choice_terms: tuple[Term, ...] = ()
    nines: bool = False
    """Accepts nines notation (5N, 4N5, 4.5N)."""
    text: TextForm | None = None
    above: float | None = None
    """Values must be greater than this (exclusive minimum)."""
    min: float | None = None
    max: float | None = None

    @property
    def name(self) -> str:
        return self.id

    def out_of_range(self, value: float) -> str | None:
        """Why ``value`` (in the canonical unit) is not a possible value, or None."""
        unit = self.unit or ""
        if not math.isfinite(value):
            return f"{value} is not a finite number"
        if self.above is not None and value <= self.above:
            return (
                f"{value:g} {unit} is not possible: it must be greater than {self.above:g} {unit}"
            )
        if self.min is not None and value < self.min:
            return f"{value:g} {unit} is not possible: it must be at least {self.min:g} {unit}"
        if self.max is not None and value > self.max:
            return f"{value:g} {unit} is not possible: it must be at most {self.max:g} {unit}"
        return None

    @property
    def description(self) -> str:
        return self.help


@dataclass(frozen=True, slots=True)
class Vocabulary:
    elements: tuple[Element, ...]
    element_groups: tuple[ElementGroup, ...]
    kinds: tuple[Kind, ...]
    end_uses: tuple[EndUse, ...]
    roles: tuple[Term, ...]
    commodities: tuple[Commodity, ...]
    units: Mapping[str, Unit]
    """By spelling (lower case, no spaces)."""
    conversions: Mapping[tuple[str, str], Fraction]
    params: Mapping[str, Param]
    _groups: Mapping[str, tuple[str, ...]] = field(repr=False, default_factory=dict)

    # ---- id tuples, in data order
    @property
    def kind_ids(self) -> tuple[str, ...]:
        return tuple(k.id for k in self.kinds)

    @property
    def classify_kind_ids(self) -> tuple[str, ...]:
        return tuple(k.id for k in self.kinds if k.classify)

    @property
    def end_use_ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.end_uses)

    @property
    def end_use_help(self) -> dict[str, str]:
        return {e.id: e.help for e in self.end_uses}

    @property
    def role_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.roles)

    @property
    def commodity_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.commodities)

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(e.symbol for e in self.elements)

    def group(self, group_id: str) -> tuple[str, ...]:
        """Symbols of the elements in a group, in data order."""
        try:
            return self._groups[group_id]
        except KeyError:
            known = ", ".join(g.id for g in self.element_groups)
            raise KeyError(f"unknown element group '{group_id}' (known: {known})") from None

    @property
    def rare_earths(self) -> tuple[str, ...]:
        """The 17 rare-earth symbols (Rare Earth Management Regulations, Art. 30)."""
        return self.group("rare_earth")

    def commodity(self, name: str) -> Commodity | None:
        """The commodity spelled ``name`` or one of its aliases."""
        for c in self.commodities:
            if name == c.id or name in c.aliases:
                return c
        return None
