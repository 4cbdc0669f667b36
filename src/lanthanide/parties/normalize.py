"""Name normalisation for party screening, in Latin and Han script.

The approach follows OpenSanctions' (``fingerprints`` / ``rigour.names``):
fold width and case, drop punctuation, and recognise legal-form words
(Inc., Corp., GmbH, S.p.A., 有限公司, 株式会社 …) so they neither make nor break
a match; then compare the remaining *core* of the name. Traditional and
Japanese (shinjitai) characters are folded to simplified Chinese, so 馬丁 and
马丁, 発動機 and 发动机 compare equal.

Pure functions; the conversion tables load once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

Script = Literal["latin", "han", "mixed"]

# --------------------------------------------------------------------- tables

LEGAL_PHRASES: tuple[tuple[str, ...], ...] = (
    ("limited", "liability", "company"),
    ("limited", "partnership"),
    ("kabushiki", "kaisha"),
    ("kabushiki", "gaisha"),
    ("sp", "z", "oo"),
    ("sp", "zoo"),
    ("spol", "s", "ro"),
    ("co", "ltd"),
    ("pty", "ltd"),
    ("pte", "ltd"),
    ("gmbh", "co", "kg"),
)
"""Multi-word legal forms, matched on tokens after dots are removed."""

LEGAL_WORDS: frozenset[str] = frozenset(
    {
        # English
        "inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited",
        "llc", "lp", "llp", "plc", "pty", "pte", "lc", "pllc", "coltd", "partnership",
        # German, Austrian, Swiss
        "gmbh", "mbh", "ag", "kg", "kgaa", "ohg", "ev",
        # Italian, Spanish, Portuguese
        "spa", "srl", "sapa", "sl", "ltda",
        # French, Belgian
        "sa", "sas", "sarl", "sasu", "snc", "sca", "bvba", "sprl",
        # Dutch, Nordic
        "bv", "nv", "vof", "ab", "asa", "oy", "oyj", "aps",
        # Czech, Slovak, Polish, Lithuanian, Bulgarian
        "sro", "spol", "uab", "ad", "ood", "ead",
        # Japanese, Korean romanised
        "kk", "yk",
        # European company
        "se",
    }
)  # fmt: skip
"""Single-word legal forms (compare forms: lower case, dots removed)."""

LONG_LEGAL: tuple[str, ...] = (
    "corporation",
    "incorporated",
    "limited",
    "company",
    "partnership",
    "aktiengesellschaft",
    "gesellschaft",
)
"""Legal-form words long enough to recognise with a typo (Corportion, Limted)."""

STOP_WORDS: frozenset[str] = frozenset({"the", "and", "of", "by", "und", "et", "de", "der"})

COMPARE_FORMS: dict[str, str] = {
    "intl": "international",
    "int'l": "international",
    "tech": "technology",
    "techs": "technology",
    "technologies": "technology",
    "technolog": "technology",
    "sys": "system",
    "systems": "system",
    "inds": "industry",
    "industries": "industry",
    "industrial": "industry",
    "labs": "laboratory",
    "lab": "laboratory",
    "laboratories": "laboratory",
    "mfg": "manufacturing",
    "eng": "engineering",
    "engg": "engineering",
    "grp": "group",
    "hldgs": "holding",
    "holdings": "holding",
    "svcs": "service",
    "services": "service",
    "defence": "defense",
    "aero": "aero",
    "natl": "national",
    "assn": "association",
    "mgmt": "management",
    "elec": "electric",
    "electronics": "electronic",
    "solutions": "solution",
    "communications": "communication",
    "dev": "development",
}
"""Abbreviations and plural forms folded to one compare form."""

HAN_LEGAL: tuple[str, ...] = (
    "集团股份有限公司",
    "集团有限公司",
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "股份公司",
    "集团公司",
    "集团",
    "株式会社",
    "合同会社",
    "有限会社",
    "分公司",
    "公司",
    "会社",
)
"""Chinese and Japanese legal-form words, longest first."""

HAN_PREFIXES: tuple[str, ...] = (
    "中国台湾",
    "美国",
    "日本",
    "台湾",
    "德国",
    "法国",
    "意大利",
    "加拿大",
    "英国",
    "欧盟",
    "比利时",
    "荷兰",
    "波兰",
    "捷克",
)
"""Country words a Chinese rendering may put before a foreign name (美国因美纳公司)."""

SHINJITAI: dict[str, str] = {
    "発": "发", "気": "气", "沢": "泽", "鉄": "铁", "総": "总", "広": "广", "転": "转",
    "対": "对", "単": "单", "図": "图", "変": "变", "済": "济", "営": "营", "関": "关",
    "検": "检", "険": "险", "浜": "滨", "売": "卖", "読": "读", "楽": "乐", "亜": "亚",
    "圧": "压", "栄": "荣", "塩": "盐", "価": "价", "拡": "扩", "観": "观", "帰": "归",
    "経": "经", "継": "继", "軽": "轻", "権": "权", "験": "验", "黒": "黑", "剤": "剂",
    "雑": "杂", "実": "实", "収": "收", "従": "从", "処": "处", "焼": "烧", "証": "证",
    "乗": "乘", "浄": "净", "専": "专", "戦": "战", "銭": "钱", "繊": "纤", "荘": "庄",
    "層": "层", "増": "增", "蔵": "藏", "続": "续", "帯": "带", "択": "择", "団": "团",
    "弾": "弹", "鋳": "铸", "庁": "厅", "徴": "征", "聴": "听", "鎮": "镇", "伝": "传",
    "稲": "稻", "闘": "斗", "徳": "德", "脳": "脑", "廃": "废", "抜": "拔", "仏": "佛",
    "辺": "边", "舗": "铺", "豊": "丰", "満": "满", "訳": "译", "薬": "药",
    "揺": "摇", "様": "样", "頼": "赖", "覧": "览", "竜": "龙", "両": "两", "緑": "绿",
    "歴": "历", "労": "劳", "録": "录", "沖": "冲", "斎": "斋", "駆": "驱",
    "衛": "卫", "術": "术", "産": "产", "機": "机", "製": "制", "電": "电", "業": "业",
    "車": "车", "鋼": "钢", "県": "县", "駅": "驿", "恵": "惠", "渉": "涉",
}  # fmt: skip
"""Japanese shinjitai that OpenCC's traditional→simplified table leaves alone."""

