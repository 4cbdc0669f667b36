"""Commodities the supply model knows, with their stages and units."""

from __future__ import annotations

from dataclasses import dataclass

from lanthanide.vocab import VOCAB


@dataclass(frozen=True, slots=True)
class Commodity:
    name: str
    stages: tuple[str, ...]
    """Production stages, upstream first; final demand follows the last."""
    unit: str
    network: bool = True
    """False when the data gives shares only (no network can be built)."""
    aliases: tuple[str, ...] = ()
    elements: tuple[str, ...] = ()
    """Elements pooled in the commodity's one content unit (rare earths: the
    17 of Art. 30 of the Rare Earth Management Regulations). A control whose
    items name only some of them covers an unknown share of the pool."""


RARE_EARTH_ELEMENTS: tuple[str, ...] = VOCAB.rare_earths
"""The 17 rare-earth elements, from the one vocabulary (``vocab/data/elements.yaml``)."""

COMMODITIES: dict[str, Commodity] = {
    c.id: Commodity(
        c.id,
        c.supply.stages,
        c.supply.unit,
        c.supply.network,
        c.aliases,
        elements=RARE_EARTH_ELEMENTS if c.id == "rare_earth" else (),
    )
    for c in VOCAB.commodities
    if c.supply is not None
}

STAGES = ("mining", "refining", "separation", "metal_alloy", "magnet", "demand")
DEMAND = "demand"

# Rulebook item stage -> network stage, for multi-stage commodities. Single-stage
# commodities map every goods stage below to their one stage.
ITEM_STAGE = {
    "mining": "mining",
    "separation": "separation",
    "metal_alloy": "metal_alloy",
    "magnet": "magnet",
    "material": "magnet",
    "product": "magnet",
}
NOT_FLOWS = ("equipment", "technology", "other")
"""Item stages that are not material flows in the network (not modelled)."""


def canonical(name: str) -> str | None:
    for c in COMMODITIES.values():
        if name == c.name or name in c.aliases:
            return c.name
    return None


def network_stage(commodity: Commodity, item_stage: str | None) -> str | None:
    """The network stage a rulebook item's stage falls in, or None if not a flow."""
    if item_stage in NOT_FLOWS:
        return None
    if len(commodity.stages) == 1:
        return commodity.stages[0]
    if item_stage is None:
        return None
    return ITEM_STAGE.get(item_stage)
