"""The rulebook: instruments, items, controls and their loading."""

from lanthanide.rules.book import (
    CatalogueVersionView,
    CompiledControl,
    ItemRef,
    Rulebook,
    load_rulebook,
)
from lanthanide.rules.catalogue import CatalogueHit, CatalogueLine, LicenceCatalogue
from lanthanide.rules.loader import Problem, RulebookError, load_instruments
from lanthanide.rules.model import Control, Instrument, Item, Period, Source
from lanthanide.rules.overlay import Overlay
from lanthanide.rules.status import Reading, UncertainRef, UncertainStatus

__all__ = [
    "CatalogueHit",
    "CatalogueLine",
    "CatalogueVersionView",
    "CompiledControl",
    "Control",
    "Instrument",
    "Item",
    "ItemRef",
    "LicenceCatalogue",
    "Overlay",
    "Period",
    "Problem",
    "Reading",
    "Rulebook",
    "RulebookError",
    "Source",
    "UncertainRef",
    "UncertainStatus",
    "load_instruments",
    "load_rulebook",
]
