"""Write ``benchmarks/parties_eval.yaml``: the labelled party-screening set.

    python benchmarks/make_parties_eval.py

Two parts. *Variants* are made from the listed names by fixed rules (case,
punctuation, legal-form changes, full width, traditional characters, one typo,
word order, a subsidiary suffix) so every list and script is covered.
*Hand-written* cases are translations and, above all, hard negatives: other
companies that share a word with a listed one (General Mills / General
Dynamics, Mitsubishi Estate / the listed Mitsubishi entities). Each case says
which listed parties (by primary name) must be flagged, whether the match
must be confident (``strong``), and which related parties may be flagged
without counting as a false positive (``allow``).

The YAML is the evaluation set; this script is how it was made. Rerunning it
over a changed rulebook changes the variants, so the set is regenerated only
on purpose.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import yaml

from lanthanide.parties.normalize import normalise
from lanthanide.rules.book import load_rulebook

OUT = Path(__file__).parent / "parties_eval.yaml"


def fullwidth(s: str) -> str:
    return "".join(
        chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in s
    )


def typo(s: str) -> str | None:
    words = s.split()
    idx = max(range(len(words)), key=lambda i: len(words[i].strip(",.")))
    w = words[idx]
    if len(w) < 6 or not w.isalpha():
        return None
    k = len(w) // 2
    words[idx] = w[: k - 1] + w[k] + w[k - 1] + w[k + 1 :]
    return " ".join(words)


def drop_letter(s: str) -> str | None:
    words = s.split()
    idx = max(range(len(words)), key=lambda i: len(words[i].strip(",.")))
    w = words[idx]
    if len(w) < 7 or not w.isalpha():
        return None
    k = len(w) // 2 + 1
    words[idx] = w[:k] + w[k + 1 :]
    return " ".join(words)


def swap_legal(s: str) -> str:
    n = normalise(s)
    core = s
    for form in (", Inc.", " Inc.", ", LLC", " LLC", " Corp.", " Corporation", ", Ltd.", " Ltd.",
                 " Co., Ltd.", " Co.,Ltd", " AG", " GmbH", " S.p.A.", " a.s.", " S.A.", " B.V.",
                 " Limited", " Co.", " UAB"):  # fmt: skip
        if core.endswith(form):
            core = core[: -len(form)].rstrip(",")
            break
    if n.legal_forms:
        return core
    return core + " Incorporated"


HAND: list[dict[str, Any]] = [
    # ---- translations and Chinese renderings
    {"q": "芒廷帕斯材料公司", "expect": ["MP Materials Corp."], "kind": "translated"},
    {"q": "芒廷帕斯材料有限公司", "expect": ["MP Materials Corp."], "kind": "translated"},
    {"q": "美国稀土公司", "expect": ["USA Rare Earth, Inc."], "kind": "translated"},
    {"q": "USA Rare Earth LLC", "expect": ["USA Rare Earth, Inc."], "kind": "variant"},
    {
        "q": "通用动力",
        "expect": ["General Dynamics"],
        "kind": "translated",
        "allow": [
            "General Dynamics Land Systems",
            "General Dynamics Mission Systems",
            "General Dynamics Information Technology",
            "General Dynamics Ordnance and Tactical Systems",
        ],
    },
    {"q": "通用動力公司", "expect": ["General Dynamics"], "kind": "traditional"},
    {
        "q": "洛克希德马丁公司",
        "expect": ["Lockheed Martin Corporation"],
        "kind": "translated",
        "allow": ["*Lockheed Martin"],
    },
    {
        "q": "雷神導彈與防務公司",
        "expect": ["Raytheon Missiles & Defense"],
        "kind": "traditional",
        "allow": ["Raytheon Missile Systems"],
    },
    {"q": "安杜里爾公司", "expect": ["Anduril Industries"], "kind": "traditional"},
    {
        "q": "漢翔航空工業股份有限公司",
        "expect": ["Aerospace Industrial Development Corp."],
        "kind": "traditional",
    },
    {
        "q": "國家中山科學研究院",
        "expect": ["National Chung-Shan Institute of Science & Technology"],
        "kind": "traditional",
        "strong": False,
    },
    {
        "q": "中山科學研究院",
        "expect": ["National Chung-Shan Institute of Science & Technology"],
        "kind": "traditional",
    },
    {"q": "台灣國際造船股份有限公司", "expect": ["CSBC Corporation,Taiwan"], "kind": "traditional"},
    {
        "q": "三菱重工航空発動機株式会社",
        "expect": ["Mitsubishi Heavy Industries Aero Engines, Ltd."],
        "kind": "japanese",
    },
    {"q": "沖電気工業株式会社", "expect": ["OKI Electric Industry Co., Ltd."], "kind": "japanese"},
    {
        "q": "住友重機械工業株式会社",
        "expect": ["Sumitomo Heavy Industries, Ltd."],
        "kind": "japanese",
    },
    {"q": "日東電工株式会社", "expect": ["Nitto Denko Corporation"], "kind": "japanese"},
    {
        "q": "日野自動車株式会社",
        "expect": [],
        "kind": "negative",
        "note": "Japanese 自動車 vs the listed Chinese rendering 日野汽车: a translation the "
        "matcher cannot bridge (documented limitation)",
        "allow": ["Hino Motors, Ltd."],
    },
    {
        "q": "三井物産エアロスペース株式会社",
        "expect": [],
        "kind": "negative",
        "note": "katakana rendering; not bridged",
        "allow": ["*Mitsui Bussan Aerospace"],
    },
    {"q": "因美纳", "expect": ["Illumina, Inc."], "kind": "translated"},
    {"q": "美国因美纳公司", "expect": ["Illumina, Inc."], "kind": "translated"},
    {"q": "莱茵金属股份公司", "expect": ["Rheinmetall AG"], "kind": "translated"},
    {
        "q": "韩华费城造船厂",
        "expect": [],
        "kind": "negative",
        "note": "no Chinese names for the Hanwha subsidiaries in the sources",
        "allow": ["Hanwha Philly Shipyard Inc."],
    },
    # ---- romanised / spelling variants written by hand
    {
        "q": "Lockheed-Martin Corp",
        "expect": ["Lockheed Martin Corporation"],
        "kind": "variant",
        "allow": ["*Lockheed Martin"],
    },
    {
        "q": "L-3 Harris Technologies",
        "expect": ["L3 Harris Technologies"],
        "kind": "variant",
        "allow": ["L3Harris Maritime Services, Inc."],
    },
    {
        "q": "L3Harris Technologies, Inc.",
        "expect": ["L3 Harris Technologies"],
        "kind": "variant",
        "allow": ["L3Harris Maritime Services, Inc."],
    },
    {"q": "Gibbs & Cox", "expect": ["Gibbs&Cox, Inc."], "kind": "variant"},
    {"q": "Gibbs and Cox Inc", "expect": ["Gibbs&Cox, Inc."], "kind": "variant"},
    {"q": "Aero Vironment", "expect": ["AeroVironment, Inc."], "kind": "variant"},
    {"q": "Iron Mountain Solutions", "expect": ["IronMountain Solutions"], "kind": "variant"},
    {"q": "Recorded Future", "expect": ["Recorded Future, Inc."], "kind": "variant"},
    {"q": "RecordedFuture Inc", "expect": ["Recorded Future, Inc."], "kind": "variant"},
    {
        "q": "Teledyne FLIR",
        "expect": ["Teledyne FLIR, LLC"],
        "kind": "variant",
        "allow": ["Teledyne Brown Engineering, Inc."],
    },
    {
        "q": "FLIR Systems (Teledyne FLIR LLC)",
        "expect": ["Teledyne FLIR, LLC"],
        "kind": "variant",
        "strong": False,
        "allow": ["Teledyne Brown Engineering, Inc."],
    },
    {"q": "Shield AI", "expect": ["Shield AI, Inc."], "kind": "variant"},
    {"q": "Havoc AI", "expect": ["HavocAI"], "kind": "variant"},
    {"q": "Skydio Incorporated", "expect": ["Skydio, Inc."], "kind": "variant"},
    {"q": "BRINC Drones", "expect": ["BRINC Drones, Inc."], "kind": "variant"},
    {
        "q": "Kratos Unmanned Aerial Systems",
        "expect": ["Kratos Unmanned Aerial Systems, Inc."],
        "kind": "variant",
    },
    {"q": "Dedrone", "expect": ["Dedrone by Axon"], "kind": "variant", "strong": False},
    {
        "q": "Dedrone by Axon Enterprise",
        "expect": ["Dedrone by Axon"],
        "kind": "variant",
        "strong": False,
    },
    {
        "q": "Elbit Systems of America",
        "expect": ["Elbit Systems of America, LLC"],
        "kind": "variant",
    },
    {"q": "BAE Systems Inc", "expect": ["BAE Systems, Inc."], "kind": "variant"},
    {"q": "TechInsights Korea", "expect": ["TechInsights Inc. and its branches"], "kind": "alias"},
    {
        "q": "Strategy Analytics GmbH",
        "expect": ["TechInsights Inc. and its branches"],
        "kind": "alias",
        "strong": False,
    },
    {"q": "TechInsights", "expect": ["TechInsights Inc. and its branches"], "kind": "alias"},
    {"q": "JAXA", "expect": ["Japan Aerospace Exploration Agency"], "kind": "alias"},
    {
        "q": "FN Herstal SA",
        "expect": ["FN Herstal, Fabrique Nationale de Herstal"],
        "kind": "alias",
        "allow": ["FN Browning"],
    },
    {
        "q": "Fabrique Nationale Herstal",
        "expect": ["FN Herstal, Fabrique Nationale de Herstal"],
        "kind": "alias",
        "strong": False,
    },
    {"q": "Hensoldt", "expect": ["HENSOLDT AG"], "kind": "variant"},
    {
        "q": "Rheinmetall Aktiengesellschaft",
        "expect": ["Rheinmetall AG"],
        "kind": "variant",
        "strong": False,
    },
    {"q": "Omnipol", "expect": ["OMNIPOL a.s."], "kind": "variant"},
    {"q": "Excalibur Army s.r.o.", "expect": ["EXCALIBUR ARMY spol.s.r.o"], "kind": "variant"},
    {"q": "Tatra Trucks", "expect": ["TATRA TRUCKS a.s."], "kind": "variant"},
    {"q": "Vigo Photonics", "expect": ["Vigo Photonics S.A."], "kind": "variant"},
    {
        "q": "Wroclaw University of Science and Technology",
        "expect": [],
        "kind": "negative",
        "note": "English name of Politechnika Wroclawska: a translation not in the sources",
        "allow": ["Politechnika Wroclawska"],
    },
    {"q": "Politechnika Wrocławska", "expect": ["Politechnika Wroclawska"], "kind": "variant"},
    {"q": "Verite", "expect": ["Verité"], "kind": "variant"},
    {
        "q": "Responsible Business Alliance (RBA)",
        "expect": ["Responsible Business Alliance"],
        "kind": "variant",
        "strong": False,
    },
    {"q": "Urbo Bankas", "expect": ["UAB Urbo Bankas"], "kind": "variant"},
    {"q": "Mano Bankas AB", "expect": ["AB Mano Bankas"], "kind": "variant"},
    {"q": "Hanwha Philly Shipyard", "expect": ["Hanwha Philly Shipyard Inc."], "kind": "variant"},
    {
        "q": "Hanwha Shipping",
        "expect": ["Hanwha Shipping LLC"],
        "kind": "variant",
        "allow": ["Hanwha Shipping Holdings LLC"],
    },
    {"q": "Compliance Testing", "expect": ["Compliance Testing LLC"], "kind": "variant"},
    {"q": "Mitsui E and S", "expect": ["MITSUI E&S Co., Ltd."], "kind": "variant"},
    {"q": "Subaru Corp", "expect": ["SUBARU Corporation"], "kind": "variant"},
    {"q": "ENEOS", "expect": ["ENEOS Corporation"], "kind": "variant"},
    {"q": "TDK Corp.", "expect": ["TDK Corporation"], "kind": "variant"},
    {
        "q": "Mitsubishi Materials",
        "expect": ["Mitsubishi Materials Corporation"],
        "kind": "variant",
    },
    {
        "q": "Oki Electric Industry",
        "expect": ["OKI Electric Industry Co., Ltd."],
        "kind": "variant",
        "allow": ["*OKI"],
    },
    {"q": "Sierra Nevada Corp", "expect": ["Sierra Nevada Corporation"], "kind": "variant"},
    {"q": "Oshkosh Defense", "expect": ["Oshkosh Defense, LLC"], "kind": "variant"},
    {
        "q": "Ball Aerospace and Technologies",
        "expect": ["Ball Aerospace & Technologies Corp."],
        "kind": "variant",
    },
    {"q": "Red Cat Holdings", "expect": ["Red Cat Holdings, Inc."], "kind": "variant"},
    {"q": "MP Materials Corporation", "expect": ["MP Materials Corp."], "kind": "variant"},
    {"q": "M.P. Materials Corp", "expect": ["MP Materials Corp."], "kind": "variant"},
    {
        "q": "MP Materials Corp. (Mountain Pass)",
        "expect": ["MP Materials Corp."],
        "kind": "variant",
        "strong": False,
    },
    {
        "q": "Jong Shyn Shipbuilding",
        "expect": ["Jong Shyn Shipbuilding Co.,Ltd"],
        "kind": "variant",
    },
    {
        "q": "National Chung Shan Institute of Science and Technology",
        "expect": ["National Chung-Shan Institute of Science & Technology"],
        "kind": "variant",
    },
    {
        "q": "NCSIST",
        "expect": [],
        "kind": "negative",
        "note": "acronym not in the sources",
        "allow": ["National Chung-Shan Institute of Science & Technology"],
    },
    # ---- subsidiaries and affiliates: flag, but not with confidence
    {
        "q": "Anduril Industries Australia Pty Ltd",
        "expect": ["Anduril Industries"],
        "kind": "subsidiary",
        "strong": False,
    },
    {
        "q": "Anduril UK Limited",
        "expect": [],
        "kind": "subsidiary",
        "allow": ["Anduril Industries"],
    },
    {"q": "Leidos Holdings", "expect": ["Leidos"], "kind": "subsidiary", "strong": False},
    {
        "q": "Leidos Innovations Corporation",
        "expect": ["Leidos"],
        "kind": "subsidiary",
        "strong": False,
    },
    {"q": "Skydio Europe GmbH", "expect": ["Skydio, Inc."], "kind": "subsidiary", "strong": False},
    {
        "q": "MP Materials Texas LLC",
        "expect": ["MP Materials Corp."],
        "kind": "subsidiary",
        "strong": False,
    },
    {
        "q": "Illumina Cambridge Ltd",
        "expect": ["Illumina, Inc."],
        "kind": "subsidiary",
        "strong": False,
    },
    {
        "q": "Cubic Defense Applications",
        "expect": [],
        "kind": "subsidiary",
        "allow": ["Cubic Corporation", "Cubic Global Defense"],
    },
    {
        "q": "Huntington Ingalls Industries Newport News Shipbuilding",
        "expect": ["Huntington Ingalls Industries, Inc."],
        "kind": "subsidiary",
        "strong": False,
    },
    {
        "q": "Mitsubishi Heavy Industries",
        "expect": [],
        "kind": "subsidiary",
        "note": "the parent is not listed; several of its subsidiaries are",
        "allow": ["*Mitsubishi Heavy Industries"],
    },
    {
        "q": "Mitsubishi Electric Corporation",
        "expect": [],
        "kind": "subsidiary",
        "allow": ["*Mitsubishi Electric"],
    },
    {
        "q": "Lockheed Martin",
        "expect": ["Lockheed Martin Corporation"],
        "kind": "variant",
        "allow": ["*Lockheed Martin"],
    },
    {
        "q": "Boeing Company",
        "expect": [],
        "kind": "subsidiary",
        "note": "the parent; the listed entity is its defence unit",
        "allow": ["Boeing Defense, Space & Security"],
    },
    {
        "q": "Boeing Defense",
        "expect": ["Boeing Defense, Space & Security"],
        "kind": "variant",
        "strong": False,
    },
    {
        "q": "General Atomics",
        "expect": [],
        "kind": "subsidiary",
        "allow": ["General Atomics Aeronautical Systems, Inc."],
    },
    {
        "q": "Raytheon Company",
        "expect": [],
        "kind": "subsidiary",
        "allow": [
            "Raytheon Missiles & Defense",
            "Raytheon Missile Systems",
            "Raytheon/Lockheed Martin Javelin Joint Venture",
        ],
    },
    {
        "q": "Fujitsu Limited",
        "expect": [],
        "kind": "subsidiary",
        "allow": ["Fujitsu Network Solutions Limited", "Fujitsu Defense & National Security, Ltd."],
    },
    {
        "q": "Komatsu Ltd.",
        "expect": [],
        "kind": "subsidiary",
        "allow": ["Komatsu NTC Ltd.", "Komatsu Industries Corporation"],
    },
    {"q": "IHI Corporation", "expect": [], "kind": "subsidiary", "allow": ["*IHI"]},
    {"q": "NEC Corporation", "expect": [], "kind": "subsidiary", "allow": ["*NEC"]},
    {
        "q": "Hitachi, Ltd.",
        "expect": [],
        "kind": "subsidiary",
        "allow": ["Hitachi Advanced Systems Corporation"],
    },
    {
        "q": "Kawasaki Heavy Industries, Ltd.",
        "expect": [],
        "kind": "subsidiary",
        "allow": ["Kawasaki Heavy Industries Aerospace Systems Company"],
    },
    # ---- hard negatives: share a word, must not be flagged
    {"q": "General Mills", "expect": [], "kind": "negative"},
    {"q": "General Motors Company", "expect": [], "kind": "negative"},
    {"q": "General Electric Aerospace", "expect": [], "kind": "negative"},
    {
        "q": "General Dynamite Supplies",
        "expect": [],
        "kind": "negative",
        "allow": ["General Dynamics"],
    },
    {"q": "Mitsubishi Estate Co., Ltd.", "expect": [], "kind": "negative"},
    {"q": "Mitsubishi UFJ Financial Group", "expect": [], "kind": "negative"},
    {"q": "Mitsubishi Chemical Corporation", "expect": [], "kind": "negative"},
    {"q": "Mitsubishi Motors", "expect": [], "kind": "negative"},
    {"q": "Mitsubishi Corporation", "expect": [], "kind": "negative"},
    {"q": "三菱地所株式会社", "expect": [], "kind": "negative"},
    {"q": "三菱商事株式会社", "expect": [], "kind": "negative"},
    {"q": "三菱化学株式会社", "expect": [], "kind": "negative"},
    {"q": "Applied Materials, Inc.", "expect": [], "kind": "negative"},
    {"q": "Summit Materials", "expect": [], "kind": "negative"},
    {"q": "Pacific Rim Mining Corp", "expect": [], "kind": "negative"},
    {
        "q": "Sierra Nevada Brewing Co.",
        "expect": [],
        "kind": "negative",
        "note": "shares both distinctive words with Sierra Nevada Corporation",
        "allow": ["Sierra Nevada Corporation"],
    },
    {
        "q": "Universal Logistics Software GmbH",
        "expect": [],
        "kind": "negative",
        "allow": ["Universal Logistics Holdings, Inc."],
    },
    {
        "q": "Global Dimension Data",
        "expect": [],
        "kind": "negative",
        "allow": ["Global Dimensions LLC"],
    },
    {
        "q": "Maritime Tactical Solutions Ltd",
        "expect": [],
        "kind": "negative",
        "allow": ["Maritime Tactical Systems"],
    },
    {"q": "Red Six Media", "expect": [], "kind": "negative"},
    {"q": "Group Western", "expect": [], "kind": "negative"},
    {"q": "Axon Enterprise, Inc.", "expect": [], "kind": "negative"},
    {"q": "Cubic Zirconia Trading", "expect": [], "kind": "negative"},
    {"q": "Intelligent Systems Corporation", "expect": [], "kind": "negative"},
    {"q": "Applied Technology Partners", "expect": [], "kind": "negative"},
    {"q": "Source Code Technologies", "expect": [], "kind": "negative"},
    {"q": "Hudson Bay Company", "expect": [], "kind": "negative"},
    {"q": "Summit Tech Partners", "expect": [], "kind": "negative"},
    {
        "q": "Teledyne Technologies Incorporated",
        "expect": [],
        "kind": "negative",
        "allow": ["Teledyne FLIR, LLC", "Teledyne Brown Engineering, Inc."],
    },
    {"q": "Rare Earth Magnets Ltd", "expect": [], "kind": "negative"},
    {"q": "Materials Research Corporation", "expect": [], "kind": "negative"},
    {"q": "Japan Airlines", "expect": [], "kind": "negative"},
    {"q": "Japan Tobacco Inc.", "expect": [], "kind": "negative"},
    {"q": "Nippon Steel Corporation", "expect": [], "kind": "negative"},
    {"q": "Sumitomo Electric Industries", "expect": [], "kind": "negative"},
    {"q": "Sumitomo Mitsui Banking Corporation", "expect": [], "kind": "negative"},
    {"q": "Mitsui Fudosan", "expect": [], "kind": "negative"},
    {"q": "Nitto Boseki Co., Ltd.", "expect": [], "kind": "negative"},
    {"q": "Nissin Foods Holdings", "expect": [], "kind": "negative"},
    {"q": "Toyota Motor Corporation", "expect": [], "kind": "negative"},
    {"q": "Sony Group Corporation", "expect": [], "kind": "negative"},
    {"q": "Siemens AG", "expect": [], "kind": "negative"},
    {"q": "BASF SE", "expect": [], "kind": "negative"},
    {"q": "Tesla, Inc.", "expect": [], "kind": "negative"},
    {"q": "Apple Inc.", "expect": [], "kind": "negative"},
    {"q": "Oceania Engineering", "expect": [], "kind": "negative"},
    {"q": "Planet Labs PBC", "expect": [], "kind": "negative"},
    {"q": "Epiroc AB", "expect": [], "kind": "negative"},
    {"q": "Novo Nordisk", "expect": [], "kind": "negative"},
    {"q": "Insight Enterprises", "expect": [], "kind": "negative"},
    {"q": "Echo Global Logistics", "expect": [], "kind": "negative"},
    {"q": "Halifax Bank of Scotland", "expect": [], "kind": "negative"},
    {"q": "Garnet Mining S.r.l.", "expect": [], "kind": "negative", "allow": ["Garnet S.r.l."]},
    {"q": "Tatra Banka a.s.", "expect": [], "kind": "negative"},
    {"q": "Ekspla Optics Trading", "expect": [], "kind": "negative", "allow": ["Ekspla UAB"]},
    {"q": "通用电气公司", "expect": [], "kind": "negative"},
    {"q": "通用汽车公司", "expect": [], "kind": "negative"},
    {"q": "立方体科技有限公司", "expect": [], "kind": "negative"},
    {"q": "华为技术有限公司", "expect": [], "kind": "negative"},
    {"q": "中国稀土集团有限公司", "expect": [], "kind": "negative"},
    {"q": "北方稀土", "expect": [], "kind": "negative"},
    {"q": "美国铝业公司", "expect": [], "kind": "negative"},
    {"q": "美国通用磨坊公司", "expect": [], "kind": "negative"},
    {"q": "国际商业机器公司", "expect": [], "kind": "negative"},
    {"q": "日本电产株式会社", "expect": [], "kind": "negative"},
    {"q": "日本航空株式会社", "expect": [], "kind": "negative"},
    {"q": "川崎汽船株式会社", "expect": [], "kind": "negative"},
    {"q": "住友商事株式会社", "expect": [], "kind": "negative"},
    {"q": "小松制作所", "expect": [], "kind": "negative", "allow": ["*Komatsu"]},
    {
        "q": "三井物产株式会社",
        "expect": [],
        "kind": "negative",
        "allow": ["*Mitsui Bussan Aerospace"],
    },
    {"q": "日立制作所", "expect": [], "kind": "negative"},
    {"q": "富士通株式会社", "expect": [], "kind": "negative", "allow": ["*Fujitsu"]},
]


def main() -> None:
    book = load_rulebook()
    seen: set[str] = set()
    cases: list[dict[str, Any]] = []
    entries = sorted(
        {_key(le.entry.name.best()): le for le in book.lists.entries}.values(),
        key=lambda le: le.uid,
    )
    for i, le in enumerate(entries):
        e = le.entry
        primary = e.name.best()
        variants: list[tuple[str, str, bool]] = []
        if e.name.en:
            en = e.name.en
            variants.append((en, "exact", True))
            if i % 2 == 0:
                variants.append((en.upper().replace(",", "").replace(".", ""), "variant", True))
            else:
                variants.append((en.lower(), "variant", True))
            variants.append((swap_legal(en), "legal_form", True))
            if i % 3 == 0:
                variants.append((fullwidth(en), "fullwidth", True))
            t = typo(en) if i % 2 == 0 else drop_letter(en)
            if t:
                variants.append((t, "typo", True))
            words = en.replace(",", "").split()
            if i % 5 == 0 and len(words) == 2:
                variants.append((f"{words[1]} {words[0]}", "word_order", True))
        if e.name.zh:
            variants.append((e.name.zh, "translated" if e.name.en else "exact", True))
            trad = unicodedata.normalize("NFC", _s2t(e.name.zh))
            if trad != e.name.zh and i % 2 == 1:
                variants.append((trad, "traditional", True))
        for q, kind, strong in variants:
            if q in seen:
                continue
            seen.add(q)
            case: dict[str, Any] = {"q": q, "expect": [primary], "kind": kind, "origin": "rule"}
            if not strong:
                case["strong"] = False
            cases.append(case)
    for h in HAND:
        if h["q"] not in seen:
            seen.add(h["q"])
            cases.append({**h, "origin": "hand"})
    doc = {
        "about": "Labelled party-screening queries (see benchmarks/make_parties_eval.py). "
        "'expect': primary names of listed parties that must be flagged; 'strong': whether "
        "the match must be confident (default true when expect is not empty); 'allow': "
        "related parties that may be flagged without counting as a false positive ('*X' = "
        "any party whose primary name starts with X).",
        "cases": cases,
    }
    OUT.write_text(
        yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8"
    )
    kinds: dict[str, int] = {}
    for c in cases:
        kinds[c["kind"]] = kinds.get(c["kind"], 0) + 1
    print(f"{len(cases)} cases: {kinds}")


def _key(name: str) -> str:
    n = normalise(name)
    return " ".join(sorted(n.tokens)) or n.han


def _s2t(text: str) -> str:
    import opencc

    return str(opencc.OpenCC("s2t").convert(text))


if __name__ == "__main__":
    main()
