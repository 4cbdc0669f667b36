"""The one parameter parser: --param values, API params and free text."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lanthanide.vocab import (
    VOCAB,
    ParamError,
    extract_params,
    nines,
    parse_nines,
    parse_param,
)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("5N", 99.999),
        ("6n", 99.9999),
        ("4N5", 99.995),
        ("4n5", 99.995),
        ("4.5N", 99.995),
        ("5N5", 99.9995),
        ("3N", 99.9),
        ("2N", 99.0),
        ("1N", 90.0),
        ("1N5", 95.0),
    ],
)
def test_nines_notation(raw: str, value: float) -> None:
    assert parse_nines(raw) == value
    assert parse_param("purity", raw) == value


@pytest.mark.parametrize("raw", ["0N", "N5", "4N55", "10N", "4.5", "4.55N", "5NN"])
def test_not_nines(raw: str) -> None:
    assert parse_nines(raw) is None


def test_param_and_text_read_4n5_the_same() -> None:
    """The bug this parser fixes: --param purity=4N5 was refused while the
    text "germanium 4N5" read 99.995 %."""
    assert parse_param("purity", "4N5") == extract_params("germanium 4N5")["purity"].value == 99.995


def test_nines_only_where_the_parameter_takes_them() -> None:
    with pytest.raises(ParamError, match="'N5' is not known for 'transmittance'"):
        parse_param("transmittance", "4N5")


@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [
        ("particle_size", "300nm", 0.3),
        ("particle_size", "40 microns", 40.0),
        ("particle_size", "5微米", 5.0),
        ("particle_size", "200纳米", 0.2),
        ("volume", "5 cubic metres", 5.0),
        ("volume", "5立方米", 5.0),
        ("volume", "500 l", 0.5),
        ("microwave_power", "300 W", 0.3),
        ("flexural_strength", "0.3 GPa", 300.0),
        ("design_pressure", "5500 MPa", 5.5),
        ("bore_diameter", "12 cm", 120.0),
        ("purity", ">=99.99%", 99.99),
        ("purity", 99.5, 99.5),
        ("purity", 99, 99.0),
    ],
)
def test_units(name: str, raw: str | float, value: float) -> None:
    assert parse_param(name, raw) == value


def test_conversions_are_exact() -> None:
    # 300 * 0.001 would be 0.30000000000000004 for some inputs; a division is not
    assert all(parse_param("particle_size", f"{n}nm") == n / 1000 for n in range(1, 3000))


@pytest.mark.parametrize(
    ("name", "raw", "fragment"),
    [
        ("purity", True, "not a value for 'purity'"),
        ("form", 3, "'form' takes one of: single_crystal"),
        ("form", "liquid", "allowed: single_crystal"),
        ("purity", "high", r"e\.g\. 99\.995, 99\.995% or 4N5"),
        ("particle_size", "big", r"e\.g\. 12\.5um"),
        ("particle_size", "4 kg", "unit '4 kg'|unit 'kg' is not known"),
        ("density", "3 MPa", "does not fit parameter 'density'"),
        ("weight", "3", "unknown parameter 'weight' .allowed: bore_diameter"),
    ],
)
def test_errors_name_the_parameter(name: str, raw: str | float, fragment: str) -> None:
    with pytest.raises(ParamError, match=fragment):
        parse_param(name, raw)


@given(
    st.sampled_from(sorted(k for k, p in VOCAB.params.items() if p.unit)),
    st.integers(min_value=0, max_value=10**6),
)
def test_every_unit_spelling_converts_by_its_factor(name: str, n: int) -> None:
    canon = VOCAB.params[name].unit
    assert canon is not None
    for key, unit in VOCAB.units.items():
        raw = f"{n}{unit.spelling}"
        if unit.unit == canon:
            factor = unit.factor
        elif (unit.unit, canon) in VOCAB.conversions:
            factor = unit.factor * VOCAB.conversions[(unit.unit, canon)]
        else:
            with pytest.raises(ParamError, match=f"fit parameter '{name}'|for '{name}'"):
                parse_param(name, raw)
            continue
        got = parse_param(name, raw)
        assert isinstance(got, float)
        assert got == pytest.approx(float(n * factor), rel=1e-15, abs=0), key
        assert parse_param(name, f"{n} {unit.spelling.upper()}") == got, key
        if unit.unit == canon:
            assert got == n * factor.numerator / factor.denominator, key


def test_factors_are_fractions() -> None:
    assert VOCAB.units["nm"].factor == Fraction(1, 1000)
    assert VOCAB.units["ghz"].factor == 1000


# ------------------------------------------------------------------ free text
@pytest.mark.parametrize(
    ("text", "name", "value"),
    [
        ("germanium 4N5", "purity", 99.995),
        ("氧化镝 99.5%", "purity", 99.5),
        ("纯度97% 钼粉", "purity", 97.0),
        ("purity: 85 %", "purity", 85.0),
        ("钼粉 粒度40微米", "particle_size", 40.0),
        ("moly powder 200 nm", "particle_size", 0.2),
        ("Mo powder 3 µm", "particle_size", 3.0),
        ("Mo powder 3 microns", "particle_size", 3.0),
        ("LFP cell 300 Wh/kg", "energy_density", 300.0),
        ("cathode 165 mAh/g", "specific_capacity", 165.0),
        ("granulation kettle 6 m3", "volume", 6.0),
        ("反应釜 6立方米", "volume", 6.0),
        ("press 6 GPa", "design_pressure", 6.0),
    ],
)
def test_extract(text: str, name: str, value: float) -> None:
    got = extract_params(text)
    assert got[name].value == value
    assert parse_param(name, got[name].as_param) == pytest.approx(value)


@pytest.mark.parametrize(
    "text",
    [
        "30% deposit, balance on shipment",
        "101% sure",
        "1n of them",
        "a4n5 code",
        "40 umbrellas",
        "6 m3x",
        "version 4.5n",
    ],
)
def test_no_parameter_in(text: str) -> None:
    assert extract_params(text) == {}


def test_first_occurrence_wins_and_percent_before_nines() -> None:
    got = extract_params("99.5% or 5N, 40um then 10um")
    assert got["purity"].value == 99.5
    assert got["particle_size"].value == 40.0
    assert extract_params("5N then 99.5%")["purity"].value == 99.5


def test_nines_helper() -> None:
    assert nines(5) == 99.999
    assert nines(4, 5) == 99.995
    assert nines(1) == 90.0