_DOTS = re.compile(r"[.\u00b7\u30fb\u2027]")
_AMP = re.compile(r"&")
_APOS = re.compile(r"['’`]")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff]")
_LATIN_RUN = re.compile(r"[a-z0-9]+")


@cache
def _t2s() -> Callable[[str], str]:
    """OpenCC's traditional→simplified conversion (opencc-python-reimplemented)."""
    import opencc

    conv = opencc.OpenCC("t2s")

    def convert(text: str) -> str:
        return str(conv.convert(text))

    return convert


def to_simplified(text: str) -> str:
    """Fold traditional and Japanese forms to simplified Chinese characters."""
    return "".join(SHINJITAI.get(ch, ch) for ch in _t2s()(text))


def fold(text: str) -> str:
    """Width, compatibility and case folding: full-width ``ＭＰ　Ｍａｔｅｒｉａｌｓ`` →
    ``mp materials``; accents kept apart from letters and dropped (Verité → verite)."""
    t = unicodedata.normalize("NFKC", text)
    t = unicodedata.normalize("NFKD", t)
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", t).casefold()


# --------------------------------------------------------------------- result


@dataclass(frozen=True, slots=True)
class NormalName:
    """A name taken apart for comparison."""

    raw: str
    script: Script
    tokens: tuple[str, ...]
    """Latin core tokens in compare form (legal forms and stop words removed)."""
    han: str
    """Han core: the Chinese/Japanese characters (and embedded Latin, lower-cased)
    without punctuation, legal-form words or a leading country word."""
    han_only: str
    """The Han characters of the core without its Latin letters and digits: in a
    mixed name (IHI宇航), the part a Latin query cannot match."""
    legal_forms: tuple[str, ...]
    """Legal-form words found (and ignored)."""
    removed_prefix: str | None
    conversions: tuple[str, ...]
    """Which foldings changed the text: ``width``, ``case``, ``traditional``."""

    @property
    def compact(self) -> str:
        """Latin core without spaces (IronMountain = Iron Mountain)."""
        return "".join(self.tokens)

    @property
    def empty(self) -> bool:
        return not self.tokens and not self.han


