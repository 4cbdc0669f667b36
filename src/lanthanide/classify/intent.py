"""What the query is about, read from cue words: a technology or goods, what
is the head of the phrase and what only its purpose, and whether it is a
bare element name.

These feed *soft* preferences in :class:`lanthanide.classify.index.Classifier`
(score multipliers, never filters); ``--kind`` is the hard filter.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from lanthanide.classify.glossary import ELEMENTS

# --------------------------------------------------------------- kind cues
_TECH_STRONG_EN = re.compile(
    r"\b(?:technolog(?:y|ies)|know-?how|techniques?|recipes?|flowsheets?|drawings?|"
    r"blueprints?|technical data|how to|licen[cs]e the process)\b"
)
_TECH_WEAK_EN = re.compile(
    r"\b(?:process(?:es)?|methods?|design|preparation|synthesis|synthesi[sz]ing|"
    r"manufactur(?:e|ing)|production|producing|make|making|growing|growth|extraction of|"
    r"parameters?|formula)\b"
)
_TECH_STRONG_ZH = ("技术", "工艺", "诀窍", "配方", "图纸", "技术资料", "流程")
_TECH_WEAK_ZH = ("方法", "制备", "设计", "生产", "制造", "提取", "合成")

_GOODS_STRONG_EN = re.compile(
    r"(?:\b[0-9]+(?:\.[0-9]+)?\s*(?:kg|kgs|g|t|mt|tons?|tonnes?|l|drums?|bags?|"
    r"inch|inches|mesh|pcs)\b|\b[0-9]+\s*[\"”]|\b(?:cif|fob|exw|drums?|jumbo bags?|"
    r"ampoules?|purity|min\.?)\b|[0-9]n[0-9]?\b|[0-9]{8,10}|%)"
)
_GOODS_WEAK_EN = re.compile(
    r"\b(?:powders?|ingots?|wafers?|substrates?|targets?|materials?|metal|lumps?|"
    r"chips?|needles?|granules?|bars?|rods?|plates?|sheets?|blocks?|crystals?|"
    r"equipment|machines?|furnaces?|kilns?|press(?:es)?|reactors?|mills?|cabinets?|"
    r"dryers?|driers?|coaters?|lines?|systems?|grade|concentrates?|ores?|alloys?|"
    r"magnets?|cells?|precursors?|extractants?|oxides?|nitrates?|chlorides?|fluorides?|"
    r"carbonates?|oxalates?|acetates?|sulfates?|sulphates?|hydroxides?)\b"
)
_GOODS_STRONG_ZH = ("纯度", "公斤", "千克", "吨", "桶", "袋", "英寸", "寸", "目")
_GOODS_WEAK_ZH = (
    "粉",
    "锭",
    "片",
    "块",
    "靶",
    "材料",
    "衬底",
    "设备",
    "炉",
    "窑",
    "机",
    "柜",
    "釜",
    "槽",
    "金属",
    "合金",
    "精矿",
    "氧化",
    "硝酸",
    "氯化",
    "氟化",
    "碳酸",
    "草酸",
    "磁钢",
    "磁环",
    "磁体",
    "前驱体",
    "萃取剂",
)
# a chemical formula (two or more element symbols with counts): a substance
_SYMBOLS = frozenset(sym for _, sym, _, _ in ELEMENTS) | frozenset(
    "O F Cl Br I N S P H C B Si K Na Ca Mg Ba Sr".split()  # noqa: SIM905
)
_FORMULA = re.compile(r"(?<![A-Za-z])((?:[A-Z][a-z]?[0-9.]*){2,})(?![A-Za-z])")
_ELEM = re.compile(r"([A-Z][a-z]?)([0-9.]*)")
_ANION_CLASS = {"O": "oxide", "F": "fluoride", "Cl": "chloride"}
# polyatomic anions written in brackets: Gd(NO3)3·6H2O, Y2(CO3)3, Sm(CH3COO)3
_ANION_GROUP = re.compile(
    r"(?<![A-Za-z])([A-Z][a-z]?)[0-9]*\((NO3|CO3|SO4|C2O4|OH|CH3COO|CH3CO2|OAc)\)[0-9]*"
)
_WATER = frozenset(["H2O", "OH"])
_GROUP_CLASS = {
    "NO3": "nitrate",
    "CO3": "carbonate",
    "SO4": "sulfate",
    "C2O4": "oxalate",
    "OH": "hydroxide",
    "CH3COO": "acetate",
    "CH3CO2": "acetate",
    "OAc": "acetate",
}


def formulas(raw: str) -> list[tuple[str, str | None]]:
    """Chemical formulas in ``raw`` (DyF3, Tb4O7, GeCl4, Sb2O3, Gd(NO3)3) with
    the compound class their last element or bracketed anion gives (oxide,
    fluoride, chloride, nitrate, carbonate, sulfate, oxalate, hydroxide,
    acetate) when the glossary has one."""
    out: list[tuple[str, str | None]] = []
    text = unicodedata.normalize("NFKC", raw)
    groups: list[tuple[int, int]] = []
    for m in _ANION_GROUP.finditer(text):
        if m.group(1) in _SYMBOLS:
            out.append((m.group(0), _GROUP_CLASS[m.group(2)]))
            groups.append(m.span())
    for m in _FORMULA.finditer(text):
        if m.group(1) in _WATER or any(a <= m.start() < b for a, b in groups):
            continue  # water of a hydrate, or the anion inside Gd(NO3)3
        parts = _ELEM.findall(m.group(1))
        if len(parts) < 2 or any(sym not in _SYMBOLS for sym, _ in parts):
            continue
        if not any(count for _, count in parts):
            continue  # "GaAs", "NdFeB" are names the glossary knows, not formulas
        out.append((m.group(1), _ANION_CLASS.get(parts[-1][0])))
    return out


@dataclass(frozen=True, slots=True)
class KindCues:
    tech: int
    """2 per strong technology cue (technology, know-how, 技术, 工艺…), 1 per
    weak one (process, method, design, 制备, 方法…)."""
    goods: int
    """2 per strong goods cue (a quantity, a purity, a tariff code, an
    incoterm, 吨, 桶…), 1 per weak one (powder, ingot, wafer, material,
    machine, a chemical formula, 粉, 锭, 片, 材料…)."""

    @property
    def lean(self) -> int:
        """> 0 leans to technology, < 0 to goods."""
        return self.tech - self.goods


def kind_cues(raw: str, norm: str) -> KindCues:
    """Count technology and goods cue words in a query (``norm`` is the
    normalised text)."""
    tech = 2 * len(set(_TECH_STRONG_EN.findall(norm))) + len(set(_TECH_WEAK_EN.findall(norm)))
    goods = 2 * len(set(_GOODS_STRONG_EN.findall(norm))) + len(set(_GOODS_WEAK_EN.findall(norm)))
    zh_tech_strong = [w for w in _TECH_STRONG_ZH if w in norm]
    # 技术资料 contains 技术: count the longest only
    zh_tech_strong = [
        w for w in zh_tech_strong if not any(w != o and w in o for o in zh_tech_strong)
    ]
    tech += 2 * len(zh_tech_strong) + sum(1 for w in _TECH_WEAK_ZH if w in norm)
    goods += 2 * sum(1 for w in _GOODS_STRONG_ZH if w in norm)
    goods += sum(1 for w in _GOODS_WEAK_ZH if w in norm)
    goods += len(formulas(raw))
    # the head noun (the last cue word: Chinese and English noun phrases end
    # with it, "磷酸铁锂正极材料", "LFP cathode preparation technology") counts once more
    last = _last_cue(_WITH.split(split_purpose(norm)[0])[0])
    if _HOW.search(norm):
        # "how to make NdFeB magnets": the noun is the object of "how to"
        tech += 1
    elif last == "tech":
        tech += 1
    elif last == "goods":
        goods += 1
    return KindCues(tech, goods)


_HOW = re.compile(r"\bhow to\b|如何|怎么|怎样")
_WITH = re.compile(r"\s(?:with|containing|incl\.?|including)\s|,")
_TAIL = re.compile(r"[\s0-9.,;:%/()\-+*×]+$")


def _last_cue(head: str) -> str | None:
    """Which kind the head's last word cues, if any."""
    h = _TAIL.sub("", head)
    if not h:
        return None
    for words, kind in (
        (_TECH_STRONG_ZH + _TECH_WEAK_ZH, "tech"),
        (_GOODS_WEAK_ZH + _GOODS_STRONG_ZH, "goods"),
    ):
        if h.endswith(words):
            return kind
    word = h.split()[-1]
    if _TECH_STRONG_EN.fullmatch(word) or _TECH_WEAK_EN.fullmatch(word):
        return "tech"
    if _GOODS_WEAK_EN.fullmatch(word):
        return "goods"
    return None


# ------------------------------------------------------------ head/purpose
_PURPOSE = re.compile(r"\s(?:for|used in|used for|intended for|suitable for)\s|用于|适用于")


def split_purpose(text: str) -> tuple[str, str]:
    """Split "X for Y" into the head X and the purpose Y ("DyF3 for grain
    boundary diffusion", "winding machine for battery cells", "氟化镝 用于晶界扩散").
    The head must keep some text; otherwise the whole text is the head."""
    m = _PURPOSE.search(text)
    if m is None or not text[: m.start()].strip():
        return text, ""
    return text[: m.start()], text[m.end() :]
