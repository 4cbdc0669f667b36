"""Writing overlay instruments: skeletons, and technology-catalogue imports.

``skeleton(id, kind)`` gives a commented YAML file to fill in (its
placeholders fail validation until they are replaced, so an untouched
skeleton never loads as law). ``import_catalogue(path, version)`` reads a
table of technology-catalogue items as a user transcribes them from the
official annex (CSV or XLSX: number, part J/X, sector, title, control
points) and returns the catalogue version's instrument with the items added:
written into an overlay directory it *replaces* the bundled version, so
coverage and ``rules diff`` use the imported items.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import yaml

from lanthanide.rules.book import Rulebook
from lanthanide.rules.loader import Problem
from lanthanide.rules.model import Instrument, Item, Source, Tag, Text

NUMBER = re.compile(r"^\d{6}[JX]$")
KINDS = ("announcement", "suspension", "statement", "catalogue")
COLUMNS = {
    "number": ("number", "编号", "no", "code"),
    "part": ("part", "类别", "部分", "type"),
    "sector": ("sector", "行业", "所属行业", "领域"),
    "title": ("title", "技术名称", "名称", "title_zh"),
    "control_points": ("control_points", "控制要点", "control points"),
    "title_en": ("title_en", "英文名称"),
}
PARTS = {"J": "J", "X": "X", "禁止": "J", "禁止出口": "J", "限制": "X", "限制出口": "X"}
_SPLIT = re.compile(r"[；;\n]+|(?:^|\s)\d+[.．、]\s*")

_HEAD = """# {id}: {what}
# Fill in every TODO; `rules validate DIR` (lanthanide.rules.overlay.validate) names what is
# still wrong, by file and field. Keep numbers, titles and codes exactly as the source gives them.
id: {id}
number: TODO 商务部公告YYYY年第N号        # the official number, exactly
number_tag: U                             # P official text seen, S secondary, U uncertain
title:
  zh: TODO
  en: TODO
issuer: [MOFCOM]
kind: {kind}
regime: {regime}
published: 2099-01-01                     # TODO
effective: 2099-01-01                     # TODO
status: in_force
verified_on: TODO                         # YYYY-MM-DD: the day you checked it against the source
sources:
  - {{url: "TODO https://…", tag: U, note: TODO where the text was seen}}
notes:
  - TODO what the instrument does, in your own words
"""
_BODY = {
    "suspension": """suspends:
  - instrument: TODO-instrument-id         # the instrument whose controls are suspended
    # controls: [para2-deny]               # omit to suspend all its controls
    # 至…: end_inclusive is the last day covered
    period: {start: 2099-01-01, end_inclusive: 2099-12-31, tag: U}
    sources:
      - {url: "TODO https://…", tag: U}
""",
    "announcement": """items:
  - code: TODO-1                           # control code (1C902.a) or a local id
    code_status: local
    kind: goods
    title: {zh: TODO, en: TODO}
    hs: [{code: "0000000000", tag: U}]     # TODO reference tariff lines
    sources:
      - {url: "TODO https://…", tag: U}
controls:
  - id: control-1
    effect: licence_required               # prohibited, denial_presumed, licence_required, ...
    applies_to: {items: all}
    # destinations: {mode: only, countries: [US]}
    valid: {start: 2099-01-01, tag: U}
    reason: {en: TODO why and what the exporter must do}
    sources:
      - {url: "TODO https://…", tag: U}
""",
    "statement": """uncertain:
  - id: todo-status
    kind: announced_not_enacted
    stated_on: 2099-01-01
    question: {en: TODO the open question}
    tag: U
    sources: [{url: "TODO https://…", tag: U}]
    readings:
      - id: legal-text
        default: true                      # the rulebook as encoded: no changes
        text: {en: TODO}
        tag: S
        sources: [{url: "TODO https://…", tag: U}]
      - id: todo-alternative
        text: {en: TODO}
        tag: U
        sources: [{url: "TODO https://…", tag: U}]
        suspends:
          - instrument: TODO-instrument-id
            period: {start: 2099-01-01, end_inclusive: 2099-12-31, tag: U}
            sources: [{url: "TODO https://…", tag: U}]
""",
    "catalogue": """licence_catalogue:
  edition: "TODO"
  file: TODO.csv                           # beside this file; columns as in rulebook/cn/catalogue/
  valid: {start: 2099-01-01, tag: U}
  sources: [{url: "TODO https://…", tag: U}]
""",
}
_REGIME = {
    "suspension": "suspension",
    "announcement": "dual_use",
    "statement": "statement",
    "catalogue": "dual_use",
}


def skeleton(instrument_id: str, kind: str) -> str:
    """A commented instrument file to fill in, for ``kind`` in :data:`KINDS`."""
    if kind not in KINDS:
        raise ValueError(f"kind '{kind}' is not one of: {', '.join(KINDS)}")
    if not re.match(r"^[a-z0-9][a-z0-9-]*$", instrument_id):
        raise ValueError(f"id '{instrument_id}' must be a lower-case slug like cn-user-2026-1")
    inst_kind = {"suspension": "announcement"}.get(kind, kind)
    head = _HEAD.format(id=instrument_id, kind=inst_kind, regime=_REGIME[kind], what=kind)
    return head + _BODY[kind]


# ------------------------------------------------------------------ import
@dataclass
class ImportResult:
    instrument: Instrument
    """The catalogue version's instrument with the imported items."""
    added: list[str] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    """Rows not used, each with its row number, column and reason."""

    def yaml(self) -> str:
        data = self.instrument.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        head = (
            f"# {self.instrument.id} with {len(self.added)} items imported by "
            "lanthanide.rules.authoring.import_catalogue; this file replaces the bundled one.\n"
        )
        return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)

    def write(self, out_dir: Path) -> Path:
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{self.instrument.id}.yaml"
        path.write_text(self.yaml(), encoding="utf-8")
        return path


