"""Tuning weights and priors of the classifier: field weights, status and
kind priors, the multipliers of each soft preference, the forms glossary
concepts name, and the bonus of an item code or tariff line named in a query.
"""

from __future__ import annotations

from collections.abc import Iterable

from lanthanide.classify.intent import KindCues
from lanthanide.vocab import VOCAB

FIELD_WEIGHTS: dict[str, float] = {
    "title": 3.0,
    "points": 2.0,
    "keywords": 2.0,
    "concepts": 2.5,
}
"""Weight of each field's BM25 score in the total."""
RARE_EARTHS = frozenset(VOCAB.rare_earths)
RARE_EARTHS_IDS = frozenset(e.lower() for e in RARE_EARTHS)
CROWD = 3
"""A top result is *high* only if at most this many other rulebook items
score half as much: a one-word query such as 稀土 fits too many items."""
COVERS_WEIGHT = 0.5
"""Weight of the concepts an HS heading covers without naming them (each
rare-earth element for 2846 and 280530; oxides and salts for "compounds")."""
HS_FACTOR = 0.55
"""HS-nomenclature hits are scaled down so that a rulebook item matching as
well ranks above a bare tariff heading."""
STATUS_PRIOR: dict[str, float] = {
    "in_force": 1.0,
    "suspended": 0.93,
    "unknown": 0.9,
    "superseded": 0.85,
    "expired": 0.85,
    "repealed": 0.8,
}
"""Among items matching equally, prefer those of instruments in force."""
KIND_PRIOR: dict[int, tuple[float, float]] = {
    2: (1.5, 0.3),
    1: (1.25, 0.6),
    0: (1.0, 1.0),
    -1: (0.67, 1.0),
    -2: (0.5, 1.0),
}
"""(technology factor, goods factor) by the lean of the query's cue words
(:func:`lanthanide.classify.intent.kind_cues`: technology cues minus goods
cues, clamped to -2..2). A soft preference: an item of the other kind that
matches much better still ranks first."""
NO_INTENT_TECH = 0.8
"""Technology items when the query has no cue either way: most queries
without a technology word are about goods."""
SUBSTANCE_TECH = 0.5
"""Further factor for technology items when the query names a substance in
a form (oxide, metal, salt, ore) and no technology word ("neodymium oxide 3N"
is not the Nd-glass laser technology 053101J)."""
PROCESSES = frozenset(
    [
        *("sx", "leach", "smelt", "electrolysis", "recycle", "mining", "strip-cast", "hd"),
        *("gbd", "jet-mill", "magnet-making", "graphitization", "granulation", "coating"),
        "li-extract",
    ]
)
"""Glossary concepts that name a process: a query naming one may be about
technology even without a technology word ("heap leaching of ionic clay")."""
FOREIGN_ELEMENTS = 0.3
"""Factor for a goods item made of none of the elements the query names,
though its text mentions one of them (1C905.a, dysprosium metal and
Dy-containing NdFeB, for "neodymium metal")."""
OTHER_ELEMENT = 0.5
"""Further factor when the entry lacking an element the query names is
about other elements (samarium oxide for "praseodymium oxide")."""
UNSTATED_QUALIFIER = 0.7
"""Factor for an item whose definition has a condition the query does not
state (glossary QUALIFIERS: 2025 No. 61's items are Chinese-origin goods
exported by foreign parties from abroad; 2025 No. 18 lists the same
materials exported from China)."""
EXTRA_ELEMENT = 0.85
"""Factor for an item whose title names an element the query does not name
(when the query names one)."""
MISSING_SPECIFIC = 0.5
"""Factor for each *specific* glossary concept of the query (an element, a
compound, a trade name) that an entry lacks."""
PURPOSE_WEIGHT = 0.5
"""Weight of the words of a purpose clause ("winding machine *for battery
cells*"); concepts found only there are not required of an entry."""
BARE_ELEMENT_NOT_METAL = 0.6
"""Factor for entries without the metal concept when the query is only an
element's name (镝, 锑, "germanium"): the element itself is meant."""
FORM_MISMATCH = 0.5
"""Factor for a goods entry whose title names a form (ore, oxide, metal,
salt) other than the one the query names: "tungsten concentrate 65% WO3" is
an ore, not tungsten oxide; 精锑 is the metal, not the ore; 硝酸钆 a compound,
not the oxide. Such a top result is never more than *low* confidence."""
FORMS: dict[str, str] = {
    "ore": "ore",
    "re-conc": "ore",
    "stibnite": "ore",
    "w-conc": "ore",
    "oxide": "oxide",
    "metal": "metal",
    "alloy": "metal",
    "ingot": "metal",
    "sb-metal": "metal",
    "compound": "compound",
    "ndfeb": "magnet",
    "smco": "magnet",
    "pm-magnet": "magnet",
    **{
        c: "oxide"
        for c in (
            "wo3",
            "sb2o3",
            "ga2o3",
            "geo2",
            "dy2o3",
            "tb4o7",
            "y2o3",
            "sm2o3",
            "gd2o3",
            "lu2o3",
            "sc2o3",
            "eu2o3",
            "er2o3",
            "ho2o3",
            "tm2o3",
            "yb2o3",
        )
    },
    **{
        c: "salt"
        for c in (
            "nitrate",
            "carbonate",
            "oxalate",
            "acetate",
            "sulfate",
            "hydroxide",
            "chloride",
            "fluoride",
        )
    },
}
"""Glossary concepts that name the *form* of a substance (see FORM_MISMATCH)."""
SALTS = frozenset(c for c, f in FORMS.items() if f == "salt")
"""Compound classes an item of "X compounds" covers (硝酸钆 → 1C903.c)."""
NOT_IN_FORCE_CAP = 0.8
"""With a query date: an item whose controls are not in force on the date
(suspended, not yet or no longer in force) scores at most this share of the
best item in force on the date that covers the same elements and kind."""
DEMOTE_WITHIN = 0.7
"""…but only when that in-force item is a near-equal match (at least this
share of the other's score): a much weaker match is not the same thing."""
CODE_EXACT = 40.0
HS_EXACT = 30.0
HS_CONTAINS = 12.0
HS_SHARED_PER_DIGIT = 1.5


def kind_prior(cues: KindCues) -> tuple[float, float]:
    """(technology factor, goods factor) for a query's cue words."""
    if cues.tech == 0 and cues.goods == 0:
        return NO_INTENT_TECH, 1.0
    return KIND_PRIOR[max(-2, min(2, cues.lean))]


def forms_of(concept_ids: Iterable[str]) -> frozenset[str]:
    out = {FORMS[c] for c in concept_ids if c in FORMS}
    if out & {"compound", "salt", "oxide"}:
        out.discard("metal")  # "compounds of rare-earth metals", "metal oxides"
    return frozenset(out)


def form_conflict(query: frozenset[str], item: frozenset[str]) -> bool:
    """Whether an item's forms exclude every form the query names (a
    compound item covers oxides and salts; a query naming compounds accepts
    oxides and salts)."""
    if not query or not item:
        return False
    for q in query:
        for i in item:
            if q == i or {q, i} in _COMPATIBLE:
                return False
    return True


_COMPATIBLE = (
    {"compound", "salt"},
    {"compound", "oxide"},
    {"magnet", "metal"},  # magnet material is an alloy
)
