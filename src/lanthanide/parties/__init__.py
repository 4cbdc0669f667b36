"""Names → entries of China's party lists, with explanations.

``screen_name`` matches a name (Chinese, English, aliases, variants) against
the control list, watch list, unreliable entity list and countermeasure
orders of a rulebook; ``effects_for`` gives what a matched listing does on a
date. Pure domain code: it reports matches and effects, ``decide`` applies
them (see ``docs/parties.md``).
"""

from lanthanide.parties.effects import ListEffect, ListingState, effects_for, listing_state
from lanthanide.parties.ftm import to_ftm
from lanthanide.parties.match import (
    POSSIBLE,
    STRONG,
    Explanation,
    ListsChecked,
    PartyIndex,
    PartyMatch,
    TokenPair,
    index_for,
    lists_checked,
    screen_name,
)
from lanthanide.parties.normalize import NormalName, normalise

__all__ = [
    "POSSIBLE",
    "STRONG",
    "Explanation",
    "ListEffect",
    "ListingState",
    "ListsChecked",
    "NormalName",
    "PartyIndex",
    "PartyMatch",
    "TokenPair",
    "effects_for",
    "index_for",
    "listing_state",
    "lists_checked",
    "normalise",
    "screen_name",
    "to_ftm",
]
