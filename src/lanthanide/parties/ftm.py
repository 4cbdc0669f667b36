"""The party lists as FollowTheMoney entities (for yente / OpenSanctions tooling).

``to_ftm(lists)`` yields one entity per listed party (schema ``Company``, or
``Organization`` for institutions) and one ``Sanction`` per listing, as plain
JSON-ready dicts in the FtM entity format (``id``, ``schema``,
``properties`` with lists of strings, ``datasets``). Written without the
``followthemoney`` package; the schema and property names are FtM's.
Serialise one dict per line (``json.dumps(e, ensure_ascii=False)``) to get a
file yente can index.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from lanthanide.rules.lists import LIST_TITLES, ListedEntry, PartyLists

DATASET = "lanthanide_cn_party_lists"

TOPICS: dict[str, list[str]] = {
    "control_list": ["export.control"],
    "watch_list": ["export.risk"],
    "unreliable_entity_list": ["sanction", "debarment"],
    "countermeasure_list": ["sanction.counter"],
}


def _id(*parts: str) -> str:
    digest = hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:16]
    return f"lanthanide-{digest}"


def party_id(le: ListedEntry) -> str:
    """One FtM id per party name and country, so a party listed by several
    notices is one entity with several sanctions."""
    e = le.entry
    return _id("party", e.name.en or "", e.name.zh or "", e.country or "")


def to_ftm(lists: PartyLists) -> Iterator[dict[str, Any]]:
    """Entities (``Company`` / ``Organization``, with FtM topics) and then one
    ``Sanction`` per listing."""
    parties: dict[str, dict[str, Any]] = {}
    sanctions: list[dict[str, Any]] = []
    for le in lists.entries:
        e, a = le.entry, le.announcement
        pid = party_id(le)
        if pid not in parties:
            props: dict[str, list[str]] = {
                "name": [n for n in (e.name.en, e.name.zh) if n],
                "topics": [],
            }
            if e.aliases:
                props["alias"] = list(e.aliases)
            if e.country:
                props["country"] = [e.country.lower()]
            if e.parent:
                props["notes"] = [f"parent: {e.parent}"]
            parties[pid] = {
                "id": pid,
                "schema": "Organization" if e.type == "institution" else "Company",
                "properties": props,
                "datasets": [DATASET],
            }
        topics = parties[pid]["properties"]["topics"]
        topics.extend(t for t in TOPICS[a.list] if t not in topics)
        status, end = "in_force", None
        if a.status:
            last = max(a.status, key=lambda p: p.period.start)
            status = last.status
            if last.status in ("stopped", "cancelled"):
                end = last.period.start.isoformat()
        title = LIST_TITLES[a.list]
        sanction: dict[str, list[str]] = {
            "entity": [pid],
            "authority": list(a.issuer),
            "program": [f"{title.zh} ({title.en})"],
            "reason": [m.text.en or m.text.zh or "" for m in a.measures],
            "listingDate": [a.announced.isoformat()],
            "startDate": [a.effective.isoformat()],
            "status": [status],
            "sourceUrl": [s.url for s in le.sources() if s.url.startswith("http")]
            or [s.url for s in a.sources if s.url.startswith("http")],
            "summary": [a.number],
        }
        if end:
            sanction["endDate"] = [end]
        sanctions.append(
            {
                "id": _id("sanction", le.uid),
                "schema": "Sanction",
                "properties": sanction,
                "datasets": [DATASET],
            }
        )
    yield from parties.values()
    yield from sanctions
