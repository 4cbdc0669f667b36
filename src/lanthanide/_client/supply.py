"""Supply and the registry: :meth:`shares`, :meth:`exposure`,
:meth:`replays`, :meth:`scenario` (``lanthanide supply ...``, ``scenario
run``) and :meth:`registry` (``lanthanide admin`` / ``audit`` /
``registry``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lanthanide._client.core import _Core

if TYPE_CHECKING:
    from lanthanide.registry import Registry
    from lanthanide.registry.db import Database


class SupplyAndRegistry(_Core):
    """Supply-chain queries and scenarios; the licence registry."""

    def shares(
        self, commodity: str, stage: str, year: int, edition: str | None = None
    ) -> dict[str, Any]:
        """Shares by country for a stage and year, each with source, edition
        and reliability tag."""
        from lanthanide.supply.queries import shares

        return shares(commodity, stage, year, edition)

    def exposure(self, country: str, commodity: str, year: int | None = None) -> dict[str, Any]:
        """Per-stage exposure of one country (production share, net import
        reliance, through-China share, concentration)."""
        from lanthanide.supply.queries import exposure

        return exposure(country.upper(), commodity, year)

    def replays(self) -> list[dict[str, Any]]:
        """Replays of past export controls, modelled against observed changes."""
        from lanthanide.supply.replay import replays

        return replays()

    def scenario(self, spec: str | os.PathLike[str] | Mapping[str, Any]) -> dict[str, Any]:
        """Solve a scenario, given as a YAML file or as its parsed mapping:
        shortfall per country and stage, flows, binding constraints, balance.

        Controls taken from the rulebook (``controls[].rulebook``) are read
        from the bundled rulebook."""
        from lanthanide.supply import engine
        from lanthanide.supply.scenario import load, parse

        scn = parse(spec) if isinstance(spec, Mapping) else load(Path(spec))
        return engine.run(scn)

    # --------------------------------------------------------- registry
    def registry(self, url: str | Database | None = None) -> Registry:
        """The licence and reporting registry at ``url`` (SQLAlchemy URL; default
        ``LANTHANIDE_DATABASE_URL``, else a SQLite file in the user data
        directory; or an open :class:`~lanthanide.registry.db.Database`),
        created and migrated on first use. Its determinations are this
        object's (same rulebook, same engine)."""
        from lanthanide.registry import Registry
        from lanthanide.registry.db import Database, get_database

        db = url if isinstance(url, Database) else get_database(url)
        bundled = self._given is None and self._directory is None and not self._overlays
        return Registry(db, None if bundled else self.rulebook, decide=self._decide)
