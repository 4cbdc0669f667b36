from __future__ import annotations

import pytest

from lanthanide.classify.params import extract, nines
from lanthanide.rules import params as rule_params


@pytest.mark.parametrize(
    ("text", "name", "value"),
    [
        ("氧化镝 99.5%", "purity", 99.5),
        ("gallium metal 6N", "purity", 99.9999),
        ("Ga 4N5", "purity", 99.995),
        ("纯度97% 钼粉", "purity", 97.0),
        ("钼粉 粒度40微米", "particle_size", 40.0),
        ("moly powder 200 nm", "particle_size", 0.2),
        ("Mo powder 3 µm", "particle_size", 3.0),
        ("LFP cell 300 Wh/kg", "energy_density", 300.0),
        ("granulation kettle 6 m3", "volume", 6.0),
    ],
)
def test_extract(text: str, name: str, value: float) -> None:
    got = extract(text)
    assert name in got
    assert got[name].value == pytest.approx(value)


def test_a_plain_percentage_is_not_a_purity() -> None:
    assert extract("30% deposit, balance on shipment") == {}


def test_extracted_values_parse_as_check_params() -> None:
    for p in extract("Mo powder purity 99.95% 40um").values():
        assert rule_params.parse(p.name, p.as_param) == pytest.approx(p.value)


def test_nines() -> None:
    assert nines(5) == pytest.approx(99.999)
    assert nines(4, 5) == pytest.approx(99.995)


def test_text_and_check_params_read_nines_the_same() -> None:
    """ "germanium 4N5" in a text and --param purity=4N5 give one value."""
    found = extract("germanium 4N5")["purity"]
    assert rule_params.parse("purity", "4N5") == found.value == 99.995
