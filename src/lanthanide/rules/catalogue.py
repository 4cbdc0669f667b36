"""The dual-use licence catalogue: export control codes ↔ tariff lines.

The yearly 《两用物项和技术进出口许可证管理目录》 maps every dual-use item to the
reference tariff lines (参考HS编码) customs checks the dual-use licence against;
the 2026 edition is 商务部 海关总署公告2025年第91号, in force 2026-01-01. It is
shipped as a CSV table beside the instrument YAML that names it
(``licence_catalogue.file``), one row per (code, tariff line), with a source id
and a reliability tag on every row. The table is validated on load: every
problem names the CSV file, the row and the column.

The catalogue creates no control of its own: the items are controlled by the
announcements that list them. What it gives the engine is a net: a tariff line
listed in the catalogue in force may carry a dual-use item, so a case on it
that no precisely encoded item settles is not "not controlled" (see
docs/rulebook.md, "Dual-use licence catalogue").
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from lanthanide.rules.model import Instrument, Period, Source, Tag, _Strict

if TYPE_CHECKING:
    from lanthanide.rules.book import Rulebook
    from lanthanide.rules.loader import Problem

CONTROL_CODE = re.compile(r"^[0-9][A-E][0-9]{3}(\.[a-z0-9]+)*$")
HS10 = re.compile(r"^[0-9]{10}$")
COLUMNS = (
    "direction",
    "seq",
    "control_code",
    "hs",
    "licence",
    "section",
    "category",
    "tag",
    "source_id",
    "n9_index",
    "note",
)
LICENCES = {"export": "两用物项和技术出口许可证", "import": "两用物项和技术进口许可证"}

Direction = Literal["export", "import"]


class CatalogueLine(_Strict):
    """One row: a control code (or none, where the source gives none) and one
    reference tariff line (or none: the item needs a licence all the same)."""

    direction: Direction
    seq: int = Field(ge=0)
    """序号 as printed (not unique: the import part restarts its numbering)."""
    control_code: str | None = None
    hs: str | None = None
    licence: str
    section: str | None = None
    category: str | None = None
    tag: Tag
    source_id: str = Field(min_length=1)
    n9_index: int = Field(ge=0)
    """The record's position in the source table (unique per record)."""
    note: str | None = None

    @field_validator("control_code")
    @classmethod
    def _code(cls, v: str | None) -> str | None:
        if v is not None and not CONTROL_CODE.match(v):
            raise ValueError(f"control code '{v}' must look like 1C902 or 1C902.a.1")
        return v

    @field_validator("hs")
    @classmethod
    def _hs(cls, v: str | None) -> str | None:
        if v is not None and not HS10.match(v):
            raise ValueError(f"tariff line '{v}' must be 10 digits")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> CatalogueLine:
        if self.licence != LICENCES[self.direction]:
            raise ValueError(
                f"licence '{self.licence}' does not fit direction '{self.direction}' "
                f"(expected {LICENCES[self.direction]})"
            )
        if self.control_code and self.section and self.control_code[:2] != self.section:
            raise ValueError(
                f"section '{self.section}' must be the first two characters of "
                f"'{self.control_code}'"
            )
        return self


class CatalogueDeclared(_Strict):
    """What the catalogue (or its source) says about its size, beside the rows."""

    rows: int | None = None
    """Rows the table must have (a check on the file, not on the law)."""
    export_records: int | None = None
    import_records: int | None = None
    export_codes: int | None = None
    export_hs_lines: int | None = None
    tag: Tag = "S"
    note: str | None = None


# The default of ``LicenceCatalogue.declared``, built without validation
# (``CatalogueDeclared()`` would build the model's validator at import,
# deferred everywhere else; the default needs none), equal to it.
NOTHING_DECLARED = CatalogueDeclared.model_construct()


class LicenceCatalogue(_Strict):
    """An instrument's licence catalogue table (``licence_catalogue:`` in YAML)."""

    edition: str
    file: str
    """CSV path relative to the YAML file."""
    valid: Period
    declared: CatalogueDeclared = NOTHING_DECLARED
    sources: tuple[Source, ...] = Field(min_length=1)
    lines: tuple[CatalogueLine, ...] = ()
    """Filled from ``file`` on load."""

    @field_validator("file")
    @classmethod
    def _relative(cls, v: str) -> str:
        if not v.endswith(".csv") or v.startswith("/") or ".." in Path(v).parts:
            raise ValueError(f"'{v}' must be a .csv path inside the rulebook directory")
        return v