def _xlsx_rows(path: Path) -> list[list[str]]:
    """The first sheet of an .xlsx file as text rows (stdlib only)."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as z:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in z.namelist():
            root = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
            for si in root.findall("m:si", ns):
                shared.append("".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")))
        sheets = sorted(n for n in z.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", n))
        if not sheets:
            raise ValueError("no worksheet found")
        root = ElementTree.fromstring(z.read(sheets[0]))
    rows: list[list[str]] = []
    for row in root.iter(f"{{{ns['m']}}}row"):
        cells: dict[int, str] = {}
        for c in row.findall("m:c", ns):
            ref = c.get("r", "")
            col = 0
            for ch in re.sub(r"\d", "", ref):
                col = col * 26 + ord(ch) - 64
            v = c.find("m:v", ns)
            if c.get("t") == "s" and v is not None and v.text is not None:
                text = shared[int(v.text)]
            elif c.get("t") == "inlineStr":
                text = "".join(t.text or "" for t in c.iter(f"{{{ns['m']}}}t"))
            else:
                text = v.text if v is not None and v.text else ""
            cells[max(col - 1, 0)] = text
        rows.append([cells.get(i, "") for i in range(max(cells) + 1)] if cells else [])
    return rows


def read_rows(path: Path) -> list[list[str]]:
    """A CSV or XLSX table as rows of text (header first)."""
    if path.suffix.lower() == ".xlsx":
        return _xlsx_rows(path)
    if path.suffix.lower() != ".csv":
        raise ValueError(f"{path.name}: give a .csv or .xlsx file")
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def _header(row: list[str], shown: str) -> tuple[dict[str, int], list[Problem]]:
    names = [h.strip().lower() for h in row]
    index: dict[str, int] = {}
    for key, aliases in COLUMNS.items():
        for a in aliases:
            if a.lower() in names:
                index[key] = names.index(a.lower())
                break
    missing = [k for k in ("number", "part", "sector", "title") if k not in index]
    if missing:
        allowed = "; ".join(f"{k}: {'/'.join(COLUMNS[k])}" for k in missing)
        return index, [Problem(shown, "row 1", f"missing column(s) {allowed}")]
    return index, []


def import_catalogue(
    path: Path, version: str, book: Rulebook, *, tag: Tag = "U", source_url: str | None = None
) -> ImportResult:
    """Read catalogue items transcribed from the official annex and add them to
    the catalogue version ``version`` (e.g. ``2023``). Raises ValueError for an
    unusable file or version; rows it cannot use are listed in ``skipped``."""
    view = next(
        (v for vs in book.catalogues.values() for v in vs if v.version == version),
        None,
    )
    if view is None:
        known = ", ".join(v.version for vs in book.catalogues.values() for v in vs)
        raise ValueError(f"version '{version}' is not a catalogue version (known: {known})")
    inst = view.instrument
    shown = path.name
    try:
        rows = read_rows(path)
    except (
        OSError,
        UnicodeDecodeError,
        ValueError,
        zipfile.BadZipFile,
        ElementTree.ParseError,
    ) as e:
        raise ValueError(f"{shown}: cannot be read: {e}") from e
    if not rows:
        raise ValueError(f"{shown}: the table is empty")
    index, problems = _header(rows[0], shown)
    if problems:
        raise ValueError(str(problems[0]))
    src = Source(
        url=source_url or f"file:{path.name}",
        tag=tag,
        note=f"transcribed by the user from the official annex of the {version} catalogue",
    )
    existing = {it.code for it in inst.items} | set(view.items)
    seen: dict[str, int] = {}
    new: list[Item] = []
    result = ImportResult(instrument=inst)

    def cell(row: list[str], key: str) -> str:
        i = index.get(key)
        return row[i].strip() if i is not None and i < len(row) else ""

    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        number, part_raw, sector, title = (
            cell(row, k) for k in ("number", "part", "sector", "title")
        )
        skip = result.skipped.append
        if not NUMBER.match(number):
            skip(
                Problem(
                    shown,
                    f"row {n}.number",
                    f"'{number}' must be 6 digits and J or X, like 053302J",
                )
            )
            continue
        part = PARTS.get(part_raw)
        if part is None:
            skip(Problem(shown, f"row {n}.part", f"'{part_raw}' must be J/X (禁止/限制)"))
            continue
        if part != number[-1]:
            skip(Problem(shown, f"row {n}.part", f"part {part} does not match number {number}"))
            continue
        if not sector:
            skip(Problem(shown, f"row {n}.sector", "sector (行业) is empty"))
            continue
        if not title:
            skip(Problem(shown, f"row {n}.title", "title (技术名称) is empty"))
            continue
        if number in seen:
            skip(Problem(shown, f"row {n}.number", f"{number} repeats row {seen[number]}"))
            continue
        seen[number] = n
        if number in existing:
            skip(
                Problem(
                    shown,
                    f"row {n}.number",
                    f"{number} is already encoded; the encoded item is kept",
                )
            )
            continue
        points = [p.strip() for p in _SPLIT.split(cell(row, "control_points")) if p and p.strip()]
        en = cell(row, "title_en") or None
        new.append(
            Item(
                code=number,
                kind="technology",
                part=part,
                title=Text(zh=title, en=en),
                control_points=tuple(Text(zh=p) for p in points),
                stage="technology",
                keywords=(title, sector),
                sources=(src,),
                notes=f"Sector: {sector}. Imported from {path.name}.",
            )
        )
        result.added.append(number)
    result.instrument = inst.model_copy(update={"items": (*inst.items, *new)})
    Instrument.model_validate(result.instrument.model_dump())  # still a valid instrument
    return result
