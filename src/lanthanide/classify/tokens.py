"""Normalisation and tokenisation, Chinese and English.

English: NFKC, lower case, British → American spellings, hyphenated words
split *and* joined ("rare-earth" → rare, earth, rareearth), plurals stemmed,
stop words dropped, numbers dropped (parameters are extracted separately,
:mod:`lanthanide.classify.params`), digit strings of 4-10 digits kept as
tariff-code tokens.

Chinese: jieba with the project's small domain dictionary (no general
dictionary: loading jieba's 20 MB default dictionary takes ~0.7 s, and the
domain words are what matters here), plus character bigrams of every Chinese
run, so a word the dictionary splits differently still matches.

Glossary concepts (:mod:`lanthanide.classify.glossary`) are found in the raw
text and added as ``§id`` tokens.
"""

from __future__ import annotations

import io
import re
import sys
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from lanthanide.classify.glossary import AMBIGUOUS_ZH, ELEMENT_TERMS, ELEMENTS, TERMS

if TYPE_CHECKING:
    import jieba

CJK = re.compile(r"[\u3400-\u9fff]+")
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:[-/][a-z0-9]+)*")
_DIGITS = re.compile(r"^[0-9]{4,10}$")
_HAS_ALPHA = re.compile(r"[a-z]")
_PURITY_N = re.compile(r"^[0-9]+(?:n[0-9]?|um|nm|mm|wh|kg|kw|gpa|mpa|ghz|mhz|m3|t)$")

STOP_EN: frozenset[str] = frozenset(
    [
        "a",
        "an",
        "and",
        "or",
        "of",
        "the",
        "for",
        "to",
        "in",
        "on",
        "with",
        "by",
        "from",
        "as",
        "at",
        "is",
        "are",
        "be",
        "its",
        "their",
        "other",
        "such",
        "this",
        "that",
        "these",
        "those",
        "than",
        "into",
        "per",
        "via",
        "any",
        "all",
        "not",
        "no",
        "we",
        "our",
        "i",
        "my",
        "need",
        "technology",
        "technologies",
        "technique",
        "techniques",
        "process",
        "processes",
        "production",
        "produce",
        "manufacturing",
        "manufacture",
        "method",
        "methods",
        "knowhow",
        "know",
        "how",
        "related",
        "item",
        "items",
        "export",
        "exports",
        "exporting",
        "want",
        "looking",
        "buy",
        "sell",
        "supply",
        "supplier",
        "shipment",
        "ship",
        "pls",
        "please",
        "quote",
        "about",
        "some",
        "used",
        "use",
        "using",
        "made",
        "make",
        "like",
        "etc",
        "vs",
        "x",
        "kg",
        "mt",
        "ton",
        "tons",
        "tonne",
        "tonnes",
        "pcs",
        "unit",
        "units",
        "lot",
        "lots",
    ]
)
GENERIC_ZH: tuple[str, ...] = (
    "技术",
    "工艺",
    "制备",
    "生产",
    "制造",
    "方法",
    "相关",
    "用于",
    "以及",
    "及其",
    "其他",
    "出口",
    "进口",
    "产品",
    "我们",
    "需要",
    "请问",
    "是否",
    "一批",
    "规格",
)
"""Words that say *what sort* of thing (technology, production) rather than
*which* thing: they split Chinese runs and are not scored (the glossary's
``technology`` concept still carries the intent)."""
_GENERIC_ZH = re.compile("|".join(GENERIC_ZH))
STOP_ZH: frozenset[str] = frozenset(
    ["的", "和", "及", "与", "或", "等", "用", "于", "其", "中", "对", "为", "以", "在", "了", "、"]
)
_SPELLING = (
    (re.compile(r"isation"), "ization"),
    (re.compile(r"(?<=[a-z]{3})is(e|ed|er|ers|ing)$"), r"iz\1"),
    (re.compile(r"sulph"), "sulf"),
    (re.compile(r"aluminium"), "aluminum"),
    (re.compile(r"fibre"), "fiber"),
    (re.compile(r"vapour"), "vapor"),
    (re.compile(r"colour"), "color"),
    (re.compile(r"mould"), "mold"),
)
_NO_STEM = frozenset(["gas", "gaas", "glass", "press", "process", "class", "lidar", "insb"])


_DOTTED_HS = re.compile(r"(?<![0-9.])([0-9]{4})\.([0-9]{2})((?:\.[0-9]{2}){1,2})(?![0-9.])")
_HS_PREFIXED = re.compile(
    r"(?<![a-z])((?:hs|hts|hs code|hscode|tariff|税号|税则号|商品编码)[\s:：#no.]*)"
    r"([0-9]{4})\.([0-9]{2})(?![0-9.])"
)


