"""Write ``src/lanthanide/rulebook/cn/lists/*.yaml`` from the reference table.

Usage::

    python scripts/build_entity_lists.py ../shared/reference/entity-lists.csv

The CSV (one row per list, announcement and entity; see the project's
reference notes) gives names, numbers, dates, statuses, sources and tags. What
each announcement's measures mean is written here once per kind of notice, in
the project's own words, and becomes structured ``measures``. The YAML files
are the rulebook data; this script is kept so the encoding can be repeated
when the table is corrected. It writes nothing but the YAML files.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import OrderedDict
from datetime import date
from pathlib import Path
from typing import Any

import yaml

OUT = Path(__file__).resolve().parents[1] / "src" / "lanthanide" / "rulebook" / "cn" / "lists"
VERIFIED_ON = "2026-12-01"
CHECKED_TO = "2026-09-29"
"""N2, the notice-level status source, covers MOFCOM decisions to this date."""

TAGS = {"N31": "P", "N13": "U", "N32": "U"}
FALLBACK = {
    "N1": "repo:aidehaomj-rgb/china-export-control-monitor@"
    "0660ec49b7ab8f6d91fe9fc6a23065cd9dd92ef6",
    "N2": "code-index:70470838600",
    "N11": "code-index:68835214592",
    "N13": "code-index:60075844090",
    "N14": "code-index:71445428629",
    "N31": "repo:ammitto/data-cn@519d49c0b378d373b127146583b21958b98e2576",
    "N32": "code-index:62106132228",
    "R1": "repo:weiqi-kids/agent.cross-border-trade@b364da096e587f3cfdce9a45fb792435769c8e78",
}
REPO_REF = {"aidehaomj-rgb": "N1", "ammitto": "N31", "weiqi-kids": "R1"}

LEGAL = {
    "control_list": [
        "《中华人民共和国出口管制法》第十八条",
        "《中华人民共和国两用物项出口管制条例》第二十八条、第二十九条",
    ],
    "watch_list": ["《中华人民共和国两用物项出口管制条例》第二十六条"],
    "unreliable_entity_list": [
        "《不可靠实体清单规定》（商务部令2020年第4号）第二条、第八条、第十条",
        "《中华人民共和国对外贸易法》",
        "《中华人民共和国国家安全法》",
        "《中华人民共和国反外国制裁法》",
    ],
    "countermeasure_list": [
        "《中华人民共和国反外国制裁法》第三条、第四条、第六条、第九条、第十条、第十五条",
        "《实施〈中华人民共和国反外国制裁法〉的规定》第三条、第五条、第八条、第十条",
    ],
}
ISSUER = {
    "control_list": ["商务部"],
    "watch_list": ["商务部"],
    "unreliable_entity_list": ["不可靠实体清单工作机制"],
    "countermeasure_list": ["商务部"],
}
TITLES = {
    "不可靠实体清单工作机制公告〔2025〕9号": {
        "zh": "不可靠实体清单工作机制关于将萨罗尼克科技公司等3家美国企业列入不可靠实体清单的公告"
    },
    "商务部令2025年第5号": {"zh": "关于对欧盟两家金融机构采取反制措施的决定"},
    "商务部令2026年第3号": {"zh": "关于对美国合规性测试公司采取反制措施的决定"},
}


def m(
    id: str,
    kind: str,
    activity: str,
    effect: str,
    en: str,
    *,
    items: str = "all",
    end_uses: list[str] | None = None,
    goods: dict[str, str] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": id, "kind": kind, "activity": activity, "items": items}
    if goods:
        out["goods"] = goods
    out["effect"] = effect
    if end_uses:
        out["end_uses"] = end_uses
    out["text"] = {"en": en}
    return out


CONTROL_BASE = [
    m(
        "dual-use-export-ban",
        "dual_use_export_ban",
        "export",
        "prohibited",
        "Exporters may not export dual-use items to the listed entity.",
        items="dual_use",
    ),
    m(
        "stop-ongoing",
        "stop_ongoing",
        "export",
        "duty",
        "Exports of dual-use items to the entity that are already under way must stop at once.",
        items="dual_use",
    ),
    m(
        "special-application",
        "special_application",
        "procedure",
        "none",
        "Where an export is truly necessary in a special case, the exporter may apply to "
        "MOFCOM for permission.",
        items="dual_use",
    ),
]
FOREIGN = m(
    "foreign-transfer-ban",
    "foreign_transfer_ban",
    "foreign_transfer",
    "prohibited",
    "Foreign organisations and individuals may not transfer or provide China-origin "
    "dual-use items to the listed entity.",
    items="dual_use",
)
WATCH = [
    m(
        "no-general-licence",
        "no_general_licence",
        "export",
        "licence_required",
        "Exports of dual-use items to the entity may not use a general licence or "
        "registration; each export needs its own licence.",
        items="dual_use",
    ),
    m(
        "single-licence",
        "single_licence",
        "export",
        "licence_required",
        "Each export to the entity needs a single (individual) licence.",
        items="dual_use",
    ),
    m(
        "risk-assessment",
        "risk_assessment",
        "export",
        "duty",
        "The licence application must include a risk assessment of the end user and end use.",
        items="dual_use",
    ),
    m(
        "written-undertaking",
        "written_undertaking",
        "export",
        "duty",
        "The application must include a written undertaking that the items will not be "
        "used to help raise Japan's military capability.",
        items="dual_use",
    ),
    m(
        "review-deadline",
        "review_deadline_suspended",
        "procedure",
        "duty",
        "The statutory review period of the Dual-Use Regulations Art. 17 para. 1 does not "
        "run for these applications.",
        items="dual_use",
    ),
    m(
        "stricter-review",
        "stricter_review",
        "procedure",
        "duty",
        "MOFCOM reviews the end user and end use of these applications more strictly.",
        items="dual_use",
    ),
    m(
        "military-refused",
        "military_refused",
        "export",
        "denial_presumed",
        "Applications for military end users or military end uses are refused.",
        items="dual_use",
        end_uses=["military"],
    ),
]
UEL_TRADE = m(
    "import-export-ban",
    "import_export_ban",
    "export",
    "prohibited",
    "The entity may not engage in import or export related to China: exports to it are "
    "banned, whatever the item.",
)
UEL_INVEST = m(
    "new-investment-ban",
    "new_investment_ban",
    "investment",
    "none",
    "The entity may not make new investments in China.",
)
UEL_ENTRY = m(
    "entry-ban-managers",
    "entry_ban_managers",
    "entry",
    "none",
    "The entity's senior managers may not enter China.",
)
UEL_PERMITS = m(
    "work-permits-refused",
    "work_permit_refused",
    "entry",
    "none",
    "Work permits, stay and residence status of those managers are refused or cancelled.",
)
UEL_DEALINGS = m(
    "dealings-ban",
    "dealings_ban",
    "dealings",
    "prohibited",
    "Organisations and individuals in China may not deal or cooperate with the entity, "
    "in particular by providing it with data or sensitive information.",
)
UEL_LISTING = m(
    "listing-only",
    "listing_only",
    "none",
    "none",
    "The notice puts the entity on the list but states no measure; measures are to follow "
    "in separate notices.",
)
UEL_SEQUENCERS = m(
    "gene-sequencer-import-ban",
    "named_import_ban",
    "import",
    "none",
    "The entity may not export gene sequencers to China (a ban on its sales into China, "
    "not on exports from China).",
    items="named",
    goods={"zh": "基因测序仪", "en": "gene sequencers"},
)
COUNTER = m(
    "transactions-ban",
    "transactions_ban",
    "dealings",
    "prohibited",
    "Organisations and individuals in China may not carry out transactions, cooperation "
    "or similar activities with the listed party.",
)
COUNTER_UNKNOWN = m(
    "countermeasures-unknown",
    "unknown_measures",
    "dealings",
    "unknown",
    "The order takes countermeasures against the party; their content was not retrieved "
    "and is not encoded. Check the order before dealing with the party.",
)

MEASURES: dict[str, list[dict[str, Any]]] = {
    "dual-use exports to the entity banned; ongoing exports must stop; exports only by "
    "special application to MOFCOM": CONTROL_BASE,
    "dual-use exports to the entity banned; foreign parties barred from transferring/providing "
    "China-origin dual-use items to it; ongoing activities must stop; exports only by special "
    "application to MOFCOM": [CONTROL_BASE[0], FOREIGN, *CONTROL_BASE[1:]],
    "China-related import/export banned; new investment in China banned": [UEL_TRADE, UEL_INVEST],
    "China-related import/export banned; new investment in China banned; senior managers barred "
    "from entry; their work permits and stay/residence status refused or cancelled": [
        UEL_TRADE,
        UEL_INVEST,
        UEL_ENTRY,
        UEL_PERMITS,
    ],
    "China-related import/export banned; new investment in China banned; organisations and "
    "individuals in China barred from transactions and cooperation with it, in particular "
    "transferring data or sensitive information": [UEL_TRADE, UEL_INVEST, UEL_DEALINGS],
    "organisations and individuals in China barred from transactions, cooperation and similar "
    "activities with it": [COUNTER],
    "countermeasures (content of the order not retrieved)": [COUNTER_UNKNOWN],
    "listed; the notice itself states no measure (measures to follow separately)": [UEL_LISTING],
    "export of gene sequencers to China banned": [UEL_SEQUENCERS],
}
ASSUMED_SUFFIXES = (
    " (wording not retrieved for this notice; taken from 2026 Nos. 11/20/23/30)",
    " (measures text of No. 28 not retrieved; assumed as No. 12)",
)
WATCH_KEY = (
    "no general licence or registration; single licence per export with a risk assessment "
    "and a written undertaking that the items will not help raise Japan's military "
    "capability; statutory review deadline (Dual-Use Regs Art. 17 para 1) does not run; "
    "stricter end-user/end-use review; military end-users/uses refused"
)
MEASURES[WATCH_KEY] = WATCH


def ident(lst: str, number: str) -> str:
    if lst == "unreliable_entity_list":
        n = re.search(r"〔(\d{4})〕(\d+)号", number)
        assert n, number
        return f"cn-uel-{n[1]}-{n[2]}"
    n = re.search(r"(\d{4})年第(\d+)号", number)
    assert n, number
    if "商务部令" in number:
        return f"cn-mofcom-order-{n[1]}-{n[2]}"
    short = {"control_list": "control-list", "watch_list": "watch-list"}[lst]
    return f"cn-mofcom-{n[1]}-{n[2]}-{short}"


def parse_sources(cell: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for part in (p.strip() for p in cell.split(" | ") if p.strip()):
        mm = re.match(r"^(\S+)\s+\((N\d+|R\d+)(?:,\s*([^)]*))?\)$", part)
        if mm:
            url, ref, note = mm[1], mm[2], mm[3]
        elif part.startswith("repo:"):
            owner = part[5:].split("/", 1)[0]
            base = REPO_REF.get(owner, "repo")
            seen[base] = seen.get(base, 0) + 1
            ref = f"{base}-file" + (str(seen[base]) if seen[base] > 1 else "")
            url, note = part, None
        else:
            raise SystemExit(f"cannot read source '{part}'")
        src: dict[str, Any] = {"ref": ref, "url": url, "tag": TAGS.get(ref.split("-")[0], "S")}
        if note:
            src["note"] = note
        if any(s["ref"] == ref for s in out):
            continue
        out.append(src)
    return out


def status_sources(cell: str) -> list[dict[str, Any]]:
    out = []
    for i, mm in enumerate(re.finditer(r"(https?://\S+?)\s*\(([^)]*)\)", cell)):
        ref = mm[2].split()[0].rstrip(",;")
        out.append(
            {
                "ref": f"{ref}-status{i + 1}",
                "url": mm[1],
                "tag": TAGS.get(ref, "S"),
                "note": mm[2],
            }
        )
    return out


KL_EXT = {
    "until": "2027-01-10",
    "announced": "2026-09-28",
    "by": "商务部美大司负责人",
    "legal_text_found": False,
    "checked_to": "2026-10-09",
    "text": {
        "en": "MOFCOM's Department of American and Oceanian Affairs said both sides agreed to "
        "extend the Kuala Lumpur arrangement to 2027-01-10. No MOFCOM notice amending the "
        "suspension was found up to 2026-10-09; nothing was found on what happened on "
        "2026-11-10."
    },
    "tag": "S",
    "sources": [
        {"ref": "N4", "url": "code-index:71536816702", "tag": "S", "note": "catalyst register"},
        {"ref": "N6", "url": "code-index:71182117382", "tag": "S", "note": "status 2026-10-09"},
    ],
}


def status_for(number: str, row: dict[str, str]) -> list[dict[str, Any]]:
    st = row["status"]
    if st == "in_force":
        return []
    srcs = status_sources(row["status_source"])
    if not srcs:
        srcs = [{"ref": "status", "url": FALLBACK["R1"], "tag": "S"}]
    if number == "不可靠实体清单工作机制公告〔2025〕7号":
        qa = srcs
        return [
            {
                "status": "suspended",
                "period": {"start": "2025-05-14", "end": "2025-08-12"},
                "by": "MOFCOM Q&A of 2025-05-14 (Geneva talks): measures suspended for 90 days",
                "text": {"en": "Measures suspended for 90 days after the Geneva talks."},
                "tag": "P",
                "sources": qa[:1],
            },
            {
                "status": "suspended",
                "period": {"start": "2025-08-12", "end": "2025-11-10"},
                "by": "MOFCOM Q&A of 2025-08-12 (Stockholm talks): suspension continued 90 days",
                "text": {"en": "Suspension continued for another 90 days after Stockholm."},
                "tag": "P",
                "sources": qa[:1],
            },
            {
                "status": "suspended",
                "period": {"start": "2025-11-10", "end": "2026-11-10"},
                "by": "MOFCOM spokesperson Q&A of 2025-11-05 (Kuala Lumpur arrangement)",
                "extension": KL_EXT,
                "text": {
                    "en": "Suspension continued for one year under the Kuala Lumpur arrangement."
                },
                "tag": "P",
                "sources": qa[1:] or qa,
            },
        ]
    if number == "不可靠实体清单工作机制公告〔2025〕8号":
        return [
            {
                "status": "suspended",
                "period": {"start": "2025-05-14", "end": "2025-08-12"},
                "by": "MOFCOM Q&A of 2025-05-14 (Geneva talks)",
                "text": {"en": "Measures suspended after the Geneva talks."},
                "tag": "P",
                "sources": srcs,
            },
            {
                "status": "stopped",
                "period": {"start": "2025-08-12"},
                "by": "MOFCOM Q&A of 2025-08-12 (Stockholm talks)",
                "text": {"en": "Measures stopped (停止) after the Stockholm talks."},
                "tag": "P",
                "sources": srcs,
            },
        ]
    period: dict[str, Any] = {"start": row["status_from"]}
    if row["status_until"]:
        period["end"] = row["status_until"]
    out: dict[str, Any] = {"status": st, "period": period}
    kl6 = "MOFCOM spokesperson Q&A of 2025-11-06 (Kuala Lumpur arrangement)"
    kl5 = "MOFCOM spokesperson Q&A of 2025-11-05 (Kuala Lumpur arrangement)"
    by = {
        "商务部公告2025年第13号": kl6,
        "商务部公告2025年第21号": kl6,
        "商务部公告2025年第22号": "MOFCOM Q&A of 2025-08-12 (Stockholm talks), per N2 only",
        "不可靠实体清单工作机制公告〔2025〕5号": kl5,
        "不可靠实体清单工作机制公告〔2025〕6号": kl5,
        "商务部令2025年第5号": "商务部令二〇二六年第1号 (effective Beijing time 2026-04-24)",
        "商务部令2025年第6号": "MOFCOM decision of 2025-11 (Kuala Lumpur arrangement); "
        "the research file names the suspending instrument 商务部令2025年第7号",
    }[number]
    out["by"] = by
    if number == "商务部公告2025年第21号":
        out["start_uncertain"] = True
    if st == "suspended":
        out["extension"] = KL_EXT
    text = {
        "stopped": "Measures stopped (停止实施); they do not come back.",
        "suspended": "Measures suspended (暂停实施) until the end date.",
        "cancelled": "Measures cancelled (取消) after the EU lifted its sanctions on two Chinese "
        "banks on 2026-04-23.",
    }[st]
    out["text"] = {"en": text}
    out["tag"] = "U" if number == "商务部公告2025年第22号" else "S"
    out["sources"] = srcs
    return [out]


def _dates(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _dates(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_dates(x) for x in v]
    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        return date.fromisoformat(v)
    return v


def entry_type(row: dict[str, str]) -> str:
    if "entity type: institution" in row["note"]:
        return "institution"
    return "company"


def main(csv_path: str) -> None:
    with open(csv_path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    groups: OrderedDict[tuple[str, str], list[dict[str, str]]] = OrderedDict()
    for r in rows:
        groups.setdefault((r["list"], r["announcement_number"]), []).append(r)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.yaml"):
        old.unlink()
    for (lst, number), grp in groups.items():
        first = grp[0]
        sources: list[dict[str, Any]] = []
        for r in grp:
            for s in parse_sources(r["source_urls"]):
                if not any(x["ref"] == s["ref"] for x in sources):
                    sources.append(s)
        for r in grp:
            for ref in r["source_ids"].split(";"):
                if ref and not any(x["ref"] == ref for x in sources):
                    sources.append({"ref": ref, "url": FALLBACK[ref], "tag": TAGS.get(ref, "S")})
        raw_measure = first["measures"]
        assumed = False
        for suf in ASSUMED_SUFFIXES:
            if raw_measure.endswith(suf):
                raw_measure, assumed = raw_measure[: -len(suf)], True
        raw_measure = raw_measure.split("; measure added by")[0]
        measures = []
        ann_refs = [r for r in first["source_ids"].split(";") if r]
        for meas in MEASURES[raw_measure]:
            mm = dict(meas)
            if assumed:
                mm["assumed"] = True
            mm["tag"] = "U" if assumed else ("P" if "N31" in ann_refs else "S")
            mm["sources"] = ann_refs
            measures.append(mm)
        ann_id = ident(lst, number)
        doc: dict[str, Any] = {
            "id": ann_id,
            "list": lst,
            "number": number,
        }
        if number in TITLES:
            doc["title"] = TITLES[number]
        doc["issuer"] = ISSUER[lst]
        doc["legal_basis"] = LEGAL[lst]
        doc["announced"] = first["announced"]
        doc["effective"] = first["effective"]
        if number in ("商务部公告2025年第22号", "不可靠实体清单工作机制公告〔2025〕8号"):
            doc["effective_time"] = "12:01"
        if number == "不可靠实体清单工作机制公告〔2025〕6号":
            doc["amends"] = "cn-uel-2025-4"
        doc["verified_on"] = VERIFIED_ON
        doc["sources_checked_to"] = CHECKED_TO
        order = {"U": 0, "S": 1, "P": 2}
        doc["tag"] = min((r["tag"] for r in grp), key=lambda t: order[t])
        doc["sources"] = sources
        doc["measures"] = measures
        status = status_for(number, first)
        if status:
            doc["status"] = status
        entries = []
        for i, r in enumerate(grp, start=1):
            name: dict[str, str] = {}
            if r["name_zh"]:
                name["zh"] = r["name_zh"]
            if r["name_en"]:
                name["en"] = r["name_en"]
            e: dict[str, Any] = {"id": str(i), "name": name}
            aliases = [a.strip() for a in r["aliases"].split(";") if a.strip()]
            if aliases:
                e["aliases"] = aliases
            e["country"] = r["country_or_region"] or None
            e["type"] = entry_type(r)
            if "韩华海洋株式会社" in r["note"]:
                e["parent"] = "韩华海洋株式会社 (Hanwha Ocean)"
            e["tag"] = r["tag"]
            e["sources"] = [x for x in r["source_ids"].split(";") if x]
            if r["note"]:
                e["notes"] = r["note"]
            entries.append(e)
        doc["entries"] = entries
        if number == "商务部令2026年第2号":
            doc["complete"] = False
            doc["notes"] = [
                "The order names more parties than the two encoded here; its full list was "
                "not retrieved (coverage is partial)."
            ]
        header = (
            f"# {number} — {lst.replace('_', ' ')}: {len(entries)} entr"
            f"{'y' if len(entries) == 1 else 'ies'}.\n"
            "# Encoded from the project's reference table (scripts/build_entity_lists.py);\n"
            "# names, numbers and dates as in the sources, the rest in our own words.\n"
        )
        text = yaml.safe_dump(_dates(doc), allow_unicode=True, sort_keys=False, width=100)
        (OUT / f"{ann_id}.yaml").write_text(header + text, encoding="utf-8")
        print(f"{ann_id}.yaml: {len(entries)}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/reference/entity-lists.csv")
