from __future__ import annotations

import pytest

from lanthanide.classify.tokens import concepts, normalise, stem, tokenize


def test_normalise_full_width_and_case() -> None:
    assert normalise("ＧａＡｓ　９９．９９％") == "gaas 99.99%"


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("wafers", "wafer"),
        ("batteries", "battery"),
        ("graphitisation", "graphitization"),
        ("sulphide", "sulfide"),
        ("press", "press"),
        ("gaas", "gaas"),
    ],
)
def test_stem(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_english_hyphens_are_split_and_joined() -> None:
    t = tokenize("rare-earth sputtering targets")
    assert {"rare", "earth", "rareearth", "sputtering", "target"} <= set(t.words)


def test_numbers_and_purities_are_not_words() -> None:
    t = tokenize("gallium 6N 99.99% 500 kg")
    assert t.words == ("gallium",)


def test_tariff_codes_are_kept_apart() -> None:
    assert tokenize("HS 2846901500 dysprosium oxide").codes == ("2846901500",)


def test_chinese_domain_words_and_bigrams() -> None:
    t = tokenize("钕铁硼磁体")
    assert "钕铁硼磁体" in t.words or "钕铁硼" in t.words
    assert "铁硼" in t.words  # bigram: matches however the dictionary splits it


def test_generic_chinese_words_are_not_scored() -> None:
    t = tokenize("稀土萃取分离工艺技术")
    assert "技术" not in t.words and "工艺" not in t.words
    assert "萃取分离" in t.words
    assert "technology" in t.concepts  # the intent is kept as a concept


def test_single_chinese_characters_are_dropped() -> None:
    assert all(len(w) > 1 for w in tokenize("量子纠错码芯片布线").words)


def test_element_symbols_are_case_sensitive() -> None:
    assert "in" in concepts("In phosphide wafer")
    assert "in" not in concepts("made in Germany")
    assert "w" not in concepts("a 300 W heater")
    assert "w" in concepts("W bar 99.95")


def test_dotted_tariff_codes_are_joined() -> None:
    assert tokenize("HS 2825.80.00.10").codes == ("2825800010",)
    assert tokenize("8110.10.10.00").codes == ("8110101000",)
    assert tokenize("hs 2846.90").codes == ("284690",)
    # a purity or a price with one dot group is not joined into a code
    assert "125000" not in tokenize("99.95% 1250.00 usd").codes
    assert "9995" not in tokenize("99.95% 1250.00 usd").codes


def test_words_that_deny_metal_do_not_name_metal() -> None:
    denials = ("非晶态无机非金属材料", "amorphous inorganic non-metallic materials", "nonmetallic")
    for text in denials:
        tok = tokenize(text)
        assert "metal" not in tok.concepts and "金属" not in tok.words, (text, tok)
        assert "nonmetal" in tok.words
    assert "metal" in tokenize("金属钕").concepts
