"""The sourced supply data shipped with the package (``supply/data/*.csv``).

Every row carries a source URL and a reliability tag (P, P*, S, U); rows
from USGS Mineral Commodity Summaries also carry the edition. ``OTHER`` in
the files is the unattributed remainder, mapped to the code ``ZZ`` in the
network; ``WORLD`` is the world total.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

OTHER = "ZZ"
"""Pseudo-country for the unattributed remainder ("other countries")."""


@dataclass(frozen=True, slots=True)
class Figure:
    commodity: str
    country: str
    year: int | None
    measure: str
    value: float
    unit: str
    edition: str
    source_url: str
    tag: str
    note: str


@dataclass(frozen=True, slots=True)
class StageShare:
    commodity: str
    stage: str
    country: str
    year: int
    share: float
    basis: str
    source_url: str
    tag: str
    note: str


@dataclass(frozen=True, slots=True)
class Assumption:
    commodity: str
    year: int
    stage: str
    country: str
    share: float
    source_url: str
    tag: str
    note: str


def _rows(name: str) -> list[dict[str, str]]:
    path = resources.files("lanthanide.supply") / "data" / name
    text = path.read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def rows(name: str) -> list[dict[str, str]]:
    """The rows of one data file (``supply/data/NAME``)."""
    return _rows(name)


def _country(raw: str) -> str:
    return OTHER if raw == "OTHER" else raw


@cache
def figures() -> tuple[Figure, ...]:
    return tuple(
        Figure(
            commodity=r["commodity"],
            country=_country(r["country"]),
            year=int(r["year"]) if r["year"] else None,
            measure=r["measure"],
            value=float(r["value"]),
            unit=r["unit"],
            edition=r["edition"],
            source_url=r["source_url"],
            tag=r["tag"],
            note=r["note"],
        )
        for r in _rows("production.csv")
    )


@cache
def stage_shares() -> tuple[StageShare, ...]:
    return tuple(
        StageShare(
            commodity=r["commodity"],
            stage=r["stage"],
            country=_country(r["country"]),
            year=int(r["year"]),
            share=float(r["share"]),
            basis=r["basis"],
            source_url=r["source_url"],
            tag=r["tag"],
            note=r["note"],
        )
        for r in _rows("stage_shares.csv")
    )


@cache
def assumptions() -> tuple[Assumption, ...]:
    return tuple(
        Assumption(
            commodity=r["commodity"],
            year=int(r["year"]),
            stage=r["stage"],
            country=_country(r["country"]),
            share=float(r["share"]),
            source_url=r["source_url"],
            tag=r["tag"],
            note=r["note"],
        )
        for r in _rows("network_assumptions.csv")
    )


@cache
def trade() -> tuple[dict[str, str], ...]:
    return tuple(_rows("trade.csv"))


@cache
def japan_dependence() -> tuple[dict[str, str], ...]:
    return tuple(_rows("japan_dependence.csv"))


@cache
def item_stages() -> dict[tuple[str, str], tuple[tuple[str, ...], dict[str, str]]]:
    """Rulebook items that cover more than the one supply-chain stage their
    ``stage`` field names (e.g. 2025 No. 18 1C904.a: terbium metal *and*
    terbium-containing NdFeB magnet material): ``(instrument, code) ->
    (network stages, source)``."""
    out: dict[tuple[str, str], tuple[tuple[str, ...], dict[str, str]]] = {}
    for r in _rows("item_stages.csv"):
        out[(r["instrument"], r["item"])] = (
            tuple(r["stages"].split(";")),
            {"source_url": r["source_url"], "tag": r["tag"], "note": r["note"]},
        )
    return out


@cache
def observations() -> tuple[dict[str, str], ...]:
    return tuple(_rows("observations.csv"))


def editions(commodity: str, year: int, measure: str = "mine_production") -> list[str]:
    """Editions holding figures for a commodity and year, newest first."""
    eds = {
        f.edition
        for f in figures()
        if f.commodity == commodity and f.year == year and f.measure == measure
    }
    return sorted(eds, reverse=True)
