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
    text = (resources.files("lanthanide") / "data" / "countries.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text, newline=""))
    return {row["alpha2"]: (row["name_en"], row["name_zh"]) for row in rows}


@cache
def codes() -> frozenset[str]:
    return frozenset(countries())
