"""Technical parameters stated in free text: purity, particle size, energy
density and a few others, in the units of :mod:`lanthanide.rules.params`.

Recognised forms: ``99.995%``, ``纯度99.99%``, ``5N`` / ``6N`` / ``4N5``
(nines notation), ``40um`` / ``40 μm`` / ``5微米`` / ``200 nm``,
``300 Wh/kg``, ``5 m3`` / ``5立方米``, ``6 GPa``, ``165 mAh/g``. A percentage
is taken as purity only when it is 90 % or more or follows a purity word
(``purity``, ``纯度``, ``含量``, ``assay``); other percentages are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUM = r"([0-9]+(?:\.[0-9]+)?)"
_PURITY_WORD = re.compile(r"(purity|pure|assay|纯度|含量|品位|min\.?|≥|>=)\s*[:：]?\s*$")
_PCT = re.compile(_NUM + r"\s*(?:%|percent|％)")
_NINES = re.compile(r"(?<![0-9a-z.])([2-9])n([0-9])?(?![0-9a-z])")
_SIZE = re.compile(_NUM + r"\s*(um|μm|µm|micron|microns|微米|nm|纳米)(?![a-z])")
_ENERGY = re.compile(_NUM + r"\s*wh/kg")
_CAPACITY = re.compile(_NUM + r"\s*mah/g")
_VOLUME = re.compile(_NUM + r"\s*(m3|m³|立方米|cubic metres?|cubic meters?)(?![a-z0-9])")
_PRESSURE = re.compile(_NUM + r"\s*gpa")


@dataclass(frozen=True, slots=True)
class FoundParam:
    name: str
    value: float
    unit: str
    text: str
    """The words of the query the value was read from."""

    @property
    def as_param(self) -> str:
        """The value as ``lanthanide check --param`` takes it."""
        v = f"{self.value:g}"
        return f"{v}{self.unit}" if self.unit != "%" else f"{v}%"


def nines(count: int, extra: int | None = None) -> float:
    """``5N`` = 99.999 %, ``4N5`` = 99.995 %."""
    s = "9" * count
    if extra is not None:
        s += str(extra)
    return float(s[:2] + "." + s[2:]) if len(s) > 2 else float(s)


def extract(text: str) -> dict[str, FoundParam]:
    """Parameters found in ``text`` (already normalised or raw), by name;
    the first occurrence of each parameter wins."""
    t = text.lower().replace("µ", "u").replace("％", "%")
    out: dict[str, FoundParam] = {}

    def put(p: FoundParam) -> None:
        out.setdefault(p.name, p)

    for m in _PCT.finditer(t):
        v = float(m.group(1))
        before = t[max(0, m.start() - 12) : m.start()]
        if v <= 100 and (v >= 90 or _PURITY_WORD.search(before)):
            put(FoundParam("purity", v, "%", m.group(0)))
    for m in _NINES.finditer(t):
        extra = int(m.group(2)) if m.group(2) else None
        put(FoundParam("purity", nines(int(m.group(1)), extra), "%", m.group(0)))
    for m in _SIZE.finditer(t):
        v = float(m.group(1))
        if m.group(2) in ("nm", "纳米"):
            v = v / 1000.0
        put(FoundParam("particle_size", v, "um", m.group(0)))
    for m in _ENERGY.finditer(t):
        put(FoundParam("energy_density", float(m.group(1)), "Wh/kg", m.group(0)))
    for m in _CAPACITY.finditer(t):
        put(FoundParam("specific_capacity", float(m.group(1)), "mAh/g", m.group(0)))
    for m in _VOLUME.finditer(t):
        put(FoundParam("volume", float(m.group(1)), "m3", m.group(0)))
    for m in _PRESSURE.finditer(t):
        put(FoundParam("design_pressure", float(m.group(1)), "GPa", m.group(0)))
    return out
