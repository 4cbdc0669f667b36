"""Technical parameters that item conditions use, with canonical units.

The parameters, their units and the one parser of their values live in
:mod:`lanthanide.vocab` (data: ``vocab/data/params.yaml``); this module keeps
the names the rulebook loader and the determination engine use.
"""

from __future__ import annotations

from collections.abc import Mapping

from lanthanide.vocab import PARSER, VOCAB, Param, ParamError, parse_param

PARAMS: Mapping[str, Param] = VOCAB.params
"""Parameters by name."""
UNITS: dict[str, tuple[str, float]] = {k: (u.unit, float(u.factor)) for k, u in VOCAB.units.items()}
"""Unit spelling (lower case, no spaces) -> (canonical unit, factor to it)."""


def known() -> str:
    return PARSER.known()


def to_canonical(value: float, unit: str | None, param: Param) -> float:
    """Convert ``value`` given in ``unit`` to the parameter's canonical unit."""
    return PARSER.to_canonical(value, unit, param)


parse = parse_param
"""Parse a user-supplied parameter value such as ``99.995``, ``99.995%``,
``5N``, ``4N5``, ``40um`` or ``single_crystal`` into canonical form."""


__all__ = ["PARAMS", "UNITS", "Param", "ParamError", "known", "parse", "to_canonical"]
