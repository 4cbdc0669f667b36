from __future__ import annotations

import pytest

from lanthanide.rules.params import ParamError, parse


@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [
        ("purity", "99.99", 99.99),
        ("purity", "99.995%", 99.995),
        ("purity", "5N", 99.999),
        ("purity", "6n", 99.9999),
        ("purity", "4N5", 99.995),
        ("purity", "4.5N", 99.995),
        ("particle_size", "40um", 40.0),
        ("particle_size", "40 µm", 40.0),
        ("particle_size", "500nm", 0.5),
        ("design_pressure", "5500 MPa", 5.5),
        ("flexural_strength", "0.04 GPa", 40.0),
        ("density", "1.8 g/cm3", 1.8),
        ("form", "single crystal", "single_crystal"),
    ],
)
def test_parse(name: str, raw: str, value: float | str) -> None:
    got = parse(name, raw)
    assert got == pytest.approx(value) if isinstance(value, float) else got == value


@pytest.mark.parametrize(
    ("name", "raw", "fragment"),
    [
        ("purity", "high", "not a number"),
        ("particle_size", "40 kg", "not known"),
        ("density", "3 MPa", "does not fit"),
        ("form", "liquid", "allowed"),
        ("weight", "3", "unknown parameter"),
    ],
)
def test_parse_errors(name: str, raw: str, fragment: str) -> None:
    with pytest.raises(ParamError, match=fragment):
        parse(name, raw)
