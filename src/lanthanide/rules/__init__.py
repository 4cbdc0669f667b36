"""The rulebook: instruments, items, controls and their loading."""

from lanthanide.rules.book import (
    CatalogueVersionView,
    CompiledControl,
    ItemRef,
    Rulebook,
    load_rulebook,
)
from lanthanide.rules.loader import Problem, RulebookError, load_instruments
from lanthanide.rules.model import Control, Instrument, Item, Period, Source

__all__ = [
    "CatalogueVersionView",
    "CompiledControl",
    "Control",
    "Instrument",
    "Item",
    "ItemRef",
    "Period",
    "Problem",
    "Rulebook",
    "RulebookError",
    "Source",
    "load_instruments",
    "load_rulebook",
]
