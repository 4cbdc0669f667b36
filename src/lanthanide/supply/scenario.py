"""Scenario files: the YAML schema (pydantic) and loading with field paths.

See ``docs/supply.md`` for every key, its unit and default. A bad file
raises :class:`ScenarioError` with one message per problem, each naming the
field path and what is allowed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from lanthanide.supply.commodities import COMMODITIES, canonical

StageName = Literal["mining", "refining", "separation", "metal_alloy", "magnet"]


class ScenarioError(ValueError):
    """An invalid scenario; ``problems`` are ``(path, message)`` pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p}: {m}" for p, m in problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _iso(v: str) -> str:
    from lanthanide.countries import codes

    if v != "ZZ" and v not in codes():
        raise ValueError(
            f"'{v}' is not an ISO 3166-1 alpha-2 code (e.g. US, JP, DE; ZZ = other countries)"
        )
    return v


class Assumptions(_Strict):
    licence_block_fraction: float = Field(0.5, ge=0.0, le=1.0)
    """Share of the controlled flow a ``licence_required`` control blocks."""
    denial_block_fraction: float = Field(1.0, ge=0.0, le=1.0)
    """Share blocked by ``denial_presumed`` (``prohibited`` always blocks 1.0)."""
    end_use_share: float = Field(0.0, ge=0.0, le=1.0)
    """Share of a flow going to the end uses an end-use-conditional control names."""
    spare_capacity: float = Field(0.15, ge=0.0, le=10.0)
    """Capacity above baseline output where the data gives no capacity (fraction)."""
    demand_growth: float = Field(0.0, ge=-0.5, le=1.0)
    """Yearly demand growth from the base year (fraction)."""
    element_resolved: bool = True
    """Split the network by element group where the data gives element
    shares (rare earths: La+Ce, Nd+Pr, SEG+); false = one pooled content
    unit per stage, as before."""


class DestinationsMixin(_Strict):
    destinations: Literal["all"] | list[str] = "all"
    destinations_except: list[str] = []

    @field_validator("destinations")
    @classmethod
    def _dest(cls, v: Literal["all"] | list[str]) -> Literal["all"] | list[str]:
        if isinstance(v, list):
            if not v:
                raise ValueError("give at least one country, or 'all'")
            return [_iso(c) for c in v]
        return v

    @field_validator("destinations_except")
    @classmethod
    def _exc(cls, v: list[str]) -> list[str]:
        return [_iso(c) for c in v]


class AdHocControl(DestinationsMixin):
    """A control written in the scenario: exporter, stages, destinations, fraction."""

    kind: Literal["ad_hoc"] = "ad_hoc"
    name: str | None = None
    exporter: str = "CN"
    stages: Literal["all"] | list[StageName] = "all"
    commodity: str | None = None
    fraction: float = Field(1.0, ge=0.0, le=1.0)
    years: list[int] | None = None

    @field_validator("exporter")
    @classmethod
    def _ex(cls, v: str) -> str:
        return _iso(v)


