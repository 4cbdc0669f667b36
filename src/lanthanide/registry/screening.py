"""The parties of an application or a shipment screened against China's
party lists (export control control list, watch list, unreliable entity
list, countermeasure lists), through the registry's determination.

The registry's determination (:func:`~lanthanide.registry.context.decide_with`)
is the join ``lanthanide check`` makes: the case's ``end_user`` and
``consignee`` are screened with :mod:`lanthanide.parties` on the case's date
and the engine turns the matches into findings, questions and warnings (the
determination's ``parties`` and ``consignee``). This module reads what the
determinations say about the parties:

* on submission, :func:`summary` gives the stored ``screening`` (per party:
  matches with list, notice number, confidence and effects; the party
  findings, questions and warnings; the lists checked as of the date);
* on a shipment, :func:`shipment_refusal` says why a shipment must be
  refused: a party on a list whose measures prohibit the export on the
  shipment date.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from lanthanide.registry.context import Decide

if TYPE_CHECKING:
    from lanthanide.decide.model import Case

PARTY_ROLES = ("end_user", "consignee")
READING_KEY = {"end_user": "parties", "consignee": "consignee"}
"""Where a determination's JSON holds the screening of each role."""
ROLE_WORDS = {"end_user": "End user", "consignee": "Consignee"}
"""How the engine's party findings name the role (``decide.party_model.ROLE_WORDS``)."""


def is_party_finding(f: dict[str, Any]) -> bool:
    """A finding made by a party listing (not by an item's control)."""
    return f.get("item") is None and str(f.get("matched_by") or "").startswith("party:")


def _of_role(f: dict[str, Any], role: str, name: str) -> bool:
    return str(f.get("reason", "")).startswith(f"{ROLE_WORDS[role]} '{name}'")


def _warning_of(w: dict[str, Any], name: str, listed: set[str]) -> bool:
    params = w.get("params") or {}
    return params.get("name") == name or params.get("listed") in listed


def summary(on: date, parties: dict[str, str], det: list[dict[str, Any]]) -> dict[str, Any]:
    """The stored screening: per party (``parties`` maps role to name), from
    the determination of every line ``det``."""
    out: list[dict[str, Any]] = []
    data_as_of = det[0].get("data_as_of") if det else None
    for role in PARTY_ROLES:
        if role not in parties:
            continue
        name = parties[role]
        reading: dict[str, Any] = next(
            (ln[READING_KEY[role]] for ln in det if ln.get(READING_KEY[role])), {}
        )
        listed = {m["listed"] for m in reading.get("matches", [])}
        findings: list[dict[str, Any]] = []
        questions: list[dict[str, Any]] = []
        warnings: list[dict[str, Any]] = []
        seen: set[tuple[str, ...]] = set()
        for ln in det:
            for f in ln["findings"]:
                if not (is_party_finding(f) and _of_role(f, role, name)):
                    continue
                key: tuple[str, ...] = ("f", f["instrument"]["number"], f["control"], f["effect"])
                if key in seen:
                    continue
                seen.add(key)
                findings.append(
                    {
                        "lines": [
                            x["line"]
                            for x in det
                            if any(
                                (g["instrument"]["number"], g["control"], g["effect"]) == key[1:]
                                and _of_role(g, role, name)
                                for g in x["findings"]
                            )
                        ],
                        "effect": f["effect"],
                        "list": f["instrument"]["title"],
                        "number": f["instrument"]["number"],
                        "measure": f["control"],
                        "in_force_from": f["validity"]["start"],
                        "reason": f["reason"],
                        "matched_by": f["matched_by"],
                    }
                )
            for q in ln["questions"]:
                if q.get("field") == role and ("q", q["code"], q["text"]) not in seen:
                    seen.add(("q", q["code"], q["text"]))
                    questions.append({"line": ln["line"], "code": q["code"], "text": q["text"]})
            for w in ln["warnings"]:
                code = str(w.get("code") or "")
                if (
                    code.startswith("party-")
                    and _warning_of(w, name, listed)
                    and ("w", code, w["text"]) not in seen
                ):
                    seen.add(("w", code, w["text"]))
                    warnings.append({"code": code, "text": w["text"]})
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


def shipment_refusal(decide: Decide, case: Case, licence: str, valid_from: date) -> str | None:
    """Why a shipment of ``case`` (the licence line's item, destination, end
    use, end user and consignee, on the shipment date) must be refused, or
    None: a party on a list whose measures prohibit the export on that date.
    The reason names the list, the notice, its measures and when the listing
    took effect, relative to the day the licence took effect (``valid_from``)."""
    d = decide(case).to_dict(trace=False)
    found: dict[tuple[str, str], tuple[dict[str, Any], list[str]]] = {}
    for f in d["findings"]:
        if is_party_finding(f) and f["effect"] == "prohibited":
            who = str(f["reason"]).split(" is ", 1)[0]
            key = (who, f["instrument"]["number"])
            found.setdefault(key, (f, []))[1].append(f["control"])
    reasons = []
    for (_who, number), (f, measures) in found.items():
        start = f["validity"]["start"]
        after = start is not None and date.fromisoformat(start) > valid_from
        when = (
            f"in force from {start}, after licence {licence} took effect on {valid_from}"
            if after
            else f"in force from {start}, before licence {licence} took effect on {valid_from}"
        )
        reasons.append(
            f"{f['reason']} [{number} {when}; measures in force on the shipment date "
            f"{case.on}: {', '.join(measures)}]"
        )
    return "; ".join(reasons) if reasons else None