# ------------------------------------------------------------------ loading
def read_table(path: Path, shown: str) -> tuple[list[CatalogueLine], list[Problem]]:
    """Read and validate a catalogue CSV; ``shown`` is the file name used in
    problems."""
    from lanthanide.rules.loader import Problem, error_message

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return [], [Problem(shown, "", "file not found")]
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(shown, "", f"cannot be read as UTF-8 text: {exc}")]
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        return [], [
            Problem(shown, "row 1", f"header must be exactly: {','.join(COLUMNS)} (got {header})")
        ]
    lines: list[CatalogueLine] = []
    problems: list[Problem] = []
    for n, row in enumerate(reader, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(COLUMNS):
            problems.append(
                Problem(shown, f"row {n}", f"has {len(row)} columns, expected {len(COLUMNS)}")
            )
            continue
        raw: dict[str, str | None] = {
            k: (v.strip() or None) for k, v in zip(COLUMNS, row, strict=True)
        }
        try:
            lines.append(CatalogueLine.model_validate(raw))
        except ValidationError as exc:
            for err in exc.errors():
                col = str(err["loc"][0]) if err["loc"] else ""
                problems.append(
                    Problem(shown, f"row {n}.{col}" if col else f"row {n}", error_message(err))
                )
    return lines, problems


def attach(inst: Instrument, yaml_path: Path) -> tuple[Instrument | None, list[Problem]]:
    """Loader hook: read the instrument's catalogue table, if it names one."""
    from lanthanide.rules.loader import Problem

    cat = inst.licence_catalogue
    if cat is None or not cat.file:
        return inst, []
    shown = f"{yaml_path.name} -> {cat.file}"
    lines, problems = read_table(yaml_path.parent / cat.file, shown)
    if problems:
        return None, problems
    if cat.declared.rows is not None and len(lines) != cat.declared.rows:
        return None, [
            Problem(
                yaml_path.name,
                "licence_catalogue.declared.rows",
                f"{cat.file} has {len(lines)} rows, the YAML declares {cat.declared.rows}",
            )
        ]
    all_lines = (*cat.lines, *lines)
    return inst.model_copy(
        update={"licence_catalogue": cat.model_copy(update={"lines": all_lines})}
    ), []


# ------------------------------------------------------------------ queries
@dataclass(frozen=True, slots=True)
class CatalogueHit:
    """A catalogue row matching a tariff line, with its instrument."""

    instrument: Instrument
    catalogue: LicenceCatalogue
    line: CatalogueLine

    @property
    def control_code(self) -> str | None:
        return self.line.control_code

    @property
    def valid(self) -> Period:
        return self.catalogue.valid


class CatalogueIndex:
    """Every catalogue row of the rulebook, indexed by tariff line."""

    def __init__(self, instruments: Iterable[Instrument]) -> None:
        self.catalogues: list[tuple[Instrument, LicenceCatalogue]] = [
            (i, i.licence_catalogue) for i in instruments if i.licence_catalogue is not None
        ]
        self.by_hs: dict[str, list[CatalogueHit]] = defaultdict(list)
        for inst, cat in self.catalogues:
            for line in cat.lines:
                if line.hs:
                    self.by_hs[line.hs].append(CatalogueHit(inst, cat, line))
        self._by_prefix: dict[str, tuple[CatalogueHit, ...]] = {}

    def lines(
        self, hs: str, on: date | None = None, direction: Direction = "export"
    ) -> list[CatalogueHit]:
        hs = hs.strip()
        hits: Iterable[CatalogueHit]
        if len(hs) >= 10:
            hits = self.by_hs.get(hs[:10], ())
        else:
            under = self._by_prefix.get(hs)
            if under is None:  # the rows under a shorter code, in row order, once per prefix
                if len(self._by_prefix) > 4096:
                    self._by_prefix.clear()
                under = self._by_prefix[hs] = tuple(
                    h
                    for code, hs_hits in self.by_hs.items()
                    if code.startswith(hs)
                    for h in hs_hits
                )
            hits = under
        return [
            h
            for h in hits
            if h.line.direction == direction and (on is None or h.valid.contains(on))
        ]


# ------------------------------------------------------------------ coverage
def _covers(item_code: str, code: str) -> bool:
    """An encoded item covers a catalogue code when they are equal or one is
    the other's parent (1C117.d covers 1C117.d.1; 1C902.a.1 lies under 1C902.a)."""
    a, b = item_code.lower(), code.lower()
    return a == b or b.startswith(a + ".") or a.startswith(b + ".")


def coverage(book: Rulebook) -> list[dict[str, object]]:
    """Per catalogue: its control codes encoded in detail (an item with the
    code, its parent or a child) vs mapped only (known from the table alone),
    and its export tariff lines carried by an encoded item."""
    item_codes = {
        c
        for r in book.item_refs
        for c in (r.item.code, r.item.control_code)
        if c and CONTROL_CODE.match(c)
    }
    item_hs = {h.code for r in book.item_refs for h in r.item.hs}
    out: list[dict[str, object]] = []
    for inst, cat in book.catalogue_index.catalogues:
        export = [x for x in cat.lines if x.direction == "export"]
        codes = sorted({x.control_code for x in export if x.control_code})
        detail = [c for c in codes if any(_covers(i, c) for i in item_codes)]
        hs = {x.hs for x in export if x.hs}
        covered_hs = {h for h in hs if h in item_hs or any(h.startswith(p) for p in item_hs)}
        d = cat.declared
        out.append(
            {
                "instrument": inst.id,
                "number": inst.number,
                "edition": cat.edition,
                "valid_from": cat.valid.start.isoformat(),
                "valid_to": cat.valid.end.isoformat() if cat.valid.end else None,
                "rows": len(cat.lines),
                "export_records": len({x.n9_index for x in export}),
                "declared_export_codes": d.export_codes,
                "export_codes": len(codes),
                "codes_encoded_in_detail": len(detail),
                "codes_mapped_only": len(codes) - len(detail),
                "coverage": round(len(detail) / len(codes), 4) if codes else None,
                "export_records_without_code": len(
                    {x.n9_index for x in export if not x.control_code}
                ),
                "export_hs_lines": len(hs),
                "hs_lines_with_encoded_item": len(covered_hs),
                "tag": "U",
            }
        )
    return out


def _register() -> None:
    """Complete :class:`Instrument`'s ``licence_catalogue`` field."""
    from lanthanide.rules import model

    model.LicenceCatalogue = LicenceCatalogue  # type: ignore[attr-defined]
    if model.Instrument.__pydantic_complete__:  # else built on first use (defer_build)
        model.Instrument.model_rebuild(force=True, raise_errors=False)


_register()
