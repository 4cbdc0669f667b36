"""The parties of an application or a shipment screened against China's
party lists (export control control list, watch list, unreliable entity
list, countermeasure lists), through the registry's determination.

The registry's determination (:func:`~lanthanide.registry.context.decide_with`)
is the join ``lanthanide check`` makes: the case's ``end_user`` is screened
with :mod:`lanthanide.parties` on the case's date and the engine turns the
matches into findings, questions and warnings. A consignee is screened the
same way, as the party of its own case (the engine screens one party per
case). This module reads what the determinations say about the parties:

* on submission, :func:`summary` gives the stored ``screening`` (per party:
  matches with list, notice number, confidence and effects; the party
  findings, questions and warnings; the lists checked as of the date);
* on a shipment, :func:`shipment_refusal` says why a shipment must be
  refused: a party on a list whose measures prohibit the export on the
  shipment date.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import TYPE_CHECKING, Any

from lanthanide.registry.context import Decide

if TYPE_CHECKING:
    from lanthanide.decide.model import Case

PARTY_ROLES = ("end_user", "consignee")
ROLE_WORDS = {"end_user": "end user", "consignee": "consignee"}


def is_party_finding(f: dict[str, Any]) -> bool:
    """A finding made by a party listing (not by an item's control)."""
    return f.get("item") is None and str(f.get("matched_by") or "").startswith("party:")


def _is_party_code(x: dict[str, Any]) -> bool:
    return str(x.get("code") or "").startswith("party-")


def reword(reason: str, role: str) -> str:
    """A party finding's reason for the party's role (the engine says "End user")."""
    if role != "end_user" and reason.startswith("End user "):
        return ROLE_WORDS[role].capitalize() + " " + reason.removeprefix("End user ")
    return reason


def as_party(case: Case, name: str) -> Case:
    """``case`` with ``name`` as the party screened."""
    return dataclasses.replace(case, end_user=name)


def party_part(d: dict[str, Any]) -> dict[str, Any]:
    """What one line's determination says about its party."""
    return {
        "verdict": d["verdict"],
        "findings": [f for f in d["findings"] if is_party_finding(f)],
        "questions": [q for q in d["questions"] if _is_party_code(q)],
        "warnings": [w for w in d["warnings"] if _is_party_code(w)],
        "parties": d.get("parties"),
        "data_as_of": d.get("data_as_of"),
    }


def summary(on: date, parts: dict[str, tuple[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    """The stored screening: ``parts`` maps a role to its party's name and,
    per line, ``{"line": n, **party_part(...)}``."""
    out: list[dict[str, Any]] = []
    data_as_of = None
    for role in PARTY_ROLES:
        if role not in parts:
            continue
        name, lines = parts[role]
        reading = next((ln["parties"] for ln in lines if ln.get("parties")), None) or {}
        findings, questions, warnings = [], [], []
        seen: set[tuple[str, ...]] = set()
        for ln in lines:
            data_as_of = ln.get("data_as_of", data_as_of)
            for f in ln["findings"]:
                key: tuple[str, ...] = ("f", f["instrument"]["number"], f["control"], f["effect"])
                if key not in seen:
                    seen.add(key)
                    findings.append(
                        {
                            "lines": [x["line"] for x in lines if f in x["findings"]],
                            "effect": f["effect"],
                            "list": f["instrument"]["title"],
                            "number": f["instrument"]["number"],
                            "measure": f["control"],
                            "in_force_from": f["validity"]["start"],
                            "reason": reword(f["reason"], role),
                            "matched_by": f["matched_by"],
                        }
                    )
            for q in ln["questions"]:
                key = ("q", q["code"], q["text"])
                if key not in seen:
                    seen.add(key)
                    questions.append({"line": ln["line"], "code": q["code"], "text": q["text"]})
            for w in ln["warnings"]:
                key = ("w", w["code"], w["text"])
                if key not in seen:
                    seen.add(key)
                    warnings.append({"code": w["code"], "text": w["text"]})
        out.append(
            {
                "role": role,
                "name": name,
                "matches": reading.get("matches", []),
                "lists_checked": reading.get("lists_checked", []),
                "gaps": reading.get("gaps", []),
                "findings": findings,
                "questions": questions,
                "warnings": warnings,
            }
        )
    return {"on": on.isoformat(), "rulebook_data_as_of": data_as_of, "parties": out}


def shipment_refusal(
    decide: Decide, case: Case, parties: dict[str, str], licence: str, valid_from: date
) -> str | None:
    """Why a shipment of ``case`` (the licence line's item, destination, end
    use, on the shipment date) must be refused, or None: a party of the
    licence (``parties`` maps role to name) on a list whose measures prohibit
    the export on that date. The reason names the list, the notice, its
    measures and when the listing took effect, relative to the day the
    licence took effect (``valid_from``)."""
    found: dict[tuple[str, str], tuple[dict[str, Any], list[str]]] = {}
    for role, name in parties.items():
        d = decide(as_party(case, name)).to_dict(trace=False)
        for f in d["findings"]:
            if is_party_finding(f) and f["effect"] == "prohibited":
                key = (role, f["instrument"]["number"])
                found.setdefault(key, (f, []))[1].append(f["control"])
    reasons = []
    for (role, number), (f, measures) in found.items():
        start = f["validity"]["start"]
        after = start is not None and date.fromisoformat(start) > valid_from
        when = (
            f"in force from {start}, after licence {licence} took effect on {valid_from}"
            if after
            else f"in force from {start}, before licence {licence} took effect on {valid_from}"
        )
        reasons.append(
            f"{reword(f['reason'], role)} [{number} {when}; measures in force on the "
            f"shipment date {case.on}: {', '.join(measures)}]"
        )
    return "; ".join(reasons) if reasons else None
