"""The one parser of technical parameter values: ``--param NAME=VALUE``, the
API's ``params`` and values read from free text all go through it.

A small table (``data/params.yaml``) instead of a units library: the set of
units in export-control conditions is tiny and fixed, and the determination
engine converts values in its hot path. Factors are exact fractions, applied
as a multiplication by the numerator and a division by the denominator, so a
conversion is correctly rounded (``300 nm`` is exactly ``0.3`` um).

Nines notation, for parameters that accept it (purity): ``5N`` = 99.999 %,
``6N`` = 99.9999 %, ``4N5`` = ``4.5N`` = 99.995 % (four nines, then a 5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from lanthanide.vocab.model import Param, Vocabulary


class ParamError(ValueError):
    """A parameter name, value or unit is not acceptable."""


def nines(count: int, extra: int | None = None) -> float:
    """``5N`` = 99.999 %, ``4N5`` = 99.995 %, ``1N`` = 90 %."""
    s = "9" * count + ("" if extra is None else str(extra))
    s = s.ljust(2, "0")
    return float(s[:2] + "." + s[2:]) if len(s) > 2 else float(s)


_NINES = re.compile(r"([1-9])(?:[nN]([0-9])?|\.([0-9])[nN])")
_NUM = re.compile(r"^\s*([<>]=?|≥|≤)?\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(.*?)\s*$")


def parse_nines(text: str) -> float | None:
    """The purity a nines notation (``5N``, ``4N5``, ``4.5N``) stands for,
    or None when ``text`` is not one."""
    m = _NINES.fullmatch(text.strip())
    if m is None:
        return None
    extra = m.group(2) or m.group(3)
    return nines(int(m.group(1)), int(extra) if extra else None)


def _scale(value: float, num: int, den: int) -> float:
    """``value * num / den``, correctly rounded for the factors in the data."""
    if num == 1 and den == 1:
        return value
    return value * num / den


def _ratio(f: Fraction) -> tuple[int, int]:
    return f.numerator, f.denominator


class Params:
    """Parsing bound to one vocabulary (the bundled one is :data:`PARSER`)."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self._params = dict(vocab.params)
        self._units = {k: (u.unit, *_ratio(u.factor)) for k, u in vocab.units.items()}
        self._cross = {k: _ratio(f) for k, f in vocab.conversions.items()}
        self._text = _text_patterns(vocab)

    def known(self) -> str:
        return ", ".join(sorted(self._params))

    def param(self, name: str) -> Param:
        p = self._params.get(name)
        if p is None:
            raise ParamError(f"unknown parameter '{name}' (allowed: {self.known()})")
        return p

    def to_canonical(self, value: float, unit: str | None, param: Param) -> float:
        """Convert ``value`` given in ``unit`` to the parameter's canonical unit."""
        if param.unit is None:
            raise ParamError(f"parameter '{param.id}' is categorical, not numeric")
        if unit is None or unit.strip() == "":
            return value
        spelled = self._units.get(unit.strip().lower().replace(" ", ""))
        if spelled is None:
            raise ParamError(f"unit '{unit}' is not known for '{param.id}' (use {param.unit})")
        canon, num, den = spelled
        v = _scale(value, num, den)
        if canon == param.unit:
            return v
        cross = self._cross.get((canon, param.unit))
        if cross is None:
            raise ParamError(
                f"unit '{unit}' does not fit parameter '{param.id}' (use {param.unit})"
            )
        return _scale(v, *cross)

    def parse(self, name: str, raw: str | float) -> float | str:
        """Parse a parameter value such as ``99.995``, ``99.995%``, ``5N``,
        ``4N5``, ``40um``, ``single_crystal`` or a number into canonical form."""
        param = self._params.get(name) or self.param(name)
        if not isinstance(raw, str):
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                raise ParamError(f"'{raw}' is not a value for '{name}'")
            if param.unit is None:
                raise ParamError(f"'{name}' takes one of: {', '.join(param.choices)}")
            return float(raw)
        text = raw.strip()
        if param.unit is None:
            v = text.lower().replace("-", "_").replace(" ", "_")
            if v not in param.choices:
                raise ParamError(
                    f"'{raw}' is not a value of '{name}' (allowed: {', '.join(param.choices)})"
                )
            return v
        if param.nines:
            n = _NINES.fullmatch(text)
            if n is not None:
                extra = n.group(2) or n.group(3)
                return nines(int(n.group(1)), int(extra) if extra else None)
        m = _NUM.match(text)
        if m is None:
            example = "99.995, 99.995% or 4N5" if param.nines else f"12.5{param.unit}"
            raise ParamError(
                f"'{raw}' is not a number for '{name}' (give a number, optionally with a unit, "
                f"e.g. {example})"
            )
        return self.to_canonical(float(m.group(2)), m.group(3) or None, param)

    def extract(self, text: str) -> dict[str, FoundParam]:
        """Parameters stated in free text, by name; the first occurrence of
        each parameter wins. A percentage is read as a parameter with cue
        words (purity) only at ``min_without_cue`` or above, or after a cue."""
        t = text.lower().replace("µ", "u").replace("％", "%")
        out: dict[str, FoundParam] = {}
        for pat in self._text:
            name = pat.name
            for m in pat.regex.finditer(t):
                value = float(m.group(1))
                if pat.cues is not None and (
                    value > 100
                    or not (
                        (pat.min_without_cue is not None and value >= pat.min_without_cue)
                        or pat.cues.search(t[max(0, m.start() - 12) : m.start()])
                    )
                ):
                    continue
                num, den = pat.factors[m.group(2)]
                out[name] = FoundParam(name, _scale(value, num, den), pat.unit, m.group(0))
                break
            if pat.nines and name not in out:
                for m in _TEXT_NINES.finditer(t):
                    extra = int(m.group(2)) if m.group(2) else None
                    out[name] = FoundParam(name, nines(int(m.group(1)), extra), "%", m.group(0))
                    break
        return out