def normalise(text: str) -> str:
    """NFKC (full-width digits and letters, ％, ：), lower case, unify dashes;
    tariff codes written with dots (2846.90.15, 8110.10.10.00, "HS 2846.90")
    joined into digit strings."""
    t = unicodedata.normalize("NFKC", text)
    t = t.replace("–", "-").replace("—", "-").replace("‐", "-").replace("µ", "u")
    t = t.lower()
    if "." in t:
        t = _DOTTED_HS.sub(lambda m: m.group(1) + m.group(2) + m.group(3).replace(".", ""), t)
        t = _HS_PREFIXED.sub(lambda m: m.group(1) + m.group(2) + m.group(3), t)
    return t


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A deliberately small English stemmer: spelling variants and plurals."""
    w = word
    for pat, rep in _SPELLING:
        w = pat.sub(rep, w)
    if w in _NO_STEM or len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "xes", "ches", "shes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


@lru_cache(maxsize=1)
def _domain_words() -> tuple[str, ...]:
    words: set[str] = set()
    for _, _, zh, _ in ELEMENTS:
        words.add(zh)
    for _, terms in (*TERMS, *ELEMENT_TERMS):
        words |= {t for t in terms if CJK.search(t)}
    words |= set(DOMAIN_WORDS)
    return tuple(sorted(words))


DOMAIN_WORDS: tuple[str, ...] = (
    "钕铁硼",
    "钐钴",
    "萃取分离",
    "离子型稀土",
    "仲钨酸铵",
    "稀土",
    "永磁",
    "磁体",
    "磁材",
    "制备",
    "生产",
    "技术",
    "工艺",
    "设备",
    "材料",
    "金属",
    "合金",
    "氧化物",
    "化合物",
    "出口",
    "冶炼",
    "分离",
    "提炼",
    "加工",
    "利用",
    "开采",
    "选矿",
    "浸取",
    "靶材",
    "晶片",
    "单晶",
    "多晶",
    "衬底",
    "外延",
    "粉末",
    "微粉",
    "纯度",
    "高纯",
    "电池",
    "正极",
    "负极",
    "前驱体",
    "石墨",
    "石墨化",
    "金刚石",
    "压机",
    "线锯",
    "砂轮",
    "窗口",
    "萃取剂",
    "萃取槽",
    "焙烧",
    "电解",
    "还原",
    "烧结",
    "熔炼",
    "速凝",
    "氢碎",
    "气流磨",
    "取向",
    "成型",
    "热压",
    "等静压",
    "晶界扩散",
    "回收",
    "废料",
    "精矿",
    "原矿",
    "矿石",
    "碳酸盐",
    "氯化物",
    "氟化物",
    "硝酸盐",
    "软件",
    "算法",
    "无人机",
    "激光雷达",
    "风洞",
    "基因编辑",
    "育种",
    "中药材",
    "配方",
    "诀窍",
    "资料",
    "图纸",
    "生产线",
    "零部件",
    "组件",
    "电机",
    "转子",
    "有色金属",
    "提取",
    "母液",
    "卤水",
    "碳酸锂",
    "氢氧化锂",
    "磷酸铁锂",
    "锂辉石",
    "镓",
    "锗",
    "锑",
    "钨",
)


@lru_cache(maxsize=1)
def segmenter() -> jieba.Tokenizer:
    """A jieba tokenizer on the domain dictionary only, built in memory (no
    dictionary file read, no cache file written). jieba is imported here,
    by the first Chinese text to segment, without ``pkg_resources``
    (:func:`_import_jieba`)."""
    jieba = _import_jieba()

    tok = jieba.Tokenizer()
    lines = "\n".join(f"{w} {max(10, 5 * len(w))}" for w in _domain_words())
    tok.FREQ, tok.total = tok.gen_pfdict(io.BytesIO(lines.encode("utf-8")))
    tok.initialized = True
    return tok


def _import_jieba() -> Any:
    """``import jieba``, kept from importing ``pkg_resources``: jieba 0.42
    imports it only to open its own dictionary files (else it opens them
    by path), which a tokenizer on the domain dictionary never reads, and
    importing it is three quarters of importing jieba (~0.1 s). An import
    that finds ``None`` in :data:`sys.modules` raises ImportError, jieba's
    cue to do without; the entry is removed after."""
    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        with warnings.catch_warnings():
            # jieba 0.42 (2020) compiles regexes with invalid escapes and may
            # import pkg_resources: both warn on import under newer Pythons /
            # setuptools. Harmless here; silenced for this import only.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", UserWarning)
            import jieba
    finally:
        if blocked and sys.modules.get("pkg_resources", 0) is None:
            del sys.modules["pkg_resources"]
    return jieba


def _concept_patterns() -> tuple[
    list[tuple[str, str]], re.Pattern[str], dict[str, list[str]], list[tuple[re.Pattern[str], str]]
]:
    zh: list[tuple[str, str]] = []
    latin_multi: dict[str, list[str]] = {}
    symbols: list[tuple[re.Pattern[str], str]] = []
    for cid, sym, name_zh, names in ELEMENTS:
        if name_zh not in AMBIGUOUS_ZH:
            zh.append((name_zh, cid))
        for n in names:
            latin_multi.setdefault(n, []).append(cid)
        if len(sym) == 1:
            # single-letter symbols: capital, standalone, not a unit after a number
            symbols.append(
                (re.compile(rf"(?:^|(?<=[\s,;(/]))(?<![0-9]\s){sym}(?![A-Za-z0-9%])"), cid)
            )
        else:
            symbols.append((re.compile(rf"(?<![A-Za-z]){sym}(?![a-z])"), cid))
    for cid, terms in (*TERMS, *ELEMENT_TERMS):
        for t in terms:
            if CJK.search(t):
                zh.append((t, cid))
            elif cid not in latin_multi.setdefault(t, []):
                latin_multi[t].append(cid)
    alt = "|".join(re.escape(t) for t in sorted(latin_multi, key=len, reverse=True))
    # a lookahead finds terms starting at every position, so overlapping
    # terms ("rare earth ore" and "earth") are all found in one pass
    pattern = re.compile(rf"(?<![a-z0-9])(?=({alt})(?![a-z0-9]))")
    return zh, pattern, latin_multi, symbols


_ZH_CONCEPTS, _LATIN_RE, _LATIN_MAP, _SYMBOL_CONCEPTS = _concept_patterns()
_ELEMENT_NAME = {n: cid for cid, _, _, names in ELEMENTS for n in names}
_ELEMENT_RE = re.compile(
    rf"(?<![a-z0-9])({'|'.join(sorted(_ELEMENT_NAME, key=len, reverse=True))})(?![a-z0-9])"
)


def concepts(raw: str, norm: str | None = None, *, symbols: bool = True) -> dict[str, list[str]]:
    """Glossary concepts found in ``raw`` text: concept id -> surface forms."""
    n = norm if norm is not None else normalise(raw)
    found: dict[str, list[str]] = {}
    if CJK.search(n):
        for term, cid in _ZH_CONCEPTS:
            if term in n:
                found.setdefault(cid, []).append(term)
    for m in _LATIN_RE.finditer(n):
        term = m.group(1)
        for cid in _LATIN_MAP[term]:
            found.setdefault(cid, []).append(term)
    # an element's name inside a longer term ("tungsten concentrate",
    # "antimony regulus") still names the element
    for m in _ELEMENT_RE.finditer(n):
        cid = _ELEMENT_NAME[m.group(1)]
        if cid not in found:
            found[cid] = [m.group(1)]
    if symbols:
        nfkc = unicodedata.normalize("NFKC", raw)
        for pat, cid in _SYMBOL_CONCEPTS:
            sm = pat.search(nfkc)
            if sm:
                found.setdefault(cid, []).append(sm.group(0))
    return found


@dataclass(frozen=True, slots=True)
class Tokens:
    words: tuple[str, ...]
    """Content tokens (English stems, Chinese words and bigrams)."""
    codes: tuple[str, ...]
    """Digit strings of 4-10 digits (tariff codes) and code-like tokens."""
    concepts: dict[str, list[str]]


def _latin_tokens(run: str, out: list[str], codes: list[str]) -> None:
    for w in _LATIN_WORD.findall(run):
        if _DIGITS.match(w):
            codes.append(w)
            continue
        parts = w.replace("/", "-").split("-")
        if len(parts) > 1:
            joined = "".join(parts)
            if _HAS_ALPHA.search(joined) and joined not in STOP_EN:
                out.append(stem(joined))
        for p in parts:
            if len(p) < 2 or p in STOP_EN or not _HAS_ALPHA.search(p) or _PURITY_N.match(p):
                continue
            out.append(stem(p))


def _cjk_tokens(run: str, out: list[str]) -> None:
    for part in _GENERIC_ZH.split(run):
        if not part:
            continue
        for w in segmenter().cut(part, HMM=False):
            if len(w) > 1 and w not in STOP_ZH:
                out.append(w)
        if len(part) >= 2:
            out.extend(part[i : i + 2] for i in range(len(part) - 1))


_NOT_METAL = re.compile(r"非金属|\bnon-?metall?(?:ic|s)?\b")
"""Words that deny metal ("amorphous inorganic non-metallic materials",
非金属材料): one token of their own, never the metal concept or 金属."""


def tokenize(text: str, *, with_concepts: bool = True, symbols: bool = True) -> Tokens:
    n = normalise(text)
    if "非金属" in n or "non" in n:
        n = _NOT_METAL.sub(" nonmetal ", n)
    words: list[str] = []
    codes: list[str] = []
    pos = 0
    for m in CJK.finditer(n):
        _latin_tokens(n[pos : m.start()], words, codes)
        _cjk_tokens(m.group(0), words)
        pos = m.end()
    _latin_tokens(n[pos:], words, codes)
    found = concepts(text, n, symbols=symbols) if with_concepts else {}
    return Tokens(tuple(words), tuple(codes), found)


def concept_tokens(found: Iterable[str]) -> list[str]:
    return [f"§{c}" for c in found]