class RulebookControl(_Strict):
    """A control taken from the rulebook: an instrument applied on a date."""

    kind: Literal["rulebook"] = "rulebook"
    rulebook: str = Field(min_length=1, description="instrument id, e.g. cn-mofcom-gac-2023-23")
    on: date
    licence_block_fraction: float | None = Field(None, ge=0.0, le=1.0)
    element_coverage: (
        Annotated[float, Field(ge=0.0, le=1.0)]
        | dict[StageName, Annotated[float, Field(ge=0.0, le=1.0)]]
        | None
    ) = None
    """Share of the stage flow made of the elements the items name: one
    share for every stage, or a share per stage; it replaces the derived
    coverage at those stages. Unset (or a stage left out): derived from the
    items' elements — by element group in the element-resolved network, or
    the whole stage flow in a pooled one (an upper bound, with a warning)."""
    only_destinations: list[str] | None = None
    """Narrow the rulebook's destination scope to these countries."""
    years: list[int] | None = None

    @field_validator("only_destinations")
    @classmethod
    def _od(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else [_iso(c) for c in v]


class Buildout(_Strict):
    country: str
    stage: StageName
    year: int = Field(ge=1990, le=2100)
    capacity: float = Field(gt=0)
    """Capacity added from ``year`` on, in the commodity's unit per year."""

    @field_validator("country")
    @classmethod
    def _c(cls, v: str) -> str:
        return _iso(v)


class Scenario(_Strict):
    name: str = Field(min_length=1)
    description: str | None = None
    commodity: str
    base_year: int = Field(ge=1990, le=2100)
    years: list[int] | None = None
    edition: str | None = None
    assumptions: Assumptions = Assumptions()
    controls: list[Annotated[RulebookControl | AdHocControl, Field(discriminator="kind")]] = []
    buildout: list[Buildout] = []
    demand: dict[str, float] = {}
    """Override final demand per country (commodity unit per year)."""

    @field_validator("commodity")
    @classmethod
    def _com(cls, v: str) -> str:
        c = canonical(v)
        if c is None:
            raise ValueError(f"'{v}' is not allowed (allowed: {', '.join(COMMODITIES)})")
        if not COMMODITIES[c].network:
            raise ValueError(f"'{c}' has shares only in the data; no scenario can run on it")
        return c

    @field_validator("demand")
    @classmethod
    def _dem(cls, v: dict[str, float]) -> dict[str, float]:
        for k, x in v.items():
            _iso(k)
            if x < 0:
                raise ValueError(f"demand for {k} must be >= 0")
        return v

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        stages = COMMODITIES[self.commodity].stages
        for b in self.buildout:
            if b.stage not in stages:
                raise ValueError(
                    f"buildout stage '{b.stage}' is not a stage of {self.commodity} "
                    f"(allowed: {', '.join(stages)})"
                )
        for c in self.controls:
            if isinstance(c, AdHocControl):
                if c.commodity is not None and canonical(c.commodity) != self.commodity:
                    raise ValueError(
                        f"control commodity '{c.commodity}' differs from the scenario's "
                        f"'{self.commodity}'"
                    )
                if c.stages != "all":
                    bad = [s for s in c.stages if s not in stages]
                    if bad:
                        raise ValueError(
                            f"control stages {bad} are not stages of {self.commodity} "
                            f"(allowed: {', '.join(stages)})"
                        )
        return self

    @property
    def run_years(self) -> list[int]:
        return sorted(set(self.years or [self.base_year]))


def _discriminate(raw: Any) -> Any:
    if isinstance(raw, dict) and isinstance(raw.get("controls"), list):
        ctl = []
        for c in raw["controls"]:
            if isinstance(c, dict) and True in c and "on" not in c:
                # YAML 1.1 reads an unquoted `on:` key as the boolean true
                c = {("on" if k is True else k): v for k, v in c.items()}
            if isinstance(c, dict) and "kind" not in c:
                c = {**c, "kind": "rulebook" if "rulebook" in c else "ad_hoc"}
            ctl.append(c)
        raw = {**raw, "controls": ctl}
    return raw


def parse(raw: Any) -> Scenario:
    """Validate a parsed YAML/JSON document."""
    from lanthanide.rules.loader import _loc, error_message

    if not isinstance(raw, dict):
        raise ScenarioError(
            [
                (
                    "(file)",
                    "a scenario is a mapping with keys name, commodity, base_year, controls, ...",
                )
            ]
        )
    try:
        return _model().model_validate(_discriminate(raw))
    except ValidationError as exc:
        probs = []
        for e in exc.errors():
            loc = list(e["loc"])
            orig = list(loc)
            if len(loc) > 3 and loc[0] == "controls" and loc[2] in ("rulebook", "ad_hoc"):
                del loc[2]
            msg = error_message(e)
            if e["type"] == "extra_forbidden":
                msg = f"unknown key (allowed: {', '.join(_allowed(orig))})"
            probs.append((_loc(tuple(loc)), msg))
        raise ScenarioError(probs) from None


def _model() -> type[Scenario]:
    return Scenario


def _allowed(loc: list[int | str]) -> list[str]:
    model: type[BaseModel] = Scenario
    sub: dict[str, type[BaseModel]] = {"assumptions": Assumptions, "buildout": Buildout}
    if len(loc) >= 2 and loc[0] in sub:
        model = sub[str(loc[0])]
    elif len(loc) >= 3 and loc[0] == "controls" and loc[2] in ("rulebook", "ad_hoc"):
        model = RulebookControl if loc[2] == "rulebook" else AdHocControl
    return sorted(model.model_fields)


def load(path: Path) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError([("FILE", f"cannot read '{path}': {exc.strerror}")]) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError([("FILE", f"not valid YAML: {exc}")]) from None
    return parse(raw)