def _compare_form(tok: str) -> str:
    tok = COMPARE_FORMS.get(tok, tok)
    if len(tok) > 5 and tok.endswith("ies"):
        return tok[:-3] + "y"
    if len(tok) > 4 and tok.endswith("s") and not tok.endswith(("ss", "us", "is")):
        return COMPARE_FORMS.get(tok[:-1], tok[:-1])
    return tok


def _legal_typo(w: str) -> bool:
    if len(w) < 6:
        return False
    from rapidfuzz.distance import OSA

    return any(OSA.normalized_similarity(w, f) >= 0.8 for f in LONG_LEGAL)


def _latin_tokens(text: str) -> tuple[list[str], list[str]]:
    t = _APOS.sub("", _DOTS.sub("", _AMP.sub(" and ", text)))
    raw = [w for w in _NON_WORD.split(t) if w]
    words: list[str] = []
    for w in raw:
        # split "l3harris" no; split Han from Latin: keep Latin runs only
        words.extend(_LATIN_RUN.findall(w))
    legal: list[str] = []
    i = 0
    kept: list[str] = []
    while i < len(words):
        for phrase in LEGAL_PHRASES:
            n = len(phrase)
            if tuple(words[i : i + n]) == phrase:
                legal.append(" ".join(phrase))
                i += n
                break
        else:
            w = words[i]
            if (
                w in LEGAL_WORDS and not (w in {"sa", "ad", "se", "ab", "co"} and len(words) == 1)
            ) or (len(words) > 1 and (_legal_typo(w) or (w == "as" and i == len(words) - 1))):
                legal.append(w)
            elif w not in STOP_WORDS:
                kept.append(_compare_form(w))
            i += 1
    return kept, legal


def _han_core(text: str) -> tuple[str, list[str], str | None]:
    t = _NON_WORD.sub("", _DOTS.sub("", text))
    legal: list[str] = []
    prefix: str | None = None
    for p in HAN_PREFIXES:
        if t.startswith(p) and len(t) > len(p) + 1:
            prefix, t = p, t[len(p) :]
            break
    changed = True
    while changed:
        changed = False
        for form in HAN_LEGAL:
            if t.endswith(form) and len(t) > len(form):
                legal.append(form)
                t = t[: -len(form)]
                changed = True
                break
    return t, legal, prefix


@lru_cache(maxsize=65536)
def normalise(raw: str) -> NormalName:
    """Take a name apart: script, Latin core tokens, Han core, legal forms."""
    conversions: list[str] = []
    nfkc = unicodedata.normalize("NFKC", raw)
    if nfkc != raw:
        conversions.append("width")
    folded = fold(raw)
    if folded != nfkc.casefold():
        conversions.append("accents")
    has_han = bool(_HAN.search(folded))
    if has_han:
        simp = to_simplified(folded)
        if simp != folded:
            conversions.append("traditional")
        folded = simp
    has_latin = bool(re.search(r"[a-z]", folded))
    script: Script = "mixed" if has_han and has_latin else ("han" if has_han else "latin")
    han, prefix = "", None
    han_legal: list[str] = []
    tokens: list[str] = []
    legal: list[str] = []
    if has_han:
        han, han_legal, prefix = _han_core(folded)
    if script != "han":
        # in a mixed name the Latin part is read as tokens too (AEVEX航天公司)
        tokens, legal = _latin_tokens(_HAN.sub(" ", folded) if has_han else folded)
    return NormalName(
        raw=raw,
        script=script,
        tokens=tuple(tokens),
        han=han,
        han_only=_LATIN_RUN.sub("", han),
        legal_forms=tuple(legal + han_legal),
        removed_prefix=prefix,
        conversions=tuple(conversions),
    )
