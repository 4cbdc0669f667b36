"""The project's vocabularies, loaded once from the data files in
``vocab/data/``: elements and their groups (rare earths), item kinds, end
uses, registry roles, commodities, and technical parameters with their units
and the one parser of their values.

    >>> from lanthanide.vocab import VOCAB, parse_param
    >>> VOCAB.kind_ids
    ('goods', 'technology', 'service')
    >>> len(VOCAB.rare_earths)
    17
    >>> parse_param("purity", "4N5")
    99.995

This package is pure: it imports nothing from the rest of lanthanide, so
every layer (rules, decide, classify, registry, supply, the interfaces) may
import it.
"""

from __future__ import annotations

from lanthanide.vocab.loader import load
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
from lanthanide.vocab.params import FoundParam, ParamError, Params, nines, parse_nines

VOCAB: Vocabulary = load()
"""The bundled vocabulary."""
PARSER: Params = Params(VOCAB)
"""Parameter parsing over :data:`VOCAB`."""

parse_param = PARSER.parse
"""Parse one parameter value (``"99.995%"``, ``"4N5"``, ``"40um"``,
``"single crystal"``, a number) into its canonical unit or choice; raises
:class:`ParamError` naming the parameter and what is allowed."""
extract_params = PARSER.extract
"""Parameters stated in free text (``"germanium 4N5"``, ``"粒度40微米"``)."""


__all__ = [
    "PARSER",
    "VOCAB",
    "Commodity",
    "Element",
    "ElementGroup",
    "EndUse",
    "FoundParam",
    "Kind",
    "Label",
    "Param",
    "ParamError",
    "Params",
    "Source",
    "SupplySpec",
    "Term",
    "TextForm",
    "Unit",
    "Vocabulary",
    "VocabularyError",
    "extract_params",
    "load",
    "nines",
    "parse_nines",
    "parse_param",
]
