"""The HS 2022 nomenclature (headings and subheadings), bundled as
``lanthanide/data/hs2022.csv``.

Source: github.com/datasets/harmonized-system at commit
905e5a0fa29f5700d62cb3cc1265f21bc8a92329 (from UN Comtrade), licence
ODC-PDDL-1.0 (public domain dedication); see ``docs/sources.md``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Heading:
    code: str
    """4-digit heading or 6-digit subheading."""
    description: str
    parent: str


@lru_cache(maxsize=1)
def nomenclature() -> tuple[Heading, ...]:
    """Every HS 2022 heading (4 digits) and subheading (6 digits)."""
    text = (resources.files("lanthanide") / "data" / "hs2022.csv").read_text(encoding="utf-8")
    out = []
    for row in csv.DictReader(text.splitlines()):
        if row["level"] in ("4", "6"):
            out.append(Heading(row["hscode"], row["description"], row["parent"]))
    return tuple(out)
