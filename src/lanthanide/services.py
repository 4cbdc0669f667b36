"""Use cases shared by the CLI and the HTTP API (thin: parse, call, shape)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from lanthanide.classify import classifier_for
from lanthanide.countries import codes
from lanthanide.decide import Case, Determination, decide, make_case
from lanthanide.rules.book import Rulebook, load_rulebook


def book() -> Rulebook:
    return load_rulebook()


def build_case(
    *,
    item: str | None = None,
    hs: str | None = None,
    text: str | None = None,
    kind: str | None = None,
    destination: str | None = None,
    on: date | str | None = None,
    end_use: str | None = None,
    end_user: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> Case:
    """Validate raw input (raises ``CaseError`` naming the field)."""
    return make_case(
        item=item,
        hs=hs,
        text=text,
        kind=kind,
        destination=destination,
        on=on,
        end_use=end_use,
        end_user=end_user,
        params=params,
        countries=codes(),
    )


def check(case: Case) -> Determination:
    return decide(case, book())


def classify(text: str, *, kind: str | None = None, top: int = 5) -> dict[str, Any]:
    """Rank rulebook items and HS 2022 headings for ``text`` (JSON-ready)."""
    b = book()
    out = classifier_for(b).classify(text, kind=kind, top=top).to_dict()
    out["rulebook_version"] = b.version
    return out
