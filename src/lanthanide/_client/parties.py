"""Party screening: :meth:`screen_party`, :meth:`party_lists` and
:meth:`export_ftm` (``lanthanide parties ...``), with their JSON forms."""

from __future__ import annotations

import os
from datetime import date
from typing import TYPE_CHECKING, Any

from lanthanide._client.core import _Core, _date

if TYPE_CHECKING:
    from lanthanide.parties import ListEffect, ListsChecked, PartyMatch

MAX_PARTY_NAME = 500
"""The longest party name screened (characters)."""

PARTY_LIST_ALIASES = {
    "control": "control_list",
    "watch": "watch_list",
    "unreliable": "unreliable_entity_list",
    "countermeasure": "countermeasure_list",
}
"""Short names of the four party lists (``--list control``)."""


class Parties(_Core):
    """Names screened against China's party lists; the lists themselves."""

    def screen_party(
        self, name: str, on: date | str | None = None, country: str | None = None
    ) -> dict[str, Any]:
        """A party name screened against China's party lists on ``on``
        (default today): every match (best first) with its confidence,
        explanation, status and effects, and the lists checked. JSON-ready.
        Raises :class:`~lanthanide.decide.CaseError` naming ``name``, ``on``
        or ``country`` on bad input."""
        from lanthanide.decide.model import CaseError
        from lanthanide.parties import lists_checked, screen_name

        if not isinstance(name, str) or not name.strip():
            raise CaseError("name", "a party name may not be empty")
        if len(name) > MAX_PARTY_NAME:
            raise CaseError("name", f"a party name is at most {MAX_PARTY_NAME} characters")
        if country is not None and (len(country) != 2 or not country.isalpha()):
            raise CaseError("country", f"'{country}' is not an ISO 3166-1 alpha-2 code like 'US'")
        day = _date("on", on) or date.today()
        lists = self.rulebook.lists
        matches = screen_name(name, lists, day, country.upper() if country else None)
        return {
            "query": name,
            "on": day.isoformat(),
            "country": country.upper() if country else None,
            "confident": any(m.confident for m in matches),
            "matches": [_party_match_json(m) for m in matches],
            "lists_checked": _lists_checked_json(lists_checked(lists, day)),
            "rulebook_version": self.rulebook.version,
        }

    def party_lists(self, list: str | None = None, on: date | str | None = None) -> dict[str, Any]:
        """Every listed party (of one list: ``control``, ``watch``,
        ``unreliable``, ``countermeasure`` or a full list id) with its status
        and effects on ``on`` (default today). JSON-ready."""
        from lanthanide.decide.model import CaseError
        from lanthanide.parties import effects_for, listing_state, lists_checked
        from lanthanide.rules.lists import LIST_KINDS

        kind: str | None = None
        if list is not None:
            kind = PARTY_LIST_ALIASES.get(list, list)
            if kind not in LIST_KINDS:
                allowed = ", ".join(PARTY_LIST_ALIASES)
                raise CaseError("list", f"'{list}' is not a list; use one of {allowed}")
        day = _date("on", on) or date.today()
        lists = self.rulebook.lists
        rows = []
        for le in lists.of(None if kind is None else [kind]):
            if le.announcement.effective > day:
                continue
            effects = effects_for(le, day)
            e = le.entry
            rows.append(
                {
                    "entry": le.uid,
                    "name": {"zh": e.name.zh, "en": e.name.en},
                    "aliases": [*e.aliases],
                    "country": e.country,
                    "list": le.list,
                    "number": le.announcement.number,
                    "effective": le.announcement.effective.isoformat(),
                    "status": listing_state(effects),
                    "effects": [_effect_json(x) for x in effects],
                    "tag": e.tag,
                }
            )
        return {
            "on": day.isoformat(),
            "list": kind,
            "entries": rows,
            "lists_checked": _lists_checked_json(lists_checked(lists, day)),
            "rulebook_version": self.rulebook.version,
        }

    def export_ftm(self, out: str | os.PathLike[str]) -> int:
        """Write the party lists as FollowTheMoney entities to ``out``, one
        JSON object per line; returns how many were written."""
        import json

        from lanthanide.parties import to_ftm

        n = 0
        with open(out, "w", encoding="utf-8") as fh:
            for entity in to_ftm(self.rulebook.lists):
                fh.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
                n += 1
        return n


def _source_json(s: Any) -> dict[str, Any]:
    return {k: v for k, v in s.model_dump(mode="json").items() if v is not None}


def _effect_json(e: ListEffect) -> dict[str, Any]:
    return {
        "list": e.list,
        "number": e.number,
        "measure": e.measure,
        "kind": e.kind,
        "activity": e.activity,
        "items": e.items,
        "effect": e.effect,
        "end_uses": None if e.end_uses is None else [*e.end_uses],
        "status": e.status,
        "applies": e.applies,
        "by": e.by,
        "text": {"zh": e.text.zh, "en": e.text.en},
        "assumed": e.assumed,
        "tag": e.tag,
        "sources": [_source_json(s) for s in e.sources],
    }


def _party_match_json(m: PartyMatch) -> dict[str, Any]:
    x = m.explanation
    e = m.entry.entry
    return {
        "entry": m.entry.uid,
        "name": {"zh": e.name.zh, "en": e.name.en},
        "country": e.country,
        "list": m.list,
        "number": m.number,
        "score": round(m.score, 4),
        "confidence": m.confidence,
        "confident": m.confident,
        "status": m.status,
        "explanation": {
            "summary": x.summary(),
            "matched_name": x.matched_name,
            "name_kind": x.name_kind,
            "script": x.script,
            "method": x.method,
            "country": x.country,
            "tokens": [
                {"query": t.query, "listed": t.listed, "similarity": round(t.similarity, 4)}
                for t in x.tokens
            ],
            "unmatched_query": [*x.unmatched_query],
            "unmatched_listed": [*x.unmatched_listed],
        },
        "effects": [_effect_json(f) for f in m.effects],
        "question": None if m.confident else m.question().en,
        "related": [r.entry.uid for r in m.related],
    }


def _lists_checked_json(c: ListsChecked) -> dict[str, Any]:
    return {
        "on": c.on.isoformat(),
        "announcements": [{"list": a, "number": n, "effective": d} for a, n, d in c.announcements],
        "counts": dict(c.counts),
        "data_as_of": c.data_as_of.isoformat() if c.data_as_of else None,
        "incomplete": [*c.incomplete],
        "warnings": [w.en for w in c.warnings],
    }