@dataclass(frozen=True, slots=True)
class FoundParam:
    name: str
    value: float
    unit: str
    text: str
    """The words of the query the value was read from."""

    @property
    def as_param(self) -> str:
        """The value as ``lanthanide check --param`` takes it."""
        v = f"{self.value:g}"
        return f"{v}{self.unit}" if self.unit != "%" else f"{v}%"


_NUM_TEXT = r"([0-9]+(?:\.[0-9]+)?)"
# In text, nines notation starts at 2N ("1n" is too common) and stands alone.
_TEXT_NINES = re.compile(r"(?<![0-9a-z.])([2-9])n([0-9])?(?![0-9a-z])")
_AFTER = {None: "", "letter": "(?![a-z])", "alnum": "(?![a-z0-9])"}


@dataclass(frozen=True, slots=True)
class _TextPattern:
    name: str
    regex: re.Pattern[str]
    """Group 1: the number, group 2: the unit as spelled."""
    unit: str
    factors: dict[str, tuple[int, int]]
    """Unit as spelled in (lower-cased) text -> factor to ``unit``."""
    cues: re.Pattern[str] | None
    min_without_cue: float | None
    nines: bool


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _text_patterns(vocab: Vocabulary) -> tuple[_TextPattern, ...]:
    out = []
    for p in vocab.params.values():
        if p.text is None or p.unit is None:
            continue
        regex = re.compile(
            _NUM_TEXT + r"\s*(" + _alternation(p.text.units) + ")" + _AFTER[p.text.not_followed_by]
        )
        cues = None
        if p.text.cues:
            cues = re.compile("(" + _alternation(p.text.cues) + r")\s*[:：]?\s*$")
        factors = {u: _ratio(vocab.units[u.replace(" ", "")].factor) for u in p.text.units}
        out.append(
            _TextPattern(p.id, regex, p.unit, factors, cues, p.text.min_without_cue, p.nines)
        )
    return tuple(out)
