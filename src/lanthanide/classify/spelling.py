"""Spelling correction of a query's Latin words against the index's
vocabulary (``galium arsenide`` → ``gallium arsenide``): words of five or
more letters that are neither in the vocabulary nor stem to a word of it
are replaced by their closest vocabulary word (rapidfuzz ratio ≥ 82)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from lanthanide.classify.tokens import stem

_LATIN_WORD = re.compile(r"[a-z][a-z\-]{3,}")


def correct(
    norm: str, vocab: Sequence[str], vocab_set: frozenset[str]
) -> tuple[str, dict[str, str]]:
    """``norm`` (a normalised query) with its misspelt words replaced, and
    the replacements made (misspelt word → vocabulary word)."""
    fixes: dict[str, str] = {}
    for w in set(_LATIN_WORD.findall(norm)):
        if len(w) < 5 or "-" in w or w in vocab_set:
            continue
        if stem(w) in vocab_set:
            continue
        # imported by the first word to correct (most queries have none)
        from rapidfuzz import fuzz, process

        got = process.extractOne(w, vocab, scorer=fuzz.ratio, score_cutoff=82.0)
        if got is not None:
            fixes[w] = str(got[0])
    if not fixes:
        return norm, fixes
    out = _LATIN_WORD.sub(lambda m: fixes.get(m.group(0), m.group(0)), norm)
    return out, fixes
