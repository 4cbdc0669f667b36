"""ISO 3166-1 country codes shipped with the package (public domain, from the
datasets/country-codes package; see docs/sources.md)."""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources


@cache
def countries() -> dict[str, tuple[str, str]]:
    """alpha-2 code -> (English name, Chinese name)."""
    path = resources.files("lanthanide") / "data" / "countries.csv"
    with io.TextIOWrapper(path.open("rb"), encoding="utf-8", newline="") as fh:
        return {row["alpha2"]: (row["name_en"], row["name_zh"]) for row in csv.DictReader(fh)}


@cache
def codes() -> frozenset[str]:
    return frozenset(countries())
