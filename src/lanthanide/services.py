"""Use cases shared by the CLI and the HTTP API (thin: parse, call, shape)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any

from lanthanide import _check
from lanthanide.classify import Classifier
from lanthanide.countries import codes
from lanthanide.decide import Case, Determination, Engine, make_case
from lanthanide.rules.book import Rulebook, load_rulebook


def book() -> Rulebook:
    return load_rulebook()


# compatibility shim until the public ``Lanthanide`` object holds these
@cache
def _engine() -> Engine:
    return Engine(book())


@cache
def _classifier() -> Classifier:
    return Classifier(book())


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
    clf = _classifier() if _check.needs_reading(case) else None
    return _check.check(_engine(), clf, case)


def classify(text: str, *, kind: str | None = None, top: int = 5) -> dict[str, Any]:
    """Rank rulebook items and HS 2022 headings for ``text`` (JSON-ready)."""
    b = book()
    out = _classifier().classify(text, kind=kind, top=top).to_dict()
    out["rulebook_version"] = b.version
    return out
