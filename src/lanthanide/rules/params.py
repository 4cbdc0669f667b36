"""Technical parameters that item conditions use, with canonical units.

A small table instead of a units library: the set of units in export-control
conditions is tiny and fixed, and the determination engine converts values
in its hot path (a units library costs ~50x more per conversion).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    unit: str | None
    """Canonical unit; None for categorical parameters."""
    description: str
    choices: tuple[str, ...] = ()


# unit -> (canonical unit, factor to canonical)
UNITS: dict[str, tuple[str, float]] = {
    "%": ("%", 1.0),
    "percent": ("%", 1.0),
    "um": ("um", 1.0),
    "µm": ("um", 1.0),
    "μm": ("um", 1.0),
    "micron": ("um", 1.0),
    "nm": ("um", 0.001),
    "mm": ("mm", 1.0),
    "cm": ("mm", 10.0),
    "m": ("m", 1.0),
    "in": ("in", 1.0),
    "inch": ("in", 1.0),
    "mpa": ("MPa", 1.0),
    "gpa": ("GPa", 1.0),
    "g/cm3": ("g/cm3", 1.0),
    "g/cm³": ("g/cm3", 1.0),
    "g/cc": ("g/cm3", 1.0),
    "wh/kg": ("Wh/kg", 1.0),
    "mah/g": ("mAh/g", 1.0),
    "kw": ("kW", 1.0),
    "w": ("kW", 0.001),
    "mhz": ("MHz", 1.0),
    "ghz": ("MHz", 1000.0),
    "/cm2": ("/cm2", 1.0),
    "/cm²": ("/cm2", 1.0),
    "m3": ("m3", 1.0),
    "m³": ("m3", 1.0),
    "l": ("m3", 0.001),
    "m3/day": ("m3/day", 1.0),
    "m³/day": ("m3/day", 1.0),
    "t": ("T", 1.0),
    "tesla": ("T", 1.0),
    "a/cm2": ("A/cm2", 1.0),
}
# GPa and MPa convert into each other.
_CROSS: dict[tuple[str, str], float] = {("GPa", "MPa"): 1000.0, ("MPa", "GPa"): 0.001}

PARAMS: dict[str, Param] = {
    p.name: p
    for p in (
        Param("purity", "%", "mass fraction of the main element or compound"),
        Param("particle_size", "um", "mean particle size"),
        Param("flexural_strength", "MPa", "flexural (bending) strength"),
        Param("density", "g/cm3", "bulk density"),
        Param("dislocation_density", "/cm2", "dislocation density of a single crystal"),
        Param(
            "form",
            None,
            "physical form",
            (
                "single_crystal",
                "polycrystal",
                "powder",
                "ingot",
                "wafer",
                "epitaxial_wafer",
                "scrap",
                "solid",
                "jewellery",
                "other",
            ),
        ),
        Param("energy_density", "Wh/kg", "gravimetric energy density of a cell or pack"),
        Param("specific_capacity", "mAh/g", "specific capacity of a cathode material"),
        Param("compaction_density", "g/cm3", "powder compaction density"),
        Param("microwave_power", "kW", "microwave power"),
        Param("bore_diameter", "mm", "press cylinder bore diameter"),
        Param("design_pressure", "GPa", "design pressure"),
        Param("diameter", "in", "diameter of a flat window"),
        Param("transmittance", "%", "visible-light transmittance"),
        Param("tungsten_content", "%", "tungsten mass fraction"),
        Param("rare_earth_content", "%", "medium/heavy rare-earth content of an ore"),
        Param("magnetising_field", "T", "magnetising field of a press"),
        Param("leachate_capacity", "m3/day", "leachate treatment capacity"),
        Param("volume", "m3", "vessel volume"),
        Param("dy_tb_content", "%", "combined Dy + Tb mass fraction of a magnet"),
        Param("china_origin_value_share", "%", "value share of Chinese-origin listed content"),
    )
}

_NUM = re.compile(r"^\s*([<>]=?|≥|≤)?\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(.*?)\s*$")


class ParamError(ValueError):
    """A parameter name, value or unit is not acceptable."""


def known() -> str:
    return ", ".join(sorted(PARAMS))


def to_canonical(value: float, unit: str | None, param: Param) -> float:
    """Convert ``value`` given in ``unit`` to the parameter's canonical unit."""
    if param.unit is None:
        raise ParamError(f"parameter '{param.name}' is categorical, not numeric")
    if unit is None or unit == "":
        return value
    key = unit.strip().lower().replace(" ", "")
    if key not in UNITS and unit.strip() in UNITS:
        key = unit.strip()
    if key not in UNITS:
        raise ParamError(f"unit '{unit}' is not known for '{param.name}' (use {param.unit})")
    canon, factor = UNITS[key]
    v = value * factor
    if canon == param.unit:
        return v
    cross = _CROSS.get((canon, param.unit))
    if cross is None:
        raise ParamError(f"unit '{unit}' does not fit parameter '{param.name}' (use {param.unit})")
    return v * cross


def parse(name: str, raw: str) -> float | str:
    """Parse a user-supplied parameter value such as ``99.995``, ``99.995%``,
    ``5N``, ``40um`` or ``single_crystal`` into canonical form."""
    param = PARAMS.get(name)
    if param is None:
        raise ParamError(f"unknown parameter '{name}' (allowed: {known()})")
    text = raw.strip()
    if param.unit is None:
        v = text.lower().replace("-", "_").replace(" ", "_")
        if v not in param.choices:
            raise ParamError(
                f"'{raw}' is not a value of '{name}' (allowed: {', '.join(param.choices)})"
            )
        return v
    if param.unit == "%" and re.fullmatch(r"[0-9](\.[0-9])?[nN]", text):
        # "5N" = 99.999 %, "4N5" style is not accepted here; "6N" = 99.9999 %.
        nines = float(text[:-1])
        return round(100.0 - 100.0 * 10 ** (-nines), 10)
    m = _NUM.match(text)
    if m is None:
        raise ParamError(
            f"'{raw}' is not a number for '{name}' (give a number, optionally with a unit, "
            f"e.g. 12.5{param.unit})"
        )
    value = float(m.group(2))
    return to_canonical(value, m.group(3) or None, param)
