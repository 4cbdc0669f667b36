"""Checks and classification: :meth:`case`, :meth:`check`,
:meth:`check_text`, :meth:`determination_json` and :meth:`classify`
(``lanthanide check`` / ``classify``, ``POST /api/v1/check``,
``GET /api/v1/classify``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from lanthanide._client.core import _bad, _Core, _date

if TYPE_CHECKING:
    from lanthanide.classify import Classification
    from lanthanide.decide import Case, Determination

MAX_TOP = 50
"""The most results :meth:`Checks.classify` returns."""


class CaseFields(TypedDict, total=False):
    """The raw fields of a case, as :meth:`Checks.case` takes them."""

    item: str | None
    """Catalogue number (``053302J``) or control code (``1C902.a``)."""
    hs: str | None
    """Tariff line, 6 to 10 digits."""
    text: str | None
    """Free text, read by the classifier."""
    kind: str | None
    """``goods``, ``technology`` or ``service``."""
    destination: str | None
    """ISO 3166-1 alpha-2 code."""
    on: date | str | None
    """Export date (a date or ``YYYY-MM-DD``; default today)."""
    end_use: str | None
    end_user: str | None
    """The end user's name, screened against China's party lists."""
    consignee: str | None
    """The consignee's name (when not the end user), screened the same way."""
    params: Mapping[str, Any] | None
    """Technical parameters, numbers or strings with units (``"99.995%"``)."""


def classification_json(c: Classification, rulebook_version: str) -> dict[str, Any]:
    """The JSON of a classification (``lanthanide classify --format json`` and
    ``GET /api/v1/classify``): the classifier's fields and the rulebook version."""
    out = c.to_dict()
    out["rulebook_version"] = rulebook_version
    return out


class Checks(_Core):
    """Cases in, determinations and classifications out."""

    def case(self, **raw: Unpack[CaseFields]) -> Case:
        """Validate raw input into a :class:`~lanthanide.decide.Case`; raises
        :class:`~lanthanide.decide.CaseError` naming the field."""
        from lanthanide.countries import codes
        from lanthanide.decide import make_case

        return make_case(**raw, countries=codes())

    def check(self, case: Case | None = None, /, **raw: Unpack[CaseFields]) -> Determination:
        """Decide a case: a :class:`~lanthanide.decide.Case`, or its raw fields
        (validated as :meth:`case` does)."""
        if case is None:
            case = self.case(**raw)
        elif raw:
            raise TypeError("check() takes a Case or raw fields, not both")
        return self._decide(case)

    def determination_json(self, d: Determination, *, trace: bool = True) -> dict[str, Any]:
        """The one JSON form of a determination, as ``check --format json`` and
        ``POST /api/v1/check`` give it: :meth:`Determination.to_dict` plus the
        user overlays this instance's rulebook was loaded with."""
        data = d.to_dict(trace=trace)
        data["overlays"] = [o.as_dict() for o in self.rulebook.overlays]
        return data

    def check_text(
        self,
        text: str,
        *,
        kind: str | None = None,
        destination: str | None = None,
        on: date | str | None = None,
        end_use: str | None = None,
        end_user: str | None = None,
        params: Mapping[str, Any] | None = None,
        consignee: str | None = None,
    ) -> Determination:
        """Decide a case described by free text (``"germanium 4N5"``)."""
        return self.check(
            text=text,
            kind=kind,
            destination=destination,
            on=on,
            end_use=end_use,
            end_user=end_user,
            consignee=consignee,
            params=params,
        )

    def classify(
        self, text: str, *, kind: str | None = None, top: int = 5, on: date | str | None = None
    ) -> Classification:
        """Rank catalogue items, control codes and HS 2022 headings for
        ``text``, with matched terms, confidence and parameters found.
        ``on``: rank on that date: an item not in force then ranks below one
        in force covering the same elements and kind, and each result
        carries its ``status_on`` (and ``demoted`` when it was ranked down)."""
        if not text.strip():
            raise _bad("text", "give a non-empty text")
        if not 1 <= top <= MAX_TOP:
            raise _bad("top", f"{top} is out of range (allowed: 1 to {MAX_TOP})")
        if kind is not None and kind not in ("goods", "technology"):
            raise _bad("kind", f"'{kind}' is not allowed (allowed: goods, technology)")
        day = _date("on", on)
        return self._classifier.classify(text, kind=kind, top=top, on=day)
