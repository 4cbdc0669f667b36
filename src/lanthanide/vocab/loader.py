"""Reading the vocabulary data files (``vocab/data/*.yaml``) into the typed
values of :mod:`lanthanide.vocab.model`, strictly: an unknown or missing key,
a wrong type or a reference to an undefined group or unit raises
:class:`~lanthanide.vocab.model.VocabularyError` naming the file and the
field."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from fractions import Fraction
from importlib import resources
from typing import Any

from lanthanide.vocab.model import (
    Commodity,
    Element,
    ElementGroup,
    EndUse,
    Kind,
    Label,
    Param,
    Source,
    SupplySpec,
    Term,
    TextForm,
    Unit,
    Vocabulary,
    VocabularyError,
)


# --------------------------------------------------------------------- loading
class _Reader:
    """Reads one mapping of a data file, checking keys and types."""

    def __init__(self, file: str, path: str, raw: object) -> None:
        if not isinstance(raw, dict):
            raise VocabularyError(f"{file}: {path}: expected a mapping, got {type(raw).__name__}")
        self.file, self.path, self.raw = file, path, raw
        self.seen: set[str] = set()

    def _where(self, key: str) -> str:
        return f"{self.file}: {self.path}.{key}" if self.path else f"{self.file}: {key}"

    def get(self, key: str, typ: type | tuple[type, ...], default: Any = ...) -> Any:
        self.seen.add(key)
        if key not in self.raw:
            if default is ...:
                raise VocabularyError(f"{self._where(key)}: missing")
            return default
        value = self.raw[key]
        if not isinstance(value, typ) or (isinstance(value, bool) and typ is not bool):
            raise VocabularyError(f"{self._where(key)}: expected {typ}, got {value!r}")
        return value

    def strs(self, key: str, default: tuple[str, ...] | None = None) -> tuple[str, ...]:
        value = self.get(key, list, default if default is None else list(default))
        if value is None:
            raise VocabularyError(f"{self._where(key)}: missing")
        if not all(isinstance(v, str) and v for v in value):
            raise VocabularyError(f"{self._where(key)}: expected a list of strings")
        return tuple(value)

    def child(self, key: str, raw: object) -> _Reader:
        return _Reader(self.file, f"{self.path}.{key}" if self.path else key, raw)

    def label(self) -> Label:
        r = self.child("label", self.get("label", dict))
        out = Label(zh=r.get("zh", str), en=r.get("en", str))
        r.done()
        return out

    def done(self) -> None:
        extra = sorted(set(self.raw) - self.seen)
        if extra:
            raise VocabularyError(f"{self._where(extra[0])}: unknown key")


def _items(file: str, doc: _Reader, key: str) -> list[_Reader]:
    raw = doc.get(key, list)
    out = [doc.child(f"{key}[{i}]", x) for i, x in enumerate(raw)]
    ids = [r.raw.get("id", r.raw.get("symbol")) for r in out]
    dup = sorted({str(i) for i in ids if ids.count(i) > 1})
    if dup:
        raise VocabularyError(f"{file}: {key}: duplicate id {dup[0]}")
    return out


def _fraction(where: str, raw: object) -> Fraction:
    try:
        f = Fraction(str(raw))
    except (ValueError, ZeroDivisionError):
        raise VocabularyError(f"{where}: '{raw}' is not a number or fraction") from None
    if f <= 0:
        raise VocabularyError(f"{where}: factor must be positive")
    return f


def _doc(file: str, text: str) -> _Reader:
    # Through the on-disk cache of parsed documents (PyYAML is imported only
    # when a text is not in it); the cache module is a leaf (stdlib only).
    from lanthanide.cache import load_yaml

    try:
        raw = load_yaml(text)
    except Exception as exc:
        yaml = sys.modules.get("yaml")
        if yaml is not None and isinstance(exc, yaml.YAMLError):
            raise VocabularyError(f"{file}: not valid YAML: {exc}") from None
        raise
    return _Reader(file, "", raw)


def _term(r: _Reader) -> tuple[str, Label, str]:
    return r.get("id", str), r.label(), " ".join(r.get("help", str).split())


def _elements(file: str, text: str) -> tuple[tuple[Element, ...], tuple[ElementGroup, ...]]:
    doc = _doc(file, text)
    groups: list[ElementGroup] = []
    for r in _items(file, doc, "groups"):
        sources = []
        for j, s in enumerate(r.get("sources", list)):
            sr = r.child(f"sources[{j}]", s)
            tag = sr.get("tag", str)
            if tag not in ("P", "S", "U"):
                raise VocabularyError(f"{file}: {sr.path}.tag: '{tag}' is not P, S or U")
            sources.append(Source(url=sr.get("url", str), tag=tag, ref=sr.get("ref", str, None)))
            sr.done()
        if not sources:
            raise VocabularyError(f"{file}: {r.path}.sources: a group needs a source")
        groups.append(ElementGroup(*_term(r), sources=tuple(sources)))
        r.done()
    group_ids = {g.id for g in groups}
    elements: list[Element] = []
    for r in _items(file, doc, "elements"):
        name = r.child("name", r.get("name", dict))
        el = Element(
            symbol=r.get("symbol", str),
            name=Label(zh=name.get("zh", str), en=name.get("en", str)),
            aliases_en=r.strs("aliases_en", ()),
            groups=r.strs("groups", ()),
            glossary=r.get("glossary", bool, True),
        )
        name.done()
        bad = [g for g in el.groups if g not in group_ids]
        if bad:
            raise VocabularyError(f"{file}: {r.path}.groups: unknown group '{bad[0]}'")
        elements.append(el)
        r.done()
    doc.done()
    return tuple(elements), tuple(groups)


def _kinds(file: str, text: str) -> tuple[Kind, ...]:
    doc = _doc(file, text)
    out = []
    for r in _items(file, doc, "kinds"):
        out.append(Kind(*_term(r), classify=r.get("classify", bool)))
        r.done()
    doc.done()
    return tuple(out)


def _end_uses(file: str, text: str) -> tuple[EndUse, ...]:
    doc = _doc(file, text)
    out = []
    for r in _items(file, doc, "end_uses"):
        out.append(EndUse(*_term(r), basis=r.strs("basis", ())))
        r.done()
    doc.done()
    return tuple(out)


def _roles(file: str, text: str) -> tuple[Term, ...]:
    doc = _doc(file, text)
    out = []
    for r in _items(file, doc, "roles"):
        out.append(Term(*_term(r)))
        r.done()
    doc.done()
    return tuple(out)


def _commodities(file: str, text: str) -> tuple[Commodity, ...]:
    doc = _doc(file, text)
    out = []
    for r in _items(file, doc, "commodities"):
        supply = None
        raw = r.get("supply", dict, None)
        if raw is not None:
            s = r.child("supply", raw)
            supply = SupplySpec(
                stages=s.strs("stages"), unit=s.get("unit", str), network=s.get("network", bool)
            )
            s.done()
        out.append(Commodity(*_term(r), aliases=r.strs("aliases", ()), supply=supply))
        r.done()
    doc.done()
    return tuple(out)


def _range(r: Any) -> tuple[float | None, float | None, float | None]:
    """(above, min, max) of a ``ranges`` / ``range`` entry."""
    out = []
    for key in ("above", "min", "max"):
        v = r.get(key, (int, float), None)
        out.append(None if v is None else float(v))
    return out[0], out[1], out[2]


def _params(
    file: str, text: str
) -> tuple[dict[str, Unit], dict[tuple[str, str], Fraction], dict[str, Param]]:
    doc = _doc(file, text)
    units: dict[str, Unit] = {}
    for spelling, raw in doc.get("units", dict).items():
        r = doc.child(f"units.{spelling}", raw)
        key = str(spelling).lower().replace(" ", "")
        if key in units:
            raise VocabularyError(f"{file}: {r.path}: duplicate unit spelling")
        factor = _fraction(f"{file}: {r.path}.factor", r.get("factor", (str, int), "1"))
        units[key] = Unit(spelling=str(spelling), unit=r.get("unit", str), factor=factor)
        r.done()
    canonical = {u.unit for u in units.values()}
    conversions: dict[tuple[str, str], Fraction] = {}
    for i, raw in enumerate(doc.get("conversions", list)):
        r = doc.child(f"conversions[{i}]", raw)
        a, b = r.get("from", str), r.get("to", str)
        for u in (a, b):
            if u not in canonical:
                raise VocabularyError(f"{file}: {r.path}: unknown unit '{u}'")
        conversions[(a, b)] = _fraction(f"{file}: {r.path}.factor", r.get("factor", (str, int)))
        r.done()
    ranges: dict[str, tuple[float | None, float | None, float | None]] = {}
    for unit_key, raw in doc.get("ranges", dict, {}).items():
        rr = doc.child(f"ranges.{unit_key}", raw)
        if unit_key != "default" and unit_key not in canonical:
            raise VocabularyError(f"{file}: {rr.path}: unknown unit '{unit_key}'")
        ranges[str(unit_key)] = _range(rr)
        rr.done()
    params: dict[str, Param] = {}
    for r in _items(file, doc, "params"):
        pid, label, help_ = _term(r)
        unit = r.get("unit", str, None)
        if unit is not None and unit not in canonical:
            raise VocabularyError(f"{file}: {r.path}.unit: '{unit}' is not a unit of 'units'")
        choice_terms = []
        for j, c in enumerate(r.get("choices", list, [])):
            cr = r.child(f"choices[{j}]", c)
            choice_terms.append(Term(cr.get("id", str), cr.label(), cr.get("help", str, "")))
            cr.done()
        if (unit is None) == (not choice_terms):
            raise VocabularyError(f"{file}: {r.path}: give either a unit or choices")
        form = None
        raw_text = r.get("text", dict, None)
        if raw_text is not None:
            t = r.child("text", raw_text)
            form = TextForm(
                units=t.strs("units"),
                not_followed_by=t.get("not_followed_by", str, None),
                cues=t.strs("cues", ()),
                min_without_cue=t.get("min_without_cue", (int, float), None),
            )
            if form.not_followed_by not in (None, "letter", "alnum"):
                raise VocabularyError(f"{file}: {t.path}.not_followed_by: use letter or alnum")
            for u in form.units:
                spelled = units.get(u.replace(" ", ""))
                if spelled is None or spelled.unit != unit:
                    raise VocabularyError(f"{file}: {t.path}.units: '{u}' is not a unit of {unit}")
            t.done()
        raw_range = r.get("range", dict, None)
        if raw_range is not None:
            rr = r.child("range", raw_range)
            above, low, high = _range(rr)
            rr.done()
        elif unit is not None:
            above, low, high = ranges.get(unit, ranges.get("default", (None, None, None)))
        else:
            above = low = high = None
        params[pid] = Param(
            id=pid,
            unit=unit,
            label=label,
            help=help_,
            choices=tuple(c.id for c in choice_terms),
            choice_terms=tuple(choice_terms),
            nines=r.get("nines", bool, False),
            text=form,
            above=above,
            min=low,
            max=high,
        )
        r.done()
    doc.done()
    return units, conversions, params


FILES = ("elements", "kinds", "end_uses", "roles", "commodities", "params")


def load(texts: Mapping[str, str] | None = None) -> Vocabulary:
    """Build the vocabulary from the bundled data files, or from ``texts``
    (file stem -> YAML text, for tests)."""
    if texts is None:
        pkg = resources.files("lanthanide.vocab") / "data"
        texts = {f: (pkg / f"{f}.yaml").read_text(encoding="utf-8") for f in FILES}
    missing = [f for f in FILES if f not in texts]
    if missing:
        raise VocabularyError(f"{missing[0]}.yaml: missing")
    elements, groups = _elements("elements.yaml", texts["elements"])
    units, conversions, params = _params("params.yaml", texts["params"])
    return Vocabulary(
        elements=elements,
        element_groups=groups,
        kinds=_kinds("kinds.yaml", texts["kinds"]),
        end_uses=_end_uses("end_uses.yaml", texts["end_uses"]),
        roles=_roles("roles.yaml", texts["roles"]),
        commodities=_commodities("commodities.yaml", texts["commodities"]),
        units=units,
        conversions=conversions,
        params=params,
        _groups={g.id: tuple(e.symbol for e in elements if g.id in e.groups) for g in groups},
    )
