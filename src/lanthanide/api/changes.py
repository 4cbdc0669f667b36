"""``GET /api/v1/timeline``, ``GET /api/v1/changes`` and ``POST /api/v1/impact``:
the same JSON as ``lanthanide rules timeline``, ``rules changes`` and
``impact`` with ``--format json`` (thin layers over :mod:`lanthanide.changes`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from lanthanide.api.deps import Client
from lanthanide.api.errors import loc, problem
from lanthanide.api.fields import IsoDate, NameValue, NonBlank, domain_422
from lanthanide.decide.model import CaseError

router = APIRouter()
DEFAULT_FROM = date(2023, 1, 1)


def _params(raw: list[str]) -> dict[str, str] | None:
    out: dict[str, str] = {}
    for p in raw:
        name, sep, value = p.partition("=")
        if not sep or not name.strip() or not value.strip():
            return None
        out[name.strip()] = value.strip()
    return out


@router.get(
    "/api/v1/timeline",
    responses=domain_422(
        "the case's fields as for POST /api/v1/check; `param` not name=value; "
        "`until` not after `from`"
    ),
)
def timeline(
    ln: Client,
    item: NonBlank | None = Query(None, description="Catalogue number or control code"),
    hs: NonBlank | None = Query(None, description="Tariff line, 6-10 digits"),
    text: NonBlank | None = Query(None, description="Free text"),
    kind: Literal["goods", "technology", "service"] | None = None,
    to: NonBlank | None = Query(None, description="Destination, ISO 3166-1 alpha-2"),
    end_use: Literal["civil", "military", "wmd", "re-activity-abroad"] | None = None,
    end_user: NonBlank | None = None,
    param: list[NameValue] = Query(default_factory=list, description="name=value, repeatable"),
    start: IsoDate | None = Query(None, alias="from", description="First day (default 2023-01-01)"),
    until: IsoDate | None = Query(None, description="First day after the range"),
) -> Any:
    """The dated intervals of one product's answer and what caused each change."""
    from lanthanide import Lanthanide
    from lanthanide.changes import TimelineError
    from lanthanide.changes import timeline as run

    params = _params(param)
    if params is None:
        return problem(422, ["query", "param"], "each param must look like name=value")
    book = ln.rulebook
    first = start or DEFAULT_FROM
    last = until or book.data_as_of.replace(year=book.data_as_of.year + 2)
    try:
        case = ln.case(
            item=item,
            hs=hs,
            text=text,
            kind=kind,
            destination=to,
            on=first,
            end_use=end_use,
            end_user=end_user,
            params=params,
        )
        t = run(ln.check, case, first, last, book=book, decide_under=lambda b: Lanthanide(b).check)
    except CaseError as exc:
        field = "to" if exc.field == "destination" else exc.field
        return problem(422, loc("query", field, int_indices=False), exc.message)
    except TimelineError as exc:
        return problem(422, ["query", exc.field], exc.message)
    return t.to_dict()


@router.get("/api/v1/changes", responses=domain_422("`until` not after `since`"))
def changes(
    ln: Client,
    since: Annotated[IsoDate, Query(description="First day")],
    until: IsoDate | None = Query(None, description="First day after the range"),
    lists: bool = Query(True, description="Include entity-list notices"),
) -> Any:
    """What changed in the law in [since, until)."""
    from lanthanide.changes import ChangeError
    from lanthanide.changes import changes as run

    try:
        return [c.to_dict() for c in run(ln.rulebook, since, until, lists=lists)]
    except ChangeError as exc:
        return problem(422, ["query", exc.field], exc.message)


class ImpactRequest(BaseModel):
    """Rows as ``lanthanide impact`` reads them from CSV (same column names)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    rows: list[dict[str, Any]] = Field(
        ..., min_length=1, examples=[[{"id": "P-1", "hs": "2853909026", "destination": "US"}]]
    )
    between: tuple[IsoDate, IsoDate] | None = Field(
        None,
        description="The two dates (or give `from` and `to`).",
        examples=[["2026-11-10", "2026-11-11"]],
    )
    from_: IsoDate | None = Field(
        None, alias="from", description="The first date (with `to`; instead of `between`)."
    )
    to: IsoDate | None = Field(None, description="The second date (with `from`).")


@router.post(
    "/api/v1/impact",
    responses=domain_422(
        "a row without a destination or product, or a column value as for "
        "POST /api/v1/check (``loc`` is rows, row index, column); `between` (or `from`, "
        "`to`) missing, given twice or not increasing"
    ),
)
def impact(req: ImpactRequest, ln: Client) -> Any:
    """Which rows change verdict between two dates, and which instrument causes it."""
    from lanthanide.changes import ImpactError, PortfolioError, parse_rows, summary
    from lanthanide.changes import impact as run

    if req.between is not None and (req.from_ is not None or req.to is not None):
        return problem(422, ["body", "between"], "give `between` or `from` and `to`, not both")
    when = req.between
    if when is None:
        if req.from_ is None or req.to is None:
            missing = "to" if req.from_ is not None else "from" if req.to is not None else "between"
            return problem(422, ["body", missing], "give `between` [D1, D2], or `from` and `to`")
        when = (req.from_, req.to)
    try:
        rows = parse_rows(req.rows)
        res = run(lambda b: ln.check, rows, when, ln.rulebook)
    except PortfolioError as exc:
        where: list[str | int] = ["body", "rows"]
        if exc.row is not None:
            where.append(exc.row - 1)
        if exc.column is not None:
            where.append(exc.column)
        return problem(422, where, exc.message)
    except ImpactError as exc:
        return problem(422, ["body", exc.field], exc.message)
    return {"rows": [r.to_dict() for r in res], "summary": summary(res)}
